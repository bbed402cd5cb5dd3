"""The server's token: 256 random bits, in a 0600 file in a 0700 directory of the user's."""

from __future__ import annotations

import os
import secrets
import stat

from ssohelper import paths
from ssohelper.cache import fileio

TOKEN_BYTES = 32  # 256 bits


def new_token() -> str:
    """64 hex digits: safe in a header, and in every shell format the server prints."""
    return secrets.token_hex(TOKEN_BYTES)


def write(token: str) -> str:
    """Write the token (no newline: botocore refuses a header value holding one); return the path."""
    return write_private("token", token.encode("ascii"))


def write_private(kind: str, data: bytes) -> str:
    """A 0600 file of this server's (``token``, or ``config`` for exec --server); its path."""
    directory = fileio.ensure_private_dir(paths.serve_dir())
    _remove_orphans(directory)
    path = os.path.join(directory, f"{kind}-{os.getpid()}-{secrets.token_hex(4)}")
    fileio.write_atomic(path, data, mode=0o600)
    return path


def keep_output_private(fd: int) -> None:
    """Output about to hold the token: a regular file of the user's loses group and other access
    first (a shell redirect creates it with the umask, often 0644, for every user to read)."""
    if os.name != "posix":
        return
    st = os.fstat(fd)
    if stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid() and st.st_mode & 0o077:
        os.fchmod(fd, stat.S_IMODE(st.st_mode) & 0o700)


def remove(path: str) -> None:
    fileio.remove_quietly(path)


def _remove_orphans(directory: str) -> None:
    """Files of servers that are gone (killed with SIGKILL, so they could not clean up)."""
    for name in os.listdir(directory):
        parts = name.split("-")
        if len(parts) == 3 and parts[0] in ("token", "config") and parts[1].isdigit() and not _running(int(parts[1])):
            fileio.remove_quietly(os.path.join(directory, name))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process, or no way to tell: leave its file alone
        return True
    return True

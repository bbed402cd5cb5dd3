"""The role-credential cache: one small JSON file per (session, account, role). Stdlib only.

A cache hit is on the credential_process hot path: read one file, compare one number, print
the stored document. Anything unexpected in the file (truncated, garbage, another format
version) is a miss, never an error; so is a file or directory another user could have written
(see fileio's trust rule).
"""

from __future__ import annotations

import os

from ssohelper import paths
from ssohelper.cache.fileio import (
    Untrusted,
    ensure_private_dir,
    explain,
    notice,
    read_trusted,
    remove_quietly,
    write_atomic,
)

TYPE_CHECKING = False  # importing typing costs ~3 ms on the hot path
if TYPE_CHECKING:  # models imports dataclasses, which a cache hit cannot afford
    from typing import Any

    from ssohelper.models import RoleCredentials

# An entry is three lines: this header, the expiry (epoch seconds), and the document to print.
# Plain text rather than JSON, so that a hit does not even import json.
HEADER = "ssohelper-role-credentials 1"
IN_KEYRING = "in the OS keyring"  # the second line of an index entry whose credentials the keyring holds
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def escape(text: str) -> str:
    """A reversible, filename-safe spelling of ``text`` (percent-encoding of unsafe bytes)."""
    return "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode()) for c in text)


def session_id(name: str | None, start_url: str) -> str:
    """What a session's cache entries and listing are filed under. A named session's carries its
    start URL's hash: after ``sso_start_url`` changes, the old instance's credentials and accounts
    are another session's, never served for the new one."""
    if name is None:
        return f"u-{start_url}"
    return f"s-{name}@{paths.session_key(None, start_url)[:12]}"


def entry_name(sid: str, account_id: str, role_name: str) -> str:
    return f"{escape(sid)}+{escape(account_id)}+{escape(role_name)}"


def target_entry_name(session_name: str | None, start_url: str, account_id: str, role_name: str) -> str:
    """The cache entry of a role in a session (named, or legacy by start URL)."""
    return entry_name(session_id(session_name, start_url), account_id, role_name)


def signed_out(token_file: str) -> bool:
    """Whether a session's cached role credentials must no longer be served: a sign-out by any
    tool (``ssohelper logout``, ``aws sso logout``) deletes the session's token file, and that
    ends its cached credentials too. One stat, so the cache hit can afford it."""
    try:
        os.stat(token_file)
    except OSError:
        return True
    return False


def split_entry_name(name: str) -> tuple[str, str, str] | None:
    """(session id, account, role) back from an entry name; None if it is not one of ours."""
    parts = name.split("+")
    if len(parts) != 3:
        return None
    from urllib.parse import unquote  # only status reads names back; the hot path never does

    return unquote(parts[0]), unquote(parts[1]), unquote(parts[2])


def entry_expiry(raw: str | None) -> float | None:
    """When a stored entry's credentials expire (epoch seconds), without reading its secrets."""
    lines = (raw or "").split("\n")
    if len(lines) < 2 or lines[0] != HEADER:
        return None
    try:
        return float(lines[1])
    except ValueError:
        return None


def entry_path(name: str) -> str:
    return os.path.join(paths.role_cache_dir(), name + ".cred")


def lock_path(name: str) -> str:
    return paths.lock_file("role", name)


def process_output(creds: RoleCredentials) -> str:
    """The credential_process document: compact JSON, Expiration in RFC3339 UTC with Z."""
    import json

    from ssohelper import times  # only when writing: a cache hit prints the stored document

    expiration = times.format_epoch(creds.expires_at)
    document = {
        "Version": 1,
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "SessionToken": creds.session_token,
        "Expiration": expiration,
        "AccountId": creds.account_id,
    }
    return json.dumps(document, separators=(",", ":"))


def encode_entry(creds: RoleCredentials) -> str:
    return f"{HEADER}\n{creds.expires_at!r}\n{process_output(creds)}\n"


def decode_entry(raw: str | None, *, now: float, min_ttl: float) -> str | None:
    """The stored document if the entry is ours and has more than ``min_ttl`` seconds left."""
    if not raw:
        return None
    lines = raw.split("\n")
    if len(lines) < 3 or lines[0] != HEADER:
        return None
    try:
        if float(lines[1]) - now <= min_ttl:
            return None
    except ValueError:
        return None
    output = lines[2]
    return output if output.startswith('{"Version":1,') and output.endswith("}") else None


def read_private(path: str) -> str | None:
    """The text of one of our cache files; None if it is missing, unreadable or untrusted."""
    try:
        return read_trusted(path).decode("utf-8")
    except Untrusted as exc:
        notice(f"ignoring {exc}: another user could have written it ({exc.fix})")
    except (OSError, UnicodeDecodeError):
        pass
    return None


def write_private(path: str, raw: str) -> bool:
    """Write one of our cache files (0600, in a 0700 dir); False if that failed."""
    try:
        ensure_private_dir(os.path.dirname(path))
        write_atomic(path, raw.encode("utf-8"))
    except OSError as exc:
        notice(f"working without the cache: {explain(exc)}")
        return False
    return True


class FileStore:
    """Entries as 0600 files in a 0700 directory."""

    description = "files"

    def read(self, name: str) -> str | None:
        return read_private(entry_path(name))

    def write(self, name: str, raw: str) -> bool:
        """Store an entry; False if that failed (a full disk): the caller still has its result."""
        return write_private(entry_path(name), raw)

    def delete(self, name: str) -> None:
        remove_quietly(entry_path(name))

    def names(self) -> list[str]:
        try:
            listing = os.listdir(paths.role_cache_dir())
        except OSError:
            return []
        return [n[: -len(".cred")] for n in listing if n.endswith(".cred") and not n.startswith(".")]


class KeyringRoleStore:
    """Entries in the OS keyring; an index file (no secrets) lets logout find them."""

    description = "OS keyring"

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        self._index = FileStore()

    def read(self, name: str) -> str | None:
        try:
            return self._backend.get_password("ssohelper", "role/" + name)
        except Exception:  # a locked or broken keyring is a miss
            return None

    def write(self, name: str, raw: str) -> bool:
        """Store an entry; False if the keyring refused (locked, say)."""
        try:
            self._backend.set_password("ssohelper", "role/" + name, raw)
        except Exception:
            return False
        return self._index.write(name, f"{HEADER}\n{IN_KEYRING}\n")

    def delete(self, name: str) -> None:
        try:
            self._backend.delete_password("ssohelper", "role/" + name)
        except Exception:
            pass
        self._index.delete(name)

    def names(self) -> list[str]:
        return self._index.names()


def remove_session(store: FileStore | KeyringRoleStore, sid: str) -> int:
    """Delete every cached role credential of one session; returns how many."""
    prefix = escape(sid) + "+"
    doomed = [name for name in store.names() if name.startswith(prefix)]
    for name in doomed:
        store.delete(name)
    return len(doomed)

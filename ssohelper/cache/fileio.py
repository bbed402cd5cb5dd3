"""Private, atomic file writes (stdlib only; used on the credential_process hot path)."""

from __future__ import annotations

import os


def ensure_private_dir(path: str) -> str:
    """Create ``path`` and any missing parents with mode 0700; tighten the leaf if it exists."""
    missing = []
    current = os.path.abspath(path)
    while not os.path.isdir(current):
        missing.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    for directory in reversed(missing):  # os.makedirs would give the parents the default mode
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            pass
    if os.name == "posix" and (os.stat(path).st_mode & 0o077):
        os.chmod(path, 0o700)
    return path


def write_atomic(path: str, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` so readers see either the old or the new file, never a part."""
    import tempfile  # not needed by a cache hit, which only reads

    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            if os.name == "posix":
                os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def remove_quietly(path: str) -> bool:
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False

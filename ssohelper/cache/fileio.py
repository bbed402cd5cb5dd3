"""Private, atomic file writes (stdlib only; used on the credential_process hot path)."""

from __future__ import annotations

import os

TEMP_PREFIX, TEMP_SUFFIX = ".tmp-", ".part"
STALE_AFTER = 60.0  # seconds: no write_atomic takes this long between creating and replacing


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
    remove_stale_temps(directory)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=TEMP_SUFFIX)
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


def remove_stale_temps(directory: str, *, max_age: float = STALE_AFTER) -> list[str]:
    """Remove write_atomic's own temp files in ``directory`` that no write will finish: older
    than ``max_age`` seconds, or left by a process that is gone (a kill mid-write). They may
    hold secrets. Returns the names removed; never raises."""
    import time

    removed: list[str] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not (entry.name.startswith(TEMP_PREFIX) and entry.name.endswith(TEMP_SUFFIX)):
            continue
        try:
            stale = now - entry.stat(follow_symlinks=False).st_mtime > max_age or _writer_gone(entry.name)
            if stale and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(entry.name)
        except OSError:
            continue
    return removed


def _writer_gone(name: str) -> bool:
    """``.tmp-<pid>-<random>.part``: is that process gone? Unknown (older names) counts as alive."""
    pid = name[len(TEMP_PREFIX) :].split("-", 1)[0]
    if os.name != "posix" or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # another user's process, or no permission to ask: alive
        return False
    return False


def remove_quietly(path: str) -> bool:
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False

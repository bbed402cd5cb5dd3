"""Private, atomic, trusted file access (stdlib only; used on the credential_process hot path).

Trust rule: a file ssohelper reads as a cache, lock, memo or token entry is
used only if the opened file is a regular file of the user's with no group or world write bit,
is not a symlink (O_NOFOLLOW), and sits in a directory of the user's that is not group- or
world-writable (group write is fine for the user's own private group). Both checks are fstat
calls on the opened descriptors, so there is no race between the check and the read: one
extra open and fstat per read.
"""

from __future__ import annotations

import errno
import os
import stat

_POSIX = os.name == "posix"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a planted FIFO must not hang a read
TEMP_PREFIX, TEMP_SUFFIX = ".tmp-", ".part"
STALE_TEMP_SECONDS = 60.0
_noticed: set[str] = set()


class Untrusted(PermissionError):
    """A file or directory that another user could have written: refused.

    An OSError, so every caller that works without a cache on OSError does so here too.
    """

    def __init__(self, path: str, reason: str, fix: str) -> None:
        super().__init__(f"{path} {reason}")
        self.path, self.reason, self.fix = path, reason, fix


def _problem(path: str, st: os.stat_result) -> Untrusted | None:
    uid = os.getuid()
    if st.st_uid != uid:
        return Untrusted(path, f"belongs to uid {st.st_uid}, not to you (uid {uid})", f"remove {path}")
    if st.st_mode & 0o022 and not _own_private_group(st):
        who = "everyone" if st.st_mode & 0o002 else "its group"
        return Untrusted(path, f"is writable by {who} (mode {st.st_mode & 0o777:o})", f"run: chmod go-w {path}")
    return None


def _own_private_group(st: os.stat_result) -> bool:
    """Group write is harmless when the group is the user's private group (umask 002 systems,
    where ``aws sso login`` makes ~/.aws/sso/cache 0775): named after the user, no other members.
    The same exception as Debian's OpenSSH StrictModes. Checked only when the bit is set."""
    if st.st_mode & 0o002 or st.st_gid != os.getgid():
        return False
    import grp  # only on this unusual path
    import pwd

    try:
        user, group = pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid)
    except KeyError:
        return False
    return group.gr_name == user and set(group.gr_mem) <= {user}


def check_dir(directory: str, fd: int) -> None:
    """Raise Untrusted unless the opened directory ``fd`` is the user's and only the user's to write."""
    st = os.fstat(fd)
    problem = _problem(directory, st)
    if problem is None and not stat.S_ISDIR(st.st_mode):
        problem = Untrusted(directory, "is not a directory", f"remove {directory}")
    if problem is not None:
        raise problem


def open_trusted(path: str, flags: int = os.O_RDONLY, mode: int = 0o600) -> int:
    """Open ``path`` if it and its directory pass the trust rule; Untrusted (or the usual OSError) if not."""
    if not _POSIX:  # pragma: no cover - Windows has no uid or mode bits to check
        return os.open(path, flags | getattr(os, "O_BINARY", 0), mode)
    directory = os.path.dirname(path) or "."
    dir_fd = os.open(directory, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        check_dir(directory, dir_fd)
        try:
            fd = os.open(os.path.basename(path), flags | _NOFOLLOW | _CLOEXEC, mode, dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.EMLINK):
                raise Untrusted(path, "is a symbolic link", f"remove {path}") from None
            raise
    finally:
        os.close(dir_fd)
    st = os.fstat(fd)
    problem = _problem(path, st)
    if problem is None and not stat.S_ISREG(st.st_mode):
        problem = Untrusted(path, "is not a regular file", f"remove {path}")
    if problem is not None:
        os.close(fd)
        raise problem
    return fd


def read_trusted(path: str) -> bytes:
    """The bytes of ``path`` under the trust rule (see open_trusted)."""
    fd = open_trusted(path, os.O_RDONLY | _NONBLOCK)
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def explain(exc: OSError) -> str:
    """An OSError in a few words with its path, for one-line messages."""
    if isinstance(exc, Untrusted) or exc.strerror is None:
        return str(exc)
    return f"{exc.filename}: {exc.strerror.lower()}" if exc.filename else exc.strerror.lower()


def notice(message: str) -> None:
    """Say once per process, with --debug, why a file or directory is not used.

    Not remembered while debug logging is off (the fast path runs before --debug is set up),
    so the slow path in the same process still says it.
    """
    import logging  # only on this unusual path: a cache hit cannot afford it

    log = logging.getLogger("ssohelper")
    if message not in _noticed and log.isEnabledFor(logging.DEBUG):
        _noticed.add(message)
        log.debug(message)


def ensure_private_dir(path: str) -> str:
    """Create ``path`` and any missing parents with mode 0700; tighten the leaf if it exists.

    Refuses (Untrusted) to reuse a leaf that belongs to someone else or that others may write
    (see the trust rule); a file where the directory should be is a NotADirectoryError.
    """
    if _POSIX:
        _check_ancestors(os.path.abspath(path))
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
    st = os.stat(path)
    if not stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, "not a directory", path)
    problem = _problem(path, st) if _POSIX else None
    if problem is not None:  # tightening it now would bless what others may have put in it
        raise problem
    if _POSIX and (st.st_mode & 0o077):
        os.chmod(path, 0o700)
    return path


def _check_ancestors(path: str) -> None:
    """Every existing directory above ``path`` must be the user's or root's, and writable by
    others only if sticky (like /tmp), and no symlink on the way may be someone else's: else
    another user could swap what lies below for a place of their choosing."""
    uid = os.getuid()
    current = os.path.dirname(path)
    while True:
        try:
            st = os.lstat(current)
        except OSError:
            st = None  # not there yet: it will be created 0700
        if st is not None:
            if st.st_uid not in (uid, 0):
                raise Untrusted(current, f"belongs to uid {st.st_uid}, not to you (uid {uid})", f"remove {current}")
            loose = st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX and not _own_private_group(st)
            if stat.S_ISDIR(st.st_mode) and loose:
                raise Untrusted(
                    current, f"is writable by others (mode {st.st_mode & 0o777:o})", f"chmod go-w {current}"
                )
        parent = os.path.dirname(current)
        if parent == current:
            return
        current = parent


def write_atomic(path: str, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` so readers see either the old or the new file, never a part.

    The temp file's name carries the writer's pid, so the next write in the directory (see
    remove_stale_temps) removes what a killed writer left, secrets included.
    """
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


def remove_stale_temps(directory: str) -> int:
    """Remove ssohelper's own ``.tmp-*.part`` files in ``directory`` that a dead writer left:
    older than a minute, or named for a pid that is gone. Returns how many."""
    import time

    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    removed, now = 0, time.time()
    for entry in entries:
        if not (entry.name.startswith(TEMP_PREFIX) and entry.name.endswith(TEMP_SUFFIX)):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if _POSIX and st.st_uid != os.getuid():
                continue  # not ours to remove
            if now - st.st_mtime > STALE_TEMP_SECONDS or _writer_gone(entry.name):
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue
    return removed


def _writer_gone(name: str) -> bool:
    pid_text = name[len(TEMP_PREFIX) :].split("-", 1)[0]
    if not _POSIX or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False  # no pid to check (then age decides), or a write of this very process
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:  # EPERM: alive, someone else's
        return False
    return False


def remove_quietly(path: str) -> bool:
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False

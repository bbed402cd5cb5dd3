"""Advisory file locks that die with their holder, with a bounded wait (stdlib only).

flock/msvcrt locks are released by the kernel when the process exits, even on SIGKILL,
so a crashed holder can never block the next caller. A lock directory or file that can't be
used (read-only, another user's) means working without the lock, never failing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ssohelper.cache.fileio import ensure_private_dir, explain, notice, open_trusted
from ssohelper.errors import Busy

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            return True
        except OSError:
            return False

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False


_held: dict[str, int] = {}


def acquire(
    path: str,
    *,
    timeout: float,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Take an exclusive lock on ``path``, held until release() or the process ends.

    Raises Busy after ``timeout`` seconds of waiting. Takes no lock (and says so with --debug)
    when the lock file can't be used: the caller then works without it.
    """
    try:
        ensure_private_dir(os.path.dirname(path))
        fd = open_trusted(path, os.O_RDWR | os.O_CREAT)
    except OSError as exc:
        notice(f"working without a lock: {explain(exc)}")
        return
    deadline = clock() + timeout
    delay = 0.005
    while not _try_lock(fd):
        if clock() >= deadline:
            os.close(fd)
            raise Busy(
                f"gave up after {timeout:g}s waiting for another ssohelper process ({what}); "
                "retry, or raise --lock-timeout"
            )
        sleep(delay)
        delay = min(delay * 2, 0.05)
    _held[path] = fd


def release(path: str) -> None:
    fd = _held.pop(path, None)
    if fd is not None:
        os.close(fd)  # closing the descriptor releases the lock


@contextmanager
def file_lock(
    path: str,
    *,
    timeout: float,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[None]:
    """Hold the lock on ``path`` for the block. Re-entrant: a lock this process already
    holds (say, taken by the fast path before it handed over to the CLI) is simply kept."""
    if path in _held:
        yield
        return
    acquire(path, timeout=timeout, what=what, sleep=sleep, clock=clock)
    try:
        yield
    finally:
        release(path)

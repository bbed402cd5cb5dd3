"""Advisory file locks that die with their holder, with a bounded wait (stdlib only).

flock/msvcrt locks are released by the kernel when the process exits, even on SIGKILL,
so a crashed holder can never block the next caller.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from .errors import Busy
from .fileio import ensure_private_dir

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
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


@contextmanager
def file_lock(
    path: str,
    *,
    timeout: float,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[None]:
    """Hold an exclusive lock on ``path``; raise Busy after ``timeout`` seconds of waiting."""
    ensure_private_dir(os.path.dirname(path))
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = clock() + timeout
        delay = 0.005
        while not _try_lock(fd):
            if clock() >= deadline:
                raise Busy(
                    f"gave up after {timeout:.0f}s waiting for another ssohelper process ({what}); "
                    "retry, or raise --lock-timeout"
                )
            sleep(delay)
            delay = min(delay * 2, 0.1)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock

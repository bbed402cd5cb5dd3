"""Overall deadlines for AWS calls, enforced around botocore (stdlib only).

botocore's ``read_timeout`` limits each read, not the call: a server that dribbles one byte a
second keeps a call alive for ever. So every call runs in a worker thread, and the caller
stops waiting at the deadline with an AwsError (exit 5). The worker is a daemon thread: the
CLI exits at once, and its socket goes with the process.

A call's deadline measures the time it works, not the time it waits for its turn: a paced
client's wait (ssohelper's pacer, botocore's adaptive rate limiter, a retry's back-off) is
marked with ``waiting()`` and ended with ``working()`` by the client's handlers
(ssohelper.aws.bounded), so a listing that botocore paces finishes however long its turns take.

A *budget* caps everything inside it, calls, their waits and lock waits alike:
credential-process runs inside 55 s, because the Go SDK kills it at 60 s.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from ssohelper.errors import AwsError
from ssohelper.settings import ENV_CALL_TIMEOUT, PROCESS_BUDGET, call_timeout

T = TypeVar("T")
__all__ = ["PROCESS_BUDGET", "TimedOut", "budget", "remaining", "run", "waiting", "working"]


class TimedOut(AwsError):
    """An AWS call outlasted its deadline, or the command's time was used up."""


_budget_end: contextvars.ContextVar[float | None] = contextvars.ContextVar("ssohelper_budget_end", default=None)


class _Stopwatch:
    """How long a call has worked: running unless the call is waiting for its turn."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock, self._lock = clock, threading.Lock()
        self._worked = 0.0
        self._since: float | None = clock()  # None while waiting

    def wait(self) -> None:
        with self._lock:
            if self._since is not None:
                self._worked += self._clock() - self._since
                self._since = None

    def work(self) -> None:
        with self._lock:
            if self._since is None:
                self._since = self._clock()

    def worked(self) -> float:
        with self._lock:
            return self._worked + (0.0 if self._since is None else self._clock() - self._since)


_stopwatch: contextvars.ContextVar[_Stopwatch | None] = contextvars.ContextVar("ssohelper_stopwatch", default=None)


def waiting() -> None:
    """The call running in this thread waits for its turn now: its deadline stands still."""
    watch = _stopwatch.get()
    if watch is not None:
        watch.wait()


def working() -> None:
    """The call running in this thread works again (sends, reads): its deadline runs."""
    watch = _stopwatch.get()
    if watch is not None:
        watch.work()


@contextmanager
def budget(seconds: float, *, clock: Callable[[], float] = time.monotonic) -> Iterator[None]:
    """Everything in the block (calls, lock waits) ends within ``seconds`` from now."""
    end = clock() + seconds
    outer = _budget_end.get()
    token = _budget_end.set(end if outer is None else min(outer, end))
    try:
        yield
    finally:
        _budget_end.reset(token)


def remaining(default: float, *, clock: Callable[[], float] = time.monotonic) -> float:
    """What is left of the budget, at most ``default`` (which is all there is without one)."""
    end = _budget_end.get()
    return default if end is None else max(0.0, min(default, end - clock()))


def run(
    what: str, call: Callable[[], T], *, timeout: float | None = None, clock: Callable[[], float] = time.monotonic
) -> T:
    """``call()`` in a worker thread; AwsError naming ``what`` if it works longer than its
    deadline (its waits for a turn left out), or outlasts the budget (waits included)."""
    limit = remaining(call_timeout() if timeout is None else timeout, clock=clock)
    if limit <= 0:
        raise TimedOut(f"{what}: timed out: the time allowed for this command is used up")
    box: dict[str, object] = {}
    watch, end = _Stopwatch(clock), _budget_end.get()

    def work() -> None:
        _stopwatch.set(watch)  # this thread's own context: the client's handlers find it there
        try:
            box["value"] = call()
        except BaseException as exc:  # handed to the caller's thread, raised there
            box["error"] = exc

    worker = threading.Thread(target=work, name="ssohelper-aws-call", daemon=True)
    worker.start()
    while worker.is_alive():
        left = limit - watch.worked()
        if end is not None:
            left = min(left, end - clock())
        if left <= 0:
            break
        worker.join(left)
    if worker.is_alive():
        raise TimedOut(
            f"{what}: timed out after {round(limit, 1):g}s without a complete answer; "
            f"check your network or proxy (the limit is {ENV_CALL_TIMEOUT} or call_timeout_seconds)"
        )
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]

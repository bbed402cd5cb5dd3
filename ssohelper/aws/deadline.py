"""Overall deadlines for AWS calls, enforced around botocore (stdlib only).

botocore's ``read_timeout`` limits each read, not the call: a server that dribbles one byte a
second keeps a call alive for ever. So every call runs in a worker thread, and the caller
stops waiting at the deadline with an AwsError (exit 5). The worker is a daemon thread: the
CLI exits at once, and its socket goes with the process.

A *budget* caps everything inside it, calls and lock waits alike: credential-process runs
inside 55 s, because the Go SDK kills it at 60 s.
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
__all__ = ["PROCESS_BUDGET", "TimedOut", "budget", "remaining", "run"]


class TimedOut(AwsError):
    """An AWS call outlasted its deadline, or the command's time was used up."""


_budget_end: contextvars.ContextVar[float | None] = contextvars.ContextVar("ssohelper_budget_end", default=None)


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


def run(what: str, call: Callable[[], T], *, timeout: float | None = None) -> T:
    """``call()`` in a worker thread; AwsError naming ``what`` if it outlasts its deadline."""
    limit = remaining(call_timeout() if timeout is None else timeout)
    if limit <= 0:
        raise TimedOut(f"{what}: timed out: the time allowed for this command is used up")
    box: dict[str, object] = {}

    def work() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # handed to the caller's thread, raised there
            box["error"] = exc

    worker = threading.Thread(target=work, name="ssohelper-aws-call", daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        raise TimedOut(
            f"{what}: timed out after {round(limit, 1):g}s without a complete answer; "
            f"check your network or proxy (the limit is {ENV_CALL_TIMEOUT} or call_timeout_seconds)"
        )
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]

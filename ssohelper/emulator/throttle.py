"""The portal's throttle: a token bucket shared by every portal call (the SSO portal answers
429 TooManyRequestsException past about 20 calls a second per caller), and an oversized answer
for tests of the client's answer cap.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up; a call without a token is refused."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._clock = clock
        self._tokens = float(self.burst)
        self._at = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """True if a call may go ahead now (a token is spent); False if it is throttled."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False


def padded_json(size: int) -> Callable[[], bytes]:
    """A JSON object of ``size`` bytes, made in one go only when sent (a broken or hostile proxy's answer)."""

    def make() -> bytes:
        head, tail = b'{"padding":"', b'"}'
        return head + b"x" * max(0, size - len(head) - len(tail)) + tail

    return make

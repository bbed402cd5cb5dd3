"""Pace portal calls under the portal's throttle: a rate shared by every thread of a listing
that backs off on 429 and probes back up (stdlib only).

Until the first 429 calls go unpaced, so a portal that never says no costs nothing. A 429
sets the rate just under what got through in the last second (its ceiling), and never below
a few calls a second; a 429 for a call sent before that cut says nothing new and changes
nothing. Then the rate creeps up a little each second near the ceiling, and grows fast once
well above it (the ceiling was a passing one), so a portal with room to spare is found
again. ``[aws] portal_max_rate`` caps the rate from the start, for organisations whose portal
allows less.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from ssohelper.settings import MAX_PORTAL_RATE, resolve

BACKOFF = 0.95  # a cut goes to this share of what got through in the last second
GROWTH = 0.01  # then the rate grows by this share each second without a 429, near the ceiling
FAST_GROWTH = 0.5  # and by this share each second once 20% above it
MIN_RATE = 5.0  # calls a second: a 429 never slows a listing below this (the cap may)
UNPACED = MAX_PORTAL_RATE  # calls a second: past this, pacing is dropped until the next 429
WINDOW = 1.0  # seconds over which what got through is measured


def max_rate() -> float | None:
    """``[aws] portal_max_rate`` (calls a second), or None when unset."""
    rate = resolve("portal_max_rate").value
    return None if rate is None else float(rate)  # type: ignore[arg-type]


class Pacer:
    """A client-side token bucket of one token, shared by the threads of one listing."""

    def __init__(
        self,
        cap: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.cap = cap
        self.rate: float | None = cap  # None: unpaced
        self.calls = 0
        self.throttled = 0
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self._grown_at = clock()
        self._cut_at = float("-inf")
        self._ceiling = 0.0
        self._got_through: deque[float] = deque()
        self._sent = threading.local()
        self._lock = threading.Lock()

    def before_call(self) -> None:
        """Wait for this call's turn (at once while unpaced)."""
        with self._lock:
            now = self._clock()
            self.calls += 1
            at = now
            rate = self._grow(now)
            if rate is not None:
                at = max(now, self._next)
                self._next = at + 1 / rate
        self._sent.at = at
        if at > now:
            self._sleep(at - now)

    def after_call(self, throttled: bool) -> None:
        """Note how the call this thread last sent was answered."""
        sent_at = getattr(self._sent, "at", float("-inf"))
        with self._lock:
            now = self._clock()
            while self._got_through and self._got_through[0] < now - WINDOW:
                self._got_through.popleft()
            if not throttled:
                self._got_through.append(now)
                return
            self.throttled += 1
            if sent_at <= self._cut_at:  # sent at the old pace: the cut already allowed for it
                return
            self._ceiling = len(self._got_through) / WINDOW
            rate = BACKOFF * self._ceiling
            if self.rate is not None and self._ceiling > self.rate:  # a burst the server had saved up
                rate = BACKOFF * self.rate
            rate = max(MIN_RATE, rate)
            self.rate = rate if self.cap is None else min(rate, self.cap)
            self._cut_at = self._grown_at = now
            self._next = max(self._next, now + 1 / self.rate)

    def _grow(self, now: float) -> float | None:
        """The rate now, grown since it was last looked at (None: unpaced)."""
        if self.rate is None or self._cut_at == float("-inf"):
            return self.rate
        growth = GROWTH if self.rate < 1.2 * self._ceiling else FAST_GROWTH
        grown = self.rate * (1 + growth) ** (now - self._grown_at)
        self._grown_at = now
        if self.cap is not None:
            self.rate = min(grown, self.cap)
        else:
            self.rate = None if grown > UNPACED else grown
        return self.rate

    def describe(self) -> str:
        """The pace for a progress line: empty while unpaced and never throttled."""
        if self.rate is None or (self.throttled == 0 and self.cap is None):
            return ""
        return f"{self.rate:.1f} calls/s, {self.throttled} throttled"

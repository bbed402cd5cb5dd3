"""How a sign-in talks to the user: messages, the browser opener, progress, the clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ssohelper.models import epoch_now


@dataclass
class Interaction:
    """How a sign-in talks to the user; tests pass their own."""

    notify: Callable[[str], None]
    open_browser: Callable[[str], Any] | None = None
    on_wait: Callable[[float], None] = lambda left: None
    clock: Callable[[], float] = epoch_now
    sleep: Callable[[float], None] = time.sleep

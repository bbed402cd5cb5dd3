"""How a sign-in talks to the user: messages, the browser opener, progress, the clock."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ssohelper.models import epoch_now

if TYPE_CHECKING:
    from ssohelper.signin.flow import FlowChoice


@dataclass
class Interaction:
    """How a sign-in talks to the user; tests pass their own."""

    notify: Callable[[str], None]
    open_browser: Callable[[str], Any] | None = None
    on_wait: Callable[[float], None] = lambda left: None
    clock: Callable[[], float] = epoch_now
    sleep: Callable[[float], None] = time.sleep
    flow: FlowChoice | None = None  # how to sign in when a sign-in is needed (None: a device code)

    def open_url(self, url: str) -> None:
        """Open ``url`` in the browser when there is one; the URL is always printed as well."""
        if self.open_browser is None:
            return
        try:
            self.open_browser(url)
        except Exception:  # no usable browser: the printed URL is enough
            logging.getLogger("ssohelper").debug("could not open a browser")

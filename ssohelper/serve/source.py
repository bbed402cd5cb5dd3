"""Where the server's credentials come from, and how many callers share one fetch.

``profile_credentials`` is the one place that says how a profile becomes credentials; it goes
through credential-process's own cache, locks, refresh and minimum TTL. ``Supplier`` runs at
most one fetch at a time in the background: however many requests arrive together, they wait
for the same one, and none waits longer than an SDK does (botocore gives up after 2 s).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from ssohelper.aws import deadline
from ssohelper.errors import AwsError, SsoHelperError
from ssohelper.roles import envcreds
from ssohelper.settings import PROCESS_BUDGET, ProcessOptions

log = logging.getLogger("ssohelper")

# How long a request waits for a fetch under way: less than the SDKs' 2 s read timeout, so the
# SDK gets an answer it can report (and retry) rather than a timeout.
ANSWER_WAIT = 1.5


def profile_credentials(
    profile: str | None, options: ProcessOptions, ask_mfa: Callable[[str], str] | None = None
) -> envcreds.ProfileCredentials:
    """Role credentials for ``profile``, chained or not, through credential-process's cache,
    locks and refresh. A chained profile's MFA code is asked with ``ask_mfa``; without it (the
    server's own fetches: no terminal) the fetch fails with LoginRequired rather than waiting."""
    from ssohelper.roles.credential_process import fetch

    return envcreds.profile_credentials(
        profile, fetch_document=lambda target: fetch(target, options), options=options, ask_mfa=ask_mfa
    )


Produce = Callable[[str | None, ProcessOptions], envcreds.ProfileCredentials]


class Pending(AwsError):
    """The fetch is still under way after ANSWER_WAIT; the SDK retries."""


class Supplier:
    """One fetch at a time for one profile; every request waits for the current one."""

    def __init__(
        self,
        profile: str | None,
        options: ProcessOptions,
        *,
        produce: Produce = profile_credentials,
        wait: float = ANSWER_WAIT,
    ) -> None:
        self.profile, self.options, self._produce, self._wait = profile, options, produce, wait
        self._lock = threading.Lock()
        self._flight: Future[envcreds.ProfileCredentials] | None = None
        self._last_error = ""

    def get(self) -> envcreds.ProfileCredentials:
        """The credentials, or the SsoHelperError the fetch ended with, or Pending."""
        with self._lock:
            flight = self._flight
            if flight is None or flight.done():
                flight = self._flight = Future()
                threading.Thread(target=self._run, args=(flight,), name="ssohelper-fetch", daemon=True).start()
        try:
            return flight.result(timeout=self._wait)
        except FutureTimeout:
            last = f"; the last attempt failed: {self._last_error}" if self._last_error else ""
            raise Pending(f"still fetching the credentials from AWS; retry{last}") from None

    def _run(self, flight: Future[envcreds.ProfileCredentials]) -> None:
        try:
            with deadline.budget(PROCESS_BUDGET):
                found = self._produce(self.profile, self.options)
        except SsoHelperError as exc:
            self._last_error = str(exc)
            flight.set_exception(exc)
        except Exception as exc:  # a bug: the server answers it and keeps running
            log.debug("fetching credentials failed", exc_info=True)
            self._last_error = f"unexpected {exc.__class__.__name__}"
            flight.set_exception(exc)
        else:
            self._last_error = ""
            flight.set_result(found)

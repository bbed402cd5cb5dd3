"""RFC 3339 UTC times, written and read in one place (stdlib only).

Written as ``2026-01-31T12:00:00Z``: whole seconds (cut, not rounded), UTC, a ``Z``. That is
the AWS CLI v2's token cache format and credential_process's ``Expiration``, byte for byte.
Read: any ISO 8601 / RFC 3339 time with ``Z``, an offset, or (as UTC) none.

Writing needs only ``time``, so the credential_process hot path can use it; ``datetime`` is
imported only to read.
"""

from __future__ import annotations

import time

TYPE_CHECKING = False  # importing typing costs ~3 ms on the hot path
if TYPE_CHECKING:
    from datetime import datetime

FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def format_epoch(epoch: float) -> str:
    """Epoch seconds as RFC 3339 UTC."""
    return time.strftime(FORMAT, time.gmtime(epoch))


def format_datetime(value: datetime | None) -> str | None:
    """A datetime (naive ones are local time, as Python reads them) as RFC 3339 UTC; None for None."""
    return None if value is None else format_epoch(value.timestamp())


def parse_datetime(text: str) -> datetime:
    """An RFC 3339 time as an aware UTC datetime (none given: UTC). ValueError if it is not one."""
    from datetime import datetime, timezone

    parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)


def parse_epoch(text: str) -> float:
    """An RFC 3339 time as epoch seconds. ValueError if it is not one."""
    return parse_datetime(text).timestamp()

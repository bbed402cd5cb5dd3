"""An account's IAM credential report: reuse a recent one, else generate it and poll with backoff.

A report can be generated at most every 4 hours and takes seconds to minutes; polling waits
0.5 s, then twice as long each time up to 8 s, within a total wait, rather than in a tight loop.
The report has no key IDs, so users with active keys get one ListAccessKeys each to name them.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from ssohelper.models import mask
from ssohelper.org.calls import call
from ssohelper.org.findings import AccessKey, User, parse_time

REUSE_SECONDS = 4 * 3600  # a report younger than this is used as it is
FIRST_WAIT, LONGEST_WAIT, TOTAL_WAIT = 0.5, 8.0, 300.0
ROOT_USER = "<root_account>"
_NOT_PRESENT = {"ReportNotPresent", "ReportExpired", "ReportInProgress"}


class ReportTimedOut(Exception):
    """The report did not complete within the total wait."""


def fetch(
    iam: Any,
    *,
    now: datetime,
    reuse_seconds: float = REUSE_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    total_wait: float = TOTAL_WAIT,
) -> str:
    """The report's CSV text. A refusal (AccessDenied) is botocore's ClientError, as raised."""
    found = _get(iam)
    if found is not None:
        generated = found.get("GeneratedTime")
        if isinstance(generated, datetime) and (now - generated).total_seconds() < reuse_seconds:
            return _content(found)
    waited, wait = 0.0, FIRST_WAIT
    while call(iam, "generate_credential_report").get("State") != "COMPLETE":
        if waited >= total_wait:
            raise ReportTimedOut(f"the credential report was not ready after {int(waited)}s")
        step = min(wait, total_wait - waited)  # never past the total
        sleep(step)
        waited, wait = waited + step, min(wait * 2, LONGEST_WAIT)
    found = _get(iam)
    if found is None:
        raise ReportTimedOut("the credential report was generated but could not be read")
    return _content(found)


def _get(iam: Any) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    try:
        answer: dict[str, Any] = call(iam, "get_credential_report")
        return answer
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code.replace("Exception", "") in _NOT_PRESENT:
            return None
        raise


def _content(answer: dict[str, Any]) -> str:
    content = answer.get("Content", b"")
    return content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)


def users_from_report(iam: Any, text: str) -> tuple[list[User], bool | None]:
    """The report's users (key IDs from ListAccessKeys) and whether the root user has keys."""
    users: list[User] = []
    root_keys: bool | None = None
    for row in csv.DictReader(io.StringIO(text)):
        active = [n for n in (1, 2) if row.get(f"access_key_{n}_active") == "true"]
        if row.get("user") == ROOT_USER:
            root_keys = bool(active)
            continue
        ids = _key_ids(iam, row["user"]) if active else {}
        keys = tuple(_slot_key(row, n, ids) for n in active)
        users.append(
            User(
                name=row.get("user", ""),
                arn=row.get("arn", ""),
                password_enabled=row.get("password_enabled") == "true",
                mfa_active=row.get("mfa_active") == "true",
                password_last_used=parse_time(row.get("password_last_used")),
                keys=keys,
            )
        )
    return users, root_keys


def _key_ids(iam: Any, user: str) -> dict[datetime | None, list[str]]:
    """The user's active key IDs by creation time (a report slot's last_rotated)."""
    by_created: dict[datetime | None, list[str]] = {}
    for page in call(iam, "list_access_keys", paged="AccessKeyMetadata", UserName=user):
        if page.get("Status") == "Active":
            created = page.get("CreateDate")
            created = created.astimezone(timezone.utc).replace(microsecond=0) if created else None
            by_created.setdefault(created, []).append(page["AccessKeyId"])
    return by_created


def _slot_key(row: dict[str, str], slot: int, ids: dict[datetime | None, list[str]]) -> AccessKey:
    created = parse_time(row.get(f"access_key_{slot}_last_rotated"))
    created = created.replace(microsecond=0) if created else None
    matching = ids.get(created) or next((v for v in ids.values() if v), [])
    key_id = matching.pop(0) if matching else None
    service = row.get(f"access_key_{slot}_last_used_service")
    region = row.get(f"access_key_{slot}_last_used_region")
    return AccessKey(
        access_key_id=mask(key_id) if key_id else "unknown",
        created=created,
        last_used=parse_time(row.get(f"access_key_{slot}_last_used_date")),
        last_service=service if service and service not in ("N/A", "not_supported") else None,
        last_region=region if region and region not in ("N/A", "not_supported") else None,
    )

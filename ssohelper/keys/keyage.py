"""``audit --online``: each long-term key's age and last use, asked of IAM with that key itself."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ssohelper import times
from ssohelper.aws import clients, deadline
from ssohelper.keys.survey import LONG_TERM, AuditReport, KeyAge, KeyMaterial
from ssohelper.models import epoch_now


def with_key_ages(
    report: AuditReport,
    material: list[KeyMaterial],
    *,
    iam_for: Callable[[KeyMaterial], Any] | None = None,
    clock: Callable[[], float] = epoch_now,
) -> AuditReport:
    """The report with IAM's view of every long-term key that has its secret beside it."""
    iam_for = iam_for or _iam_client
    ages: dict[str, KeyAge] = {}
    findings = []
    for item in material:
        finding = item.finding
        if finding.kind == LONG_TERM:
            if item.access_key_id not in ages:
                ages[item.access_key_id] = key_age(item, iam_for, clock())
            finding = dataclasses.replace(finding, iam=ages[item.access_key_id])
        findings.append(finding)
    return dataclasses.replace(report, keys=tuple(findings))


def _iam_client(item: KeyMaterial) -> Any:
    return clients.make("iam", credentials=item, region=item.region)


def key_age(item: KeyMaterial, iam_for: Callable[[KeyMaterial], Any], now: float) -> KeyAge:
    """ListAccessKeys (the caller's own) and GetAccessKeyLastUsed, with the key's own credentials."""
    if not item.secret_access_key:
        return KeyAge(error="no secret access key beside it")
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        iam = iam_for(item)
        keys = deadline.run("IAM ListAccessKeys", iam.list_access_keys).get("AccessKeyMetadata", [])
        used = deadline.run(
            "IAM GetAccessKeyLastUsed", lambda: iam.get_access_key_last_used(AccessKeyId=item.access_key_id)
        ).get("AccessKeyLastUsed", {})
    except ClientError as exc:
        code = clients.error_code(exc) or "error"
        if code == "InvalidClientTokenId":  # IAM takes no call signed with an Inactive or deleted key
            return KeyAge(error=f"IAM refused: {code} (the key is inactive or deleted)")
        return KeyAge(error=f"IAM refused: {code}")
    except BotoCoreError as exc:
        return KeyAge(error=f"IAM unreachable: {exc.__class__.__name__}")
    except deadline.TimedOut:
        return KeyAge(error="IAM did not answer in time")
    meta: dict[str, Any] = next((k for k in keys if k.get("AccessKeyId") == item.access_key_id), {})
    created = meta.get("CreateDate")
    status = meta.get("Status")
    last = used.get("LastUsedDate")
    service = used.get("ServiceName")
    return KeyAge(
        created=_iso(created),
        age_days=int((now - created.timestamp()) // 86400) if isinstance(created, datetime) else None,
        last_used=_iso(last),
        last_service=service if service and service != "N/A" else None,
        status=status.lower() if isinstance(status, str) else None,
    )


def _iso(value: Any) -> str | None:
    return times.format_datetime(value) if isinstance(value, datetime) else None

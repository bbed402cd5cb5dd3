"""The organisation audit as stable documents: JSON (one object) and CSV (one row per finding).

Times are RFC 3339 UTC (``2026-01-31T12:00:00Z``), ages whole days, ``null`` (JSON) or an
empty cell (CSV) for none. Key IDs are masked. Field names never change meaning; new ones may
be added at the end.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from ssohelper.org.findings import AccessKey, AccountAudit, OrgAudit, User

SCHEMA_VERSION = 1
CSV_COLUMNS = (
    "account_id",
    "account_name",
    "finding",  # access-key | password-without-mfa | root-access-key | unreachable
    "user",
    "access_key_id",
    "created",
    "age_days",
    "last_used",
    "last_service",
    "unused_90_days",
    "source",  # credential-report | listing
    "detail",
)


def rfc3339(when: datetime | None) -> str | None:
    return None if when is None else when.strftime("%Y-%m-%dT%H:%M:%SZ")


def document(audit: OrgAudit) -> dict[str, Any]:
    """The JSON document: version, generated_at, role_name, summary, accounts."""
    return {
        "version": SCHEMA_VERSION,
        "generated_at": rfc3339(audit.generated_at),
        "role_name": audit.role_name,
        "summary": {**audit.summary(), "text": audit.sentence()},
        "accounts": [_account(audit, account) for account in audit.accounts],
    }


def _account(audit: OrgAudit, account: AccountAudit) -> dict[str, Any]:
    return {
        "account_id": account.account_id,
        "account_name": account.account_name,
        "status": account.status,
        "source": account.source,
        "note": account.note,
        "root_access_keys": account.root_access_keys,
        "access_keys": [_key(audit, user, key) for user, key in account.keys],
        "passwords_without_mfa": [
            {"user": user.name, "user_arn": user.arn, "password_last_used": rfc3339(user.password_last_used)}
            for user in account.passwords_without_mfa
        ],
    }


def _key(audit: OrgAudit, user: User, key: AccessKey) -> dict[str, Any]:
    return {
        "user": user.name,
        "user_arn": user.arn,
        "access_key_id": key.access_key_id,
        "status": "active",
        "created": rfc3339(key.created),
        "age_days": audit.age_days(key.created),
        "last_used": rfc3339(key.last_used),
        "last_service": key.last_service,
        "last_region": key.last_region,
        "unused_90_days": audit.unused(key),
    }


def rows(audit: OrgAudit) -> list[dict[str, str]]:
    """One row per finding, every column present (empty for none), in account order."""
    found: list[dict[str, Any]] = []
    for account in audit.accounts:
        base = {"account_id": account.account_id, "account_name": account.account_name, "source": account.source}
        if account.note and account.status != "audited":
            found.append({**base, "finding": "unreachable", "detail": account.note})
        for user, key in account.keys:
            item = _key(audit, user, key)
            unused = str(item["unused_90_days"]).lower()
            found.append({**base, **item, "finding": "access-key", "unused_90_days": unused})
        for user in account.passwords_without_mfa:
            used = rfc3339(user.password_last_used)
            found.append({**base, "finding": "password-without-mfa", "user": user.name, "last_used": used})
        if account.root_access_keys:
            found.append({**base, "finding": "root-access-key", "user": "<root_account>"})
    return [{column: "" if row.get(column) is None else str(row[column]) for column in CSV_COLUMNS} for row in found]


def to_csv(audit: OrgAudit) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(audit))
    return buffer.getvalue()

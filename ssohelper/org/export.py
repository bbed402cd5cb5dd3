"""The organisation audit as stable documents: JSON (one object) and CSV (one row per finding).

Times are RFC 3339 UTC (``2026-01-31T12:00:00Z``), ages whole days, ``null`` (JSON) or an
empty cell (CSV) for none. Key IDs are masked. Field names never change meaning; new ones may
be added at the end.
"""

from __future__ import annotations

from typing import Any

from ssohelper import cells
from ssohelper.org.findings import AccessKey, AccountAudit, OrgAudit, User
from ssohelper.times import format_datetime

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


def document(audit: OrgAudit) -> dict[str, Any]:
    """The JSON document: version, generated_at, role_name, summary, accounts."""
    return {
        "version": SCHEMA_VERSION,
        "generated_at": format_datetime(audit.generated_at),
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
            {"user": user.name, "user_arn": user.arn, "password_last_used": format_datetime(user.password_last_used)}
            for user in account.passwords_without_mfa
        ],
    }


def _key(audit: OrgAudit, user: User, key: AccessKey) -> dict[str, Any]:
    return {
        "user": user.name,
        "user_arn": user.arn,
        "access_key_id": key.access_key_id,
        "status": "active",
        "created": format_datetime(key.created),
        "age_days": audit.age_days(key.created),
        "last_used": format_datetime(key.last_used),
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
            found.append({**base, **_key(audit, user, key), "finding": "access-key"})
        for user in account.passwords_without_mfa:
            used = format_datetime(user.password_last_used)
            found.append({**base, "finding": "password-without-mfa", "user": user.name, "last_used": used})
        if account.root_access_keys:
            found.append({**base, "finding": "root-access-key", "user": "<root_account>"})
    return [{column: cells.text(row.get(column)) for column in CSV_COLUMNS} for row in found]


def to_csv(audit: OrgAudit) -> str:
    """The CSV document: a header, one row per finding; a cell a spreadsheet would run is made text."""
    return cells.to_csv(CSV_COLUMNS, ([row[column] for column in CSV_COLUMNS] for row in rows(audit)))

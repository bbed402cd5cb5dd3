"""An account's users and keys from the listing calls, where the credential report is denied.

ListUsers, then per user ListAccessKeys (and GetAccessKeyLastUsed per active key),
GetLoginProfile and, with a password, ListMFADevices; GetAccountSummary for root keys. More
calls than the report, each paced by the client's adaptive retry mode.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ssohelper.models import mask
from ssohelper.org.calls import call, is_denied
from ssohelper.org.findings import AccessKey, User


def users_from_listing(iam: Any) -> tuple[list[User], bool | None]:
    users = [_user(iam, found) for found in call(iam, "list_users", paged="Users")]
    return users, _root_keys(iam)


def _user(iam: Any, found: dict[str, Any]) -> User:
    name = found["UserName"]
    keys = tuple(
        _key(iam, meta)
        for meta in call(iam, "list_access_keys", paged="AccessKeyMetadata", UserName=name)
        if meta.get("Status") == "Active"
    )
    password = _has_password(iam, name)
    mfa = bool(call(iam, "list_mfa_devices", paged="MFADevices", UserName=name)) if password else False
    return User(
        name=name,
        arn=found.get("Arn", ""),
        password_enabled=password,
        mfa_active=mfa,
        password_last_used=_utc(found.get("PasswordLastUsed")),
        keys=keys,
    )


def _key(iam: Any, meta: dict[str, Any]) -> AccessKey:
    used = call(iam, "get_access_key_last_used", AccessKeyId=meta["AccessKeyId"]).get("AccessKeyLastUsed", {})
    service, region = used.get("ServiceName"), used.get("Region")
    return AccessKey(
        access_key_id=mask(meta["AccessKeyId"]),
        created=_utc(meta.get("CreateDate")),
        last_used=_utc(used.get("LastUsedDate")),
        last_service=service if service and service != "N/A" else None,
        last_region=region if region and region != "N/A" else None,
    )


def _has_password(iam: Any, name: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        call(iam, "get_login_profile", UserName=name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
            return False
        raise
    return True


def _root_keys(iam: Any) -> bool | None:
    from botocore.exceptions import ClientError

    try:
        summary = call(iam, "get_account_summary").get("SummaryMap", {})
    except ClientError as exc:
        if is_denied(exc):
            return None
        raise
    return bool(summary.get("AccountAccessKeysPresent"))


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.astimezone(timezone.utc).replace(microsecond=0)

"""IAM and STS for the keys that remain: the keys to sign with (clients come from
``ssohelper.aws.clients.make``), and each call under its deadline with its errors translated."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ssohelper.aws import clients, deadline


@dataclass(frozen=True)
class Keys:
    """Static keys to sign with. The secret is never shown."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)


def call(what: str, run: Callable[[], Any]) -> Any:
    """One AWS call under the call deadline, botocore's errors as one-line ssohelper errors."""
    with clients.calling(what):
        return deadline.run(what, run)


def user_keys(iam: Any, user: str) -> list[dict[str, Any]]:
    """The user's access keys (IAM allows two), each with ``AccessKeyId``, ``Status``, ``CreateDate``."""
    answer = call(f"IAM ListAccessKeys for {user}", lambda: iam.list_access_keys(UserName=user))
    return list(answer.get("AccessKeyMetadata") or [])


def set_status(iam: Any, user: str, key_id: str, status: str) -> None:
    call(
        f"IAM UpdateAccessKey ({status})",
        lambda: iam.update_access_key(UserName=user, AccessKeyId=key_id, Status=status),
    )


def last_used(iam: Any, key_id: str) -> dict[str, Any]:
    """``UserName`` and ``AccessKeyLastUsed`` (``LastUsedDate`` absent when never used)."""
    return dict(call("IAM GetAccessKeyLastUsed", lambda: iam.get_access_key_last_used(AccessKeyId=key_id)))

"""A whole account's IAM users from two answers, instead of seven calls per user.

GetAccountAuthorizationDetails (paged) gives every user with its groups, attached and inline
policies, permissions boundary and tags, every group with its policies, and the customer managed
policies; the credential report gives each user's console password and keys (active or not,
last used). Where GetAccountAuthorizationDetails is denied, the account is read user by user
(ssohelper.admin.iamusers); where only the report is, each user's keys and password are listed.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from ssohelper.admin.iamusers import (
    AWS_POLICY_PREFIX,
    Grants,
    IamUser,
    Key,
    has_password,
    keys_of,
    merge,
    path_and_name,
)
from ssohelper.org import credreport
from ssohelper.org.calls import is_denied
from ssohelper.org.findings import parse_time

FILTER = ["User", "Group", "LocalManagedPolicy"]
Access = dict[str, tuple[tuple[Key, ...], bool]]  # user -> (keys, console password)


def details(iam: Any) -> dict[str, list[dict[str, Any]]]:
    """Every page of GetAccountAuthorizationDetails, its lists joined."""
    from ssohelper.aws.portal import each_page

    joined: dict[str, list[dict[str, Any]]] = {"UserDetailList": [], "GroupDetailList": [], "Policies": []}
    pages = iam.get_paginator("get_account_authorization_details").paginate(Filter=FILTER)
    for page in each_page("IAM get_account_authorization_details", pages):
        for key, items in joined.items():
            items.extend(page.get(key, []))
    return joined


def access(iam: Any, *, now: datetime, sleep: Callable[[float], None] = time.sleep) -> Access | None:
    """Each user's keys and password from the credential report; None when it is denied or late."""
    from botocore.exceptions import ClientError

    try:
        text = credreport.fetch(iam, now=now, sleep=sleep)
    except credreport.ReportTimedOut:
        return None
    except ClientError as exc:
        if is_denied(exc):
            return None
        raise
    found: Access = {}
    for row in csv.DictReader(io.StringIO(text)):
        keys = tuple(
            Key(
                f"key {slot}",
                row.get(f"access_key_{slot}_active") == "true",
                parse_time(row.get(f"access_key_{slot}_last_used_date")),
            )
            for slot in (1, 2)
            if parse_time(row.get(f"access_key_{slot}_last_rotated")) is not None
        )
        found[row.get("user", "")] = (keys, row.get("password_enabled") == "true")
    return found


def users_from_details(
    iam: Any, account_id: str, answer: dict[str, list[dict[str, Any]]], known: Access | None
) -> list[IamUser]:
    groups = {
        g["GroupName"]: _grants(g, "GroupPolicyList", f"group/{g['GroupName']}") for g in answer["GroupDetailList"]
    }
    users = []
    for found in sorted(answer["UserDetailList"], key=lambda u: u["UserName"]):
        name = found["UserName"]
        member_of = tuple(sorted(found.get("GroupList", [])))
        grants = merge(
            [_grants(found, "UserPolicyList", f"user/{name}"), *(groups[g] for g in member_of if g in groups)]
        )
        boundary = (found.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        tags = tuple(sorted((t["Key"], t["Value"]) for t in found.get("Tags", [])))
        keys, password = (
            known[name] if known is not None and name in known else (keys_of(iam, name), has_password(iam, name))
        )
        users.append(IamUser(account_id, name, grants, member_of, boundary, keys, password, tags))
    return users


def local_policies(answer: dict[str, list[dict[str, Any]]]) -> frozenset[tuple[str, str]]:
    return frozenset(path_and_name(p["Arn"]) for p in answer["Policies"] if "Arn" in p)


def _grants(found: dict[str, Any], inline_key: str, source: str) -> Grants:
    attached = [p["PolicyArn"] for p in found.get("AttachedManagedPolicies", [])]
    inline = tuple(
        (f"{source}/{p['PolicyName']}", _document(p["PolicyDocument"]))
        for p in sorted(found.get(inline_key, []), key=lambda p: p["PolicyName"])
    )
    return Grants(
        tuple(sorted(a for a in attached if a.startswith(AWS_POLICY_PREFIX))),
        tuple(sorted(path_and_name(a) for a in attached if not a.startswith(AWS_POLICY_PREFIX))),
        inline,
    )


def _document(document: Any) -> dict[str, Any]:
    if isinstance(document, str):  # botocore decodes it; a proxy might not
        import json
        import urllib.parse

        return dict(json.loads(urllib.parse.unquote(document)))
    return dict(document)


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)

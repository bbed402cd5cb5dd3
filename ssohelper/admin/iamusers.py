"""What each IAM user in one account can do and how it signs in, read user by user (where
GetAccountAuthorizationDetails is denied: ssohelper.admin.authdetails reads a whole account at once).

Per user: GetUser (boundary, tags), ListGroupsForUser, ListAttachedUserPolicies,
ListUserPolicies and GetUserPolicy, ListAccessKeys and GetAccessKeyLastUsed, GetLoginProfile.
Per group (once per account): ListAttachedGroupPolicies, ListGroupPolicies, GetGroupPolicy.
Per account: ListPolicies (Scope=Local), the customer managed policies that exist there.
A policy that can't be read leaves that user unplanned with the reason; it never stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ssohelper.aws import clients
from ssohelper.models import mask
from ssohelper.org.calls import call

AWS_POLICY_PREFIX = "arn:aws:iam::aws:policy/"


@dataclass(frozen=True)
class Key:
    key_id: str  # masked
    active: bool
    last_used: datetime | None


@dataclass(frozen=True)
class Grants:
    """A principal's policies: AWS managed ARNs, customer managed (path, name), inline (source, document)."""

    aws_managed: tuple[str, ...] = ()
    customer_managed: tuple[tuple[str, str], ...] = ()
    inline: tuple[tuple[str, dict[str, Any]], ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.aws_managed or self.customer_managed or self.inline)


@dataclass(frozen=True)
class IamUser:
    account_id: str
    name: str
    grants: Grants = field(default_factory=Grants)
    groups: tuple[str, ...] = ()
    boundary: str | None = None
    keys: tuple[Key, ...] = ()
    password: bool = False
    tags: tuple[tuple[str, str], ...] = ()
    error: str | None = None  # why its permissions could not be read

    def tag(self, key: str) -> str | None:
        return next((v for k, v in self.tags if k.casefold() == key.casefold()), None)

    @property
    def active_keys(self) -> int:
        return sum(1 for k in self.keys if k.active)

    @property
    def last_used(self) -> datetime | None:
        used = [k.last_used for k in self.keys if k.last_used]
        return max(used) if used else None


@dataclass(frozen=True)
class AccountUsers:
    account_id: str
    account_name: str
    users: tuple[IamUser, ...] = ()
    local_policies: frozenset[tuple[str, str]] = frozenset()  # (path, name) of customer managed policies
    error: str | None = None  # unreachable, and why


def read_listing(account_id: str, account_name: str, iam: Any) -> AccountUsers:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        local = frozenset(
            (p.get("Path", "/"), p["PolicyName"]) for p in call(iam, "list_policies", paged="Policies", Scope="Local")
        )
        groups: dict[str, Grants | str] = {}
        users = tuple(
            read_user(iam, account_id, found["UserName"], groups) for found in call(iam, "list_users", paged="Users")
        )
    except (ClientError, BotoCoreError) as exc:
        return AccountUsers(account_id, account_name, error=str(clients.translate(exc, f"IAM in {account_id}")))
    return AccountUsers(account_id, account_name, users, local)


def read_user(iam: Any, account_id: str, name: str, groups: dict[str, Grants | str]) -> IamUser:
    from botocore.exceptions import ClientError

    got = call(iam, "get_user", UserName=name)["User"]
    boundary = (got.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    tags = tuple(sorted((t["Key"], t["Value"]) for t in got.get("Tags", [])))
    keys, password = keys_of(iam, name), has_password(iam, name)
    base = IamUser(account_id, name, boundary=boundary, keys=keys, password=password, tags=tags)
    try:
        own = _grants(iam, "user", name)
        member_of = tuple(
            sorted(g["GroupName"] for g in call(iam, "list_groups_for_user", paged="Groups", UserName=name))
        )
    except ClientError as exc:
        return _unreadable(base, f"its policies can't be read ({clients.error_code(exc)})")
    parts = [own]
    for group in member_of:
        if group not in groups:
            try:
                groups[group] = _grants(iam, "group", group)
            except ClientError as exc:
                groups[group] = f"group {group}'s policies can't be read ({clients.error_code(exc)})"
        found = groups[group]
        if isinstance(found, str):
            return _unreadable(base, found)
        parts.append(found)
    return IamUser(account_id, name, merge(parts), member_of, boundary, keys, password, tags)


def _unreadable(base: IamUser, reason: str) -> IamUser:
    return IamUser(
        base.account_id, base.name, base.grants, (), base.boundary, base.keys, base.password, base.tags, reason
    )


def merge(parts: list[Grants]) -> Grants:
    inline: list[tuple[str, dict[str, Any]]] = []
    for part in parts:
        inline.extend(part.inline)
    return Grants(
        tuple(sorted({a for p in parts for a in p.aws_managed})),
        tuple(sorted({c for p in parts for c in p.customer_managed})),
        tuple(inline),
    )


def _grants(iam: Any, kind: str, name: str) -> Grants:
    """A user's or a group's own policies (kind 'user' or 'group')."""
    key = "UserName" if kind == "user" else "GroupName"
    attached = call(iam, f"list_attached_{kind}_policies", paged="AttachedPolicies", **{key: name})
    aws = sorted(p["PolicyArn"] for p in attached if p["PolicyArn"].startswith(AWS_POLICY_PREFIX))
    customer = sorted(
        path_and_name(p["PolicyArn"]) for p in attached if not p["PolicyArn"].startswith(AWS_POLICY_PREFIX)
    )
    inline = []
    for policy in sorted(call(iam, f"list_{kind}_policies", paged="PolicyNames", **{key: name})):
        document = call(iam, f"get_{kind}_policy", PolicyName=policy, **{key: name})["PolicyDocument"]
        if isinstance(document, str):  # botocore decodes it; a proxy might not
            import json
            import urllib.parse

            document = json.loads(urllib.parse.unquote(document))
        inline.append((f"{kind}/{name}/{policy}", document))
    return Grants(tuple(aws), tuple(customer), tuple(inline))


def path_and_name(arn: str) -> tuple[str, str]:
    """arn:aws:iam::111122223333:policy/some/path/Name -> ('/some/path/', 'Name')."""
    rest = arn.split(":policy", 1)[1]
    path, _, name = rest.rpartition("/")
    return (path + "/" if path else "/"), name


def keys_of(iam: Any, name: str) -> tuple[Key, ...]:
    keys = []
    for meta in call(iam, "list_access_keys", paged="AccessKeyMetadata", UserName=name):
        used = call(iam, "get_access_key_last_used", AccessKeyId=meta["AccessKeyId"]).get("AccessKeyLastUsed", {})
        keys.append(Key(mask(meta["AccessKeyId"]), meta.get("Status") == "Active", _utc(used.get("LastUsedDate"))))
    return tuple(keys)


def has_password(iam: Any, name: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        call(iam, "get_login_profile", UserName=name)
    except ClientError as exc:
        if clients.error_code(exc) == "NoSuchEntity":
            return False
        raise
    return True


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.astimezone(timezone.utc).replace(microsecond=0)

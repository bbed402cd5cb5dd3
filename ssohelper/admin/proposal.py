"""The plan: per IAM user who is behind it and which permission set; the sets; groups; assignments.

People with the same permissions share one set; an existing set with exactly those policies is
reused. In an account where several matched people share a set, the set goes to a group (named
for the set, created if missing); otherwise to the person. The plan is a JSON document a person
reviews (README, "JSON schemas"); apply reads it back (ssohelper.admin.plandoc).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ssohelper.admin import matching, policies
from ssohelper.admin.center import Center, Person, Policies
from ssohelper.admin.grouping import assignments as grouped
from ssohelper.admin.iamusers import AccountUsers, IamUser

KIND = "ssohelper-iam-users-plan"
PLANNED, MACHINE, UNMATCHED, NOT_PLANNED, NOTHING = "planned", "machine", "unmatched", "not-planned", "nothing-to-grant"


@dataclass
class _Draft:
    """What the plan is being built from, as it is worked out."""

    center: Center
    users: list[dict[str, Any]] = field(default_factory=list)
    sets: dict[Policies, dict[str, Any]] = field(default_factory=dict)
    holders: dict[tuple[str, Policies], dict[str, Person]] = field(default_factory=dict)  # (account, set) -> people


def propose(
    found: list[AccountUsers],
    center: Center,
    *,
    how: str,
    lines: list[matching.MapLine],
    role_name: str,
    now: datetime,
) -> dict[str, Any]:
    draft = _Draft(center)
    for account in found:
        for user in account.users:
            draft.users.append(_user(draft, account, user, how, lines))
    groups, assignments = grouped(draft.center, draft.sets, draft.holders)
    for row in draft.users:
        if row["status"] == PLANNED:
            key = row.pop("_policies")
            row["permission_set"] = draft.sets[key]["name"]
            via = next((a for a in assignments if _serves(a, row, groups)), None)
            row["via"] = "group" if via and via["principal_type"] == "GROUP" else "user"
            row["group"] = via["principal_name"] if row["via"] == "group" and via else None
    return {
        "version": 1,
        "kind": KIND,
        "generated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "instance_arn": center.instance_arn,
        "identity_store_id": center.identity_store_id,
        "role_name": role_name,
        "match": how,
        "accounts": [_account(a) for a in found],
        "permission_sets": sorted(draft.sets.values(), key=lambda s: s["name"]),
        "groups": groups,
        "assignments": assignments,
        "users": draft.users,
    }


def _account(account: AccountUsers) -> dict[str, Any]:
    status = "unreachable" if account.error else "read"
    return {
        "account_id": account.account_id,
        "account_name": account.account_name,
        "status": status,
        "reason": account.error,
    }


def _user(
    draft: _Draft, account: AccountUsers, user: IamUser, how: str, lines: list[matching.MapLine]
) -> dict[str, Any]:
    found = matching.match(user, draft.center, how, lines)
    row: dict[str, Any] = {
        "account_id": user.account_id,
        "iam_user": user.name,
        "status": UNMATCHED,
        "identity_center_user": found.person.user_name if found.person else None,
        "identity_center_user_id": found.person.user_id if found.person else None,
        "matched_by": found.matched_by,
        "permission_set": None,
        "via": None,
        "group": None,
        "reason": found.reason,
        "way_out": found.way_out,
        "manual_steps": [],
        "access_keys_active": user.active_keys,
        "console_password": user.password,
    }
    if found.kind == matching.MACHINE:
        row["status"] = MACHINE
        return row
    if found.kind == matching.UNMATCHED or found.person is None:
        return row
    reason, key = _why_not(account, user)
    if reason:
        row["status"] = NOTHING if key is None and not user.error and not user.boundary else NOT_PLANNED
        row["reason"] = reason
        if user.boundary:
            row["manual_steps"].append(f"decide how permissions boundary {user.boundary} carries over")
        return row
    assert key is not None
    row["status"], row["_policies"] = PLANNED, key
    _add_set(draft, key, account.account_id)
    draft.holders.setdefault((account.account_id, key), {})[found.person.user_id] = found.person
    return row


def _why_not(account: AccountUsers, user: IamUser) -> tuple[str | None, Policies | None]:
    if user.error:
        return user.error, None
    if user.boundary:
        return (
            f"it has permissions boundary {user.boundary}: a set without it would grant more, so that user "
            "is left to you (PutPermissionsBoundaryToPermissionSet)",
            None,
        )
    if user.grants.empty:
        return "its IAM user has no policies: there is nothing to grant", None
    key = policies.policies_of(user.grants)
    problems = policies.over_limits(key)
    missing = [f"{p}{n}" for p, n in key.customer_managed if (p, n) not in account.local_policies]
    if missing:
        problems.append(f"customer managed policy {missing[0]} does not exist in {account.account_id}")
    return ("; ".join(problems) or None), key


def _add_set(draft: _Draft, key: Policies, account_id: str) -> None:
    if key not in draft.sets:
        existing = next((s for s in draft.center.sets if s.policies == key), None)
        taken = {s.name for s in draft.center.sets} | {s["name"] for s in draft.sets.values()}
        draft.sets[key] = {
            "name": existing.name if existing else policies.set_name(key, taken),
            "action": "reuse" if existing else "create",
            "arn": existing.arn if existing else None,
            "aws_managed_policies": list(key.aws_managed),
            "customer_managed_policies": [{"path": p, "name": n} for p, n in key.customer_managed],
            "inline_policy": json.loads(key.inline) if key.inline else None,
            "accounts": [],
        }
    if account_id not in draft.sets[key]["accounts"]:
        draft.sets[key]["accounts"].append(account_id)


def _serves(assignment: dict[str, Any], row: dict[str, Any], groups: list[dict[str, Any]]) -> bool:
    if assignment["account_id"] != row["account_id"] or assignment["permission_set"] != row["permission_set"]:
        return False
    if assignment["principal_type"] == "USER":
        return bool(assignment["principal_name"] == row["identity_center_user"])
    group = next(g for g in groups if g["name"] == assignment["principal_name"])
    return any(m["user_name"] == row["identity_center_user"] for m in group["members"])

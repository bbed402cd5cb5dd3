"""A plan read back from its file, checked before anything is changed.

A plan a person has edited may say anything: each field apply relies on is checked for its
type and for the limits Identity Center enforces, and every assignment must name a set and a
group the plan defines. Anything else is one line naming the first problem (exit 4).
"""

from __future__ import annotations

import json
from typing import Any

from ssohelper.admin.center import Policies, canonical
from ssohelper.admin.policies import NAME, over_limits
from ssohelper.admin.proposal import KIND
from ssohelper.errors import ConfigError

MAX_PLAN = 64 * 1024 * 1024


class BrokenPlan(ConfigError):
    """The plan file is not a plan apply can carry out."""


def load(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read(MAX_PLAN)
    except (OSError, UnicodeDecodeError) as exc:
        raise BrokenPlan(f"can't read the plan {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        plan = json.loads(text)
    except ValueError as exc:
        raise BrokenPlan(
            f"{path} is not JSON ({exc}); make a plan with: "
            "ssohelper iam-users plan --profile ADMIN --role-name ROLE --output json (and keep what it prints)"
        ) from None
    problem = problem_in(plan)
    if problem:
        raise BrokenPlan(f"{path} is not a plan apply can carry out: {problem}")
    return dict(plan)


def policies_in(planned: dict[str, Any]) -> Policies:
    inline = planned["inline_policy"]
    return Policies(
        tuple(sorted(planned["aws_managed_policies"])),
        tuple(sorted((c["path"], c["name"]) for c in planned["customer_managed_policies"])),
        canonical(inline) if inline is not None else None,
    )


def problem_in(plan: Any) -> str | None:
    if not isinstance(plan, dict) or plan.get("kind") != KIND or plan.get("version") != 1:
        return f"kind must be {KIND!r} and version 1"
    for key in ("instance_arn", "identity_store_id"):
        if not isinstance(plan.get(key), str) or not plan[key]:
            return f"{key} must be a string"
    for key in ("permission_sets", "groups", "assignments"):
        if not isinstance(plan.get(key), list) or not all(isinstance(x, dict) for x in plan[key]):
            return f"{key} must be a list of objects"
    return _sets(plan["permission_sets"]) or _groups(plan["groups"]) or _assignments(plan)


def _sets(sets: list[dict[str, Any]]) -> str | None:
    for planned in sets:
        name = planned.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            return f"permission set name {name!r} is not 1-32 characters of letters, digits and +=,.@_-"
        if planned.get("action") not in ("create", "reuse") or (planned["action"] == "reuse") != bool(
            planned.get("arn")
        ):
            return f"permission set {name}: action must be create (arn null) or reuse (with its arn)"
        try:
            policies = policies_in(planned)
        except (KeyError, TypeError, AttributeError):
            return f"permission set {name}: its policies are not as the plan schema says"
        if not all(isinstance(a, str) and a.startswith("arn:") for a in policies.aws_managed):
            return f"permission set {name}: aws_managed_policies must be ARNs"
        if over_limits(policies):
            return f"permission set {name}: {over_limits(policies)[0]}"
        accounts = planned.get("accounts")
        if not isinstance(accounts, list) or not all(isinstance(a, str) and _is_account(a) for a in accounts):
            return f"permission set {name}: accounts must be a list of 12-digit account IDs"
    names = [s["name"] for s in sets]
    return "two permission sets share a name" if len(set(names)) != len(names) else None


def _groups(groups: list[dict[str, Any]]) -> str | None:
    for group in groups:
        name = group.get("name")
        if not isinstance(name, str) or not name or group.get("action") not in ("create", "reuse", "add-members"):
            return f"group {name!r}: needs a name and an action of create, reuse or add-members"
        members = group.get("members")
        if not isinstance(members, list) or not all(
            isinstance(m, dict) and isinstance(m.get("user_id"), str) and isinstance(m.get("user_name"), str)
            for m in members
        ):
            return f"group {name}: members must be objects with user_name and user_id"
    return None


def _assignments(plan: dict[str, Any]) -> str | None:
    sets = {s["name"] for s in plan["permission_sets"]}
    groups = {g["name"] for g in plan["groups"]}
    for a in plan["assignments"]:
        account = a.get("account_id")
        if not (isinstance(account, str) and _is_account(account)):
            return f"assignment account_id {account!r} is not 12 digits"
        if a.get("permission_set") not in sets:
            return f"an assignment names permission set {a.get('permission_set')!r}, which the plan does not define"
        kind = a.get("principal_type")
        if kind == "GROUP" and a.get("principal_name") not in groups:
            return f"an assignment names group {a.get('principal_name')!r}, which the plan does not define"
        if kind == "USER" and not isinstance(a.get("principal_id"), str):
            return f"the assignment of {a.get('principal_name')!r} has no principal_id"
        if kind not in ("USER", "GROUP"):
            return f"principal_type must be USER or GROUP, not {kind!r}"
    return None


def _is_account(text: str) -> bool:
    return len(text) == 12 and text.isdigit()

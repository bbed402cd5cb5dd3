"""``iam-users report``: per IAM user, whether its person holds the same permissions in Identity
Center (migrated) or why not; per permission set, the accounts it is assigned in and who holds it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ssohelper.admin import matching
from ssohelper.admin.center import Center, Person
from ssohelper.admin.iamusers import AccountUsers, IamUser
from ssohelper.admin.policies import policies_of

CSV_COLUMNS = [
    "account_id",
    "iam_user",
    "identity_center_user",
    "permission_sets",
    "migrated",
    "reason",
    "access_keys_active",
    "keys_last_used",
    "console_password",
]


def _time(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def build_report(
    found: list[AccountUsers], center: Center, *, how: str, lines: list[matching.MapLine], now: datetime
) -> dict[str, Any]:
    names = {s.arn: s.name for s in center.sets}
    users = [_row(u, center, how, lines, names) for a in found for u in a.users]
    return {
        "version": 1,
        "generated_at": _time(now),
        "instance_arn": center.instance_arn,
        "accounts": [
            {"account_id": a.account_id, "status": "unreachable" if a.error else "read", "reason": a.error}
            for a in found
        ],
        "users": users,
        "permission_sets": _sets(center),
        "summary": {
            "iam_users": len(users),
            "migrated": sum(1 for u in users if u["migrated"]),
            "machine": sum(1 for u in users if u["kind"] == matching.MACHINE),
            "keys_active": sum(u["access_keys_active"] for u in users),
        },
    }


def _held(center: Center, person: Person, account_id: str, names: dict[str, str]) -> list[dict[str, Any]]:
    groups = {g.group_id: g.name for g in center.groups if person.user_id in g.members}
    held = []
    for a in center.assignments:
        if a.account_id != account_id:
            continue
        if a.principal_type == "USER" and a.principal_id == person.user_id:
            held.append({"name": names.get(a.set_arn, a.set_arn), "arn": a.set_arn, "via": "user", "group": None})
        elif a.principal_type == "GROUP" and a.principal_id in groups:
            group = groups[a.principal_id]
            held.append({"name": names.get(a.set_arn, a.set_arn), "arn": a.set_arn, "via": "group", "group": group})
    return held


def _row(
    user: IamUser, center: Center, how: str, lines: list[matching.MapLine], names: dict[str, str]
) -> dict[str, Any]:
    found = matching.match(user, center, how, lines)
    held = _held(center, found.person, user.account_id, names) if found.person else []
    migrated, reason = _verdict(user, found, held, center)
    return {
        "account_id": user.account_id,
        "iam_user": user.name,
        "kind": found.kind,
        "identity_center_user": found.person.user_name if found.person else None,
        "permission_sets": [{k: v for k, v in h.items() if k != "arn"} for h in held],
        "migrated": migrated,
        "reason": reason,
        "access_keys_active": user.active_keys,
        "keys_last_used": _time(user.last_used),
        "console_password": user.password,
    }


def _verdict(
    user: IamUser, found: matching.Match, held: list[dict[str, Any]], center: Center
) -> tuple[bool, str | None]:
    if found.kind == matching.MACHINE:
        return False, f"machine user ({found.reason}); way out: {found.way_out}"
    if found.person is None:
        return False, found.reason
    if user.error:
        return False, user.error
    if user.grants.empty:
        return False, "its IAM user has no policies: nothing to carry over"
    wanted = policies_of(user.grants)
    policies = {s.arn: s.policies for s in center.sets}
    if any(policies.get(h["arn"]) == wanted for h in held):
        return True, None
    if not held:
        return False, f"{found.person.user_name} holds no permission set in this account"
    return False, f"{found.person.user_name} holds {', '.join(h['name'] for h in held)}, which grant other permissions"


def _sets(center: Center) -> list[dict[str, Any]]:
    people = {p.user_id: p.user_name for p in center.people}
    groups = {g.group_id: g.name for g in center.groups}
    rows = []
    for s in sorted(center.sets, key=lambda s: s.name):
        accounts: dict[str, list[dict[str, str]]] = {}
        for a in center.assignments:
            if a.set_arn == s.arn:
                name = (people if a.principal_type == "USER" else groups).get(a.principal_id, a.principal_id)
                accounts.setdefault(a.account_id, []).append({"principal_type": a.principal_type, "name": name})
        where: list[dict[str, Any]] = [
            {"account_id": k, "holders": sorted(accounts[k], key=_by_name)} for k in sorted(accounts)
        ]
        rows.append({"name": s.name, "arn": s.arn, "accounts": where})
    return rows


def _by_name(holder: dict[str, str]) -> str:
    return holder["name"]


def csv_rows(report: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for u in report["users"]:
        held = "; ".join(
            f"{h['name']} ({'group ' + h['group'] if h['group'] else 'user'})" for h in u["permission_sets"]
        )
        rows.append(
            {
                "account_id": u["account_id"],
                "iam_user": u["iam_user"],
                "identity_center_user": u["identity_center_user"] or "",
                "permission_sets": held,
                "migrated": "true" if u["migrated"] else "false",
                "reason": u["reason"] or "",
                "access_keys_active": str(u["access_keys_active"]),
                "keys_last_used": u["keys_last_used"] or "",
                "console_password": "true" if u["console_password"] else "false",
            }
        )
    return rows

"""Who gets each permission set in each account: a group when several people share it there.

A group is named for its set; when the same set goes to different sets of people in different
accounts, each further group adds the first account's ID. An existing group of that name is
used only when everyone in it is meant to hold the set (missing members are added); otherwise
another name is taken, so no one gains a permission they did not have.
"""

from __future__ import annotations

from typing import Any

from ssohelper.admin.center import Center, Person, Policies


def assignments(
    center: Center,
    sets: dict[Policies, dict[str, Any]],
    holders: dict[tuple[str, Policies], dict[str, Person]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    groups: dict[frozenset[str], dict[str, Any]] = {}  # per set: member IDs -> group
    taken: set[str] = set()
    rows: list[dict[str, Any]] = []
    all_groups: list[dict[str, Any]] = []
    for key, planned in sorted(sets.items(), key=lambda item: item[1]["name"]):
        groups = {}
        for account_id in sorted(planned["accounts"]):
            people = holders[(account_id, key)]
            if len(people) >= 2:
                members = frozenset(people)
                if members not in groups:
                    groups[members] = _group(center, planned["name"], account_id, people, not groups, taken)
                    all_groups.append(groups[members])
                group = groups[members]
                rows.append(_row(center, account_id, planned, "GROUP", group["name"], group["group_id"]))
            else:
                person = next(iter(people.values()))
                rows.append(_row(center, account_id, planned, "USER", person.user_name, person.user_id))
    return all_groups, rows


def _group(
    center: Center, set_name: str, account_id: str, people: dict[str, Person], first: bool, taken: set[str]
) -> dict[str, Any]:
    base = set_name if first else f"{set_name}-{account_id}"
    name, n = base, 2
    while True:
        existing = center.group_named(name)
        if name not in taken and (existing is None or existing.members <= set(people)):
            break
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    members = [
        {"user_name": p.user_name, "user_id": p.user_id} for p in sorted(people.values(), key=lambda p: p.user_name)
    ]
    action = "create" if existing is None else "reuse" if existing.members == set(people) else "add-members"
    return {"name": name, "action": action, "group_id": existing.group_id if existing else None, "members": members}


def _row(
    center: Center, account_id: str, planned: dict[str, Any], kind: str, name: str, principal_id: str | None
) -> dict[str, Any]:
    held = {(a.account_id, a.set_arn, a.principal_type, a.principal_id) for a in center.assignments}
    exists = planned["arn"] is not None and (account_id, planned["arn"], kind, principal_id) in held
    return {
        "account_id": account_id,
        "permission_set": planned["name"],
        "principal_type": kind,
        "principal_name": name,
        "principal_id": principal_id,
        "action": "exists" if exists else "create",
    }

"""Whether a plan still fits the instance: apply refuses one the world has moved past.

Checked against what Identity Center holds now: the same instance; each person the plan names
still there under the same name; each reused set still holding exactly the planned policies; a
set or group the plan creates not taken meanwhile by one that would grant someone more. A set
or group an earlier apply of this plan created (in the journal) is not a change.
"""

from __future__ import annotations

from typing import Any

from ssohelper.admin.center import Center
from ssohelper.admin.ledger import Ledger
from ssohelper.admin.plandoc import policies_in
from ssohelper.errors import NotApplied


def changes_since(plan: dict[str, Any], center: Center, ledger: Ledger) -> list[str]:
    """What changed in Identity Center since the plan was made, in words (empty: it still fits)."""
    if plan["instance_arn"] != center.instance_arn:
        return [f"the plan was made for instance {plan['instance_arn']}; the profile administers {center.instance_arn}"]
    changed = _people(plan, center)
    for planned in plan["permission_sets"]:
        found = center.set_named(planned["name"])
        if planned["action"] == "reuse" and (found is None or found.arn != planned["arn"]):
            changed.append(f"permission set {planned['name']} is gone")
        elif (
            found is not None
            and found.policies != policies_in(planned)
            and not (planned["action"] == "create" and ledger.has("permission_set", arn=found.arn))
        ):
            changed.append(f"permission set {planned['name']} now has other policies than planned")
    for group in plan["groups"]:
        found_group = center.group_named(group["name"])
        wanted = {m["user_id"] for m in group["members"]}
        if group["action"] != "create" and found_group is None:
            changed.append(f"group {group['name']} is gone")
        elif found_group is not None and not found_group.members <= wanted:
            changed.append(f"group {group['name']} now has members the plan does not give the set to")
    return changed


def _people(plan: dict[str, Any], center: Center) -> list[str]:
    people = {p.user_id: p.user_name for p in center.people}
    named = [(m["user_id"], m["user_name"]) for g in plan["groups"] for m in g["members"]]
    named += [(a["principal_id"], a["principal_name"]) for a in plan["assignments"] if a["principal_type"] == "USER"]
    return [
        f"Identity Center user {name} ({user_id}) is gone or renamed"
        for user_id, name in dict(named).items()
        if people.get(user_id) != name
    ]


def require_fresh(plan: dict[str, Any], center: Center, ledger: Ledger) -> None:
    changed = changes_since(plan, center, ledger)
    if changed:
        more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
        raise NotApplied(f"not applied: Identity Center changed since the plan: {changed[0]}{more}; make a new plan")

"""``iam-users plan`` as a library call: read both sides, match, propose (nothing is changed)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from ssohelper.admin import matching
from ssohelper.admin.center import read_center
from ssohelper.admin.proposal import MACHINE, NOT_PLANNED, PLANNED, UNMATCHED, propose
from ssohelper.admin.reach import read_accounts
from ssohelper.models import SsoSession, Token
from ssohelper.org.accounts import Progress


def make_plan(
    session: SsoSession,
    token: Token,
    role_name: str,
    sso_admin: Any,
    store: Any,
    *,
    only: Iterable[str] | None = None,
    how: str = "username",
    lines: list[matching.MapLine] | None = None,
    map_source: str = "--map",
    progress: Progress | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    center = read_center(sso_admin, store)  # first: a wrong ADMIN profile fails before any account is read
    found = read_accounts(session, token, role_name, only=only, progress=progress)
    lines = lines or []
    matching.check_map(lines, [u for a in found for u in a.users], center, map_source)
    when = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    return propose(found, center, how=how, lines=lines, role_name=role_name, now=when)


def summary(plan: dict[str, Any]) -> dict[str, int]:
    users = plan["users"]

    def count(status: str) -> int:
        return sum(1 for u in users if u["status"] == status)

    sets = plan["permission_sets"]
    return {
        "planned": count(PLANNED),
        "machine": count(MACHINE),
        "unmatched": count(UNMATCHED),
        "not_planned": count(NOT_PLANNED),
        "nothing_to_grant": count("nothing-to-grant"),
        "sets_created": sum(1 for s in sets if s["action"] == "create"),
        "sets_reused": sum(1 for s in sets if s["action"] == "reuse"),
        "groups_created": sum(1 for g in plan["groups"] if g["action"] == "create"),
        "assignments_created": sum(1 for a in plan["assignments"] if a["action"] == "create"),
        "accounts_unreachable": sum(1 for a in plan["accounts"] if a["status"] == "unreachable"),
    }


def sentence(plan: dict[str, Any]) -> str:
    s = summary(plan)
    return (
        f"{s['planned']} IAM users planned into {len(plan['permission_sets'])} permission sets "
        f"({s['sets_created']} to create, {s['sets_reused']} reused), {s['groups_created']} groups and "
        f"{s['assignments_created']} assignments to create; {s['machine']} machine users, {s['unmatched']} "
        f"unmatched, {s['not_planned']} not planned; {s['accounts_unreachable']} accounts unreachable"
    )

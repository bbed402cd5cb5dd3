"""The plans of migrate-profiles, populate and configure as data (``--output json``), and as
tab-separated rows (``--output text``). No secrets: key IDs are masked, secret keys never appear.

Every document has ``command``, ``sso_session``, ``session_added`` (the ``[sso-session]``
section is written by this plan), ``files`` (each file and whether it changes) and
``profiles``: one object per profile the plan writes, with fixed lowercase ``action`` words.
"""

from __future__ import annotations

from typing import Any

from ssohelper.journal.backups import FileChange
from ssohelper.migration import planner
from ssohelper.migration import populate as populating
from ssohelper.models import SsoSession, mask

COLUMNS = ("profile", "account_id", "role_name", "action")


def _files(changes: list[FileChange]) -> list[dict[str, Any]]:
    return [{"path": c.path, "changed": c.after != (c.before or b"")} for c in changes]


def migrate_document(plan: planner.Plan) -> dict[str, Any]:
    targets = plan.resolution.targets
    return {
        "command": "migrate-profiles",
        "sso_session": plan.request.sso_session or None,
        "session_added": plan.session is not None and not plan.session.in_config,
        "style": plan.request.style,
        "credential_process": plan.command if planner.runs_process(plan.request.style) else None,
        "files": _files(plan.changes),
        "profiles": [
            {
                "profile": p.name,
                "account_id": targets[p.name].account_id,
                "role_name": targets[p.name].role_name,
                "action": "migrate",
                "found_by": plan.resolution.sources[p.name],
                "access_key_id": mask(p.access_key_id),
                "dependents": list(p.dependents),
            }
            for p in plan.survey.static
            if p.name in targets
        ],
        "skipped": [{"profile": name, "reason": reason} for name, reason in plan.resolution.skipped],
        "left_alone": [{"profile": name, "reason": reason} for name, reason in plan.survey.skipped],
    }


def populate_document(plan: populating.Plan) -> dict[str, Any]:
    return {
        "command": "populate",
        "sso_session": plan.request.sso_session,
        "session_added": not plan.session.in_config,
        "style": plan.request.style,
        "region": plan.request.region or plan.session.region,
        "files": _files(plan.changes),
        "profiles": [
            {
                "profile": name,
                "account_id": item.account_id if item else None,
                "role_name": item.role_name if item else None,
                "action": action,
            }
            for name, item, action in plan.outcome.actions
        ],
        "notes": list(plan.outcome.notes),
    }


def change_document(
    session: SsoSession, change: FileChange | None, profile: tuple[str, str, str] | None = None
) -> dict[str, Any]:
    """configure's own plans: the session alone, or one profile (name, account, role)."""
    profiles = []
    if profile is not None:
        name, account_id, role_name = profile
        action = "write" if change is not None else "unchanged"
        profiles.append({"profile": name, "account_id": account_id, "role_name": role_name, "action": action})
    return {
        "command": "configure",
        "sso_session": session.name,
        "session_added": not session.in_config,
        "files": _files([change] if change is not None else []),
        "profiles": profiles,
    }


def rows(document: dict[str, Any]) -> list[list[Any]]:
    """``--output text``: one row per profile (profile, account, role, action), no header."""
    return [[item.get(key) for key in COLUMNS] for item in document["profiles"]]

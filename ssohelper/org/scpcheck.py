"""Whether the SCPs in force on a target deny the actions asked, and whom they exempt.

An action counts as blocked by a policy's Deny statement when the statement names it (``Action``
with IAM's ``*`` and ``?`` wildcards, or outside its ``NotAction``), applies to every resource,
and has no condition other than principal exemptions (``ArnNotLike``/``ArnNotEquals``/
``StringNotLike``/``StringNotEquals`` on ``aws:PrincipalArn``), which are reported.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_EXEMPTING = {"arnnotlike", "arnnotequals", "stringnotlike", "stringnotequals"}


@dataclass(frozen=True)
class Policy:
    policy_id: str
    name: str
    attached_to: str  # the root, OU or account it is attached to (the target or an ancestor)
    document: dict[str, Any]


@dataclass(frozen=True)
class Verdict:
    action: str
    blocked: bool
    by: tuple[str, ...] = ()  # "policy name (Sid)" of each blocking statement
    exempt: tuple[str, ...] = ()  # principal ARNs exempt from the blocking statements


def parse(content: str) -> dict[str, Any]:
    try:
        document = json.loads(content)
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def verdicts(policies: Sequence[Policy], actions: Sequence[str]) -> list[Verdict]:
    """One verdict per action: blocked when some policy in force denies it outright."""
    found = []
    for action in actions:
        by: list[str] = []
        exempt: list[str] = []
        for policy in policies:
            for index, statement in enumerate(_statements(policy.document)):
                principals = _blocking(statement, action)
                if principals is None:
                    continue
                by.append(f"{policy.name} ({statement.get('Sid') or f'statement {index + 1}'})")
                exempt.extend(principals)
        found.append(Verdict(action, bool(by), tuple(by), tuple(dict.fromkeys(exempt))))
    return found


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    return [s for s in statements if isinstance(s, dict)] if isinstance(statements, list) else []


def _blocking(statement: dict[str, Any], action: str) -> list[str] | None:
    """The exempt principals when the statement denies ``action`` everywhere, else None."""
    if statement.get("Effect") != "Deny" or not _matches_any(_list(statement.get("Resource", "*")), "*"):
        return None
    if "NotAction" in statement:
        if _matches_any(_list(statement["NotAction"]), action):
            return None
    elif not _matches_any(_list(statement.get("Action")), action):
        return None
    exempt: list[str] = []
    for operator, conditions in (statement.get("Condition") or {}).items():
        if not isinstance(conditions, dict):
            return None
        for key, values in conditions.items():
            if operator.lower() not in _EXEMPTING or key.lower() != "aws:principalarn":
                return None  # a condition that may not hold: not a deny we can count on
            exempt.extend(str(v) for v in _list(values))
    return exempt


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def _matches_any(patterns: list[str], action: str) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), p.lower().replace("[", "[[]")) for p in patterns)

"""A small evaluator of IAM policy conditions, for OIDC trust policies.

It implements what trust policies for web identities use: the ``StringEquals``,
``StringNotEquals``, ``StringLike`` and ``StringNotLike`` operators (with ``IfExists`` and the
``ForAnyValue:``/``ForAllValues:`` set prefixes), with IAM's rules: every operator in a block must
hold, every key under an operator must hold, and a key holds when the request's value matches any
of the listed values. ``StringLike`` matches ``*`` (any run of characters, ``:`` and ``/``
included) and ``?`` (exactly one character); everything else is literal, case included.
An operator it does not know makes the block not match: an unknown rule never lets anyone in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

Claims = Mapping[str, str | Sequence[str]]

_OPERATORS = {"StringEquals", "StringNotEquals", "StringLike", "StringNotLike"}


@lru_cache(maxsize=512)
def _like(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def string_like(pattern: str, value: str) -> bool:
    """IAM's StringLike: ``*`` matches any run of characters, ``?`` one character."""
    return _like(pattern).fullmatch(value) is not None


def as_list(raw: object) -> list[str]:
    return [str(v) for v in raw] if isinstance(raw, list) else [str(raw)]


def _one(like: bool, pattern: str, value: str) -> bool:
    return string_like(pattern, value) if like else pattern == value


def _key_holds(operator: str, wanted: list[str], present: list[str] | None) -> bool:
    """One key under one operator, against the request's value(s) for it (None: absent)."""
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    if base not in _OPERATORS or qualifier not in ("", "ForAnyValue", "ForAllValues"):
        return False
    negated = "Not" in base
    if present is None:
        # a missing key: IfExists and the negated operators hold, ForAllValues holds vacuously
        return if_exists or negated or qualifier == "ForAllValues"
    like = base in ("StringLike", "StringNotLike")
    matches = [any(_one(like, w, v) for w in wanted) != negated for v in present]
    # ForAllValues: every value must match; otherwise (ForAnyValue, or a plain operator, which
    # is counted generously so that an audit never under-reports who gets in) any one value
    return all(matches) if qualifier == "ForAllValues" else any(matches)


def _present(claims: Claims, key: str) -> list[str] | None:
    for name, value in claims.items():
        if name.lower() == key.lower():  # condition keys are case-insensitive; values are not
            return [value] if isinstance(value, str) else list(value)
    return None


def conditions_hold(condition: Mapping[str, Mapping[str, object]], claims: Claims) -> bool:
    """True when every operator and every key of a policy's Condition block holds for ``claims``."""
    for operator, keys in condition.items():
        if not isinstance(keys, Mapping):
            return False
        for key, wanted in keys.items():
            if not _key_holds(operator, as_list(wanted), _present(claims, key)):
                return False
    return True


def allows(policy: Mapping[str, object], action: str, principal: str, claims: Claims) -> bool:
    """Does a trust policy let ``principal`` (a federated provider ARN) do ``action`` with
    these token claims? An explicit Deny that matches wins over any Allow."""
    allowed = False
    for statement in statements(policy):
        if not (action_matches(statement.get("Action"), action) and _federated(statement, principal)):
            continue
        if conditions_hold(statement.get("Condition") or {}, claims):
            if statement.get("Effect") == "Deny":
                return False
            allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def statements(policy: Mapping[str, object]) -> list[Mapping[str, Any]]:
    raw = policy.get("Statement")
    items = raw if isinstance(raw, list) else [raw]
    return [s for s in items if isinstance(s, Mapping)]


def action_matches(raw: object, action: str) -> bool:
    return any(string_like(str(a).lower(), action.lower()) for a in as_list(raw) if raw is not None)


def _federated(statement: Mapping[str, object], principal: str) -> bool:
    who = statement.get("Principal")
    if who == "*":
        return True
    if not isinstance(who, Mapping):
        return False
    return principal in as_list(who.get("Federated", []))

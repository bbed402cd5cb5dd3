"""A person's permissions as one permission set's policies, checked against Identity Center's limits.

AWS managed policies stay attached as such, customer managed policies become references by path
and name, and every inline policy of the user and its groups is merged into the set's one
inline policy (identical statements once; a repeated Sid renamed so the document stays valid).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from ssohelper.admin.center import Policies, canonical
from ssohelper.admin.iamusers import Grants

NAME_LIMIT = 32
NAME = re.compile(r"^[\w+=,.@-]{1,32}$")
INLINE_LIMIT = 32_768  # characters
MANAGED_LIMIT = 10  # AWS and customer managed policies on one permission set


def merged_inline(inline: tuple[tuple[str, dict[str, Any]], ...]) -> dict[str, Any] | None:
    """One policy document holding every statement of ``inline`` (None when there is none)."""
    statements: list[dict[str, Any]] = []
    seen: set[str] = set()
    sids: set[str] = set()
    for _, document in inline:
        found = document.get("Statement", [])
        for statement in found if isinstance(found, list) else [found]:
            if canonical(statement) in seen:
                continue
            seen.add(canonical(statement))
            statement = dict(statement)
            sid = statement.get("Sid")
            if isinstance(sid, str) and sid:
                n, new = 2, sid
                while new in sids:
                    new, n = f"{sid}{n}", n + 1
                statement["Sid"] = new
                sids.add(new)
            statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements} if statements else None


def policies_of(grants: Grants) -> Policies:
    document = merged_inline(grants.inline)
    return Policies(grants.aws_managed, grants.customer_managed, canonical(document) if document else None)


def over_limits(policies: Policies) -> list[str]:
    """Why these policies can't be one permission set (empty when they can)."""
    problems = []
    managed = len(policies.aws_managed) + len(policies.customer_managed)
    if managed > MANAGED_LIMIT:
        problems.append(f"{managed} managed policies; a permission set takes at most {MANAGED_LIMIT}")
    if policies.inline is not None and len(policies.inline) > INLINE_LIMIT:
        problems.append(
            f"its inline policies merge to {len(policies.inline)} characters; a permission set's inline "
            f"policy takes at most {INLINE_LIMIT}"
        )
    return problems


def digest(policies: Policies) -> str:
    text = canonical([policies.aws_managed, policies.customer_managed, policies.inline])
    return hashlib.sha256(text.encode()).hexdigest()


def set_name(policies: Policies, taken: set[str]) -> str:
    """A readable name (the policies' names joined) when it fits, else one from the digest."""
    parts = [arn.rsplit("/", 1)[-1] for arn in policies.aws_managed]
    parts += [name for _, name in policies.customer_managed]
    parts += ["inline"] if policies.inline else []
    readable = "+".join(parts)
    if NAME.match(readable) and readable not in taken:
        return readable
    base = f"Migrated-{digest(policies)[:10]}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name

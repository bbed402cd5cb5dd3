"""Which accounts the audit visits: those the sign-in lists, and whether the role reaches each.

This is the one place the audit asks for the listing: the same paced, name-checked listing as
``list`` (ssohelper.listings.accounts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ssohelper.listings import accounts
from ssohelper.models import SsoSession, Token

Progress = Callable[[int, int, str], None]  # (done, total, pace)


@dataclass(frozen=True)
class Candidate:
    account_id: str
    account_name: str
    reachable: bool
    reason: str | None = None  # why the role does not reach it


def candidates(
    session: SsoSession,
    token: Token,
    role_name: str,
    *,
    only: Iterable[str] | None = None,
    client: Any = None,
    progress: Progress | None = None,
    warnings: list[str] | None = None,
) -> list[Candidate]:
    """Every listed account (or those in ``only``), sorted, each marked reachable with the role or
    not. The listing is the paced one ``list`` makes (names checked), asked afresh, since an audit
    reports the present, and kept in the listing cache for ``list`` and completion."""
    from ssohelper.cache import listing

    found = accounts.list_access(session, token, client=client, progress=progress, warnings=warnings)
    listing.store(session.name, session.start_url, [(r.account_id, r.account_name, r.role_name) for r in found])
    names = {r.account_id: r.account_name for r in found}  # printable already (ssohelper.names)
    roles: dict[str, set[str]] = {}
    for r in found:
        roles.setdefault(r.account_id, set()).add(r.role_name)
    result = []
    for account_id in sorted(set(only)) if only is not None else sorted(names):
        if account_id not in names:
            result.append(Candidate(account_id, "", False, "your sign-in does not list this account"))
        elif role_name not in roles[account_id]:
            reason = f"role {role_name} is not assigned to you in this account"
            result.append(Candidate(account_id, names[account_id], False, reason))
        else:
            result.append(Candidate(account_id, names[account_id], True))
    return result

"""Which accounts the audit visits: those the sign-in lists, and whether the role reaches each.

This is the one place the audit asks for the listing; point it at a cached or paced listing
and nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ssohelper.models import SsoSession, Token
from ssohelper.sso import accounts, portal

Progress = Callable[[int, int], None]


def printable(name: str) -> str:
    """A name from the server, safe for a terminal and a CSV cell: no control characters, bounded."""
    return "".join(c if c.isprintable() else "?" for c in str(name))[:128]


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
) -> list[Candidate]:
    """Every listed account (or those in ``only``), sorted, each marked reachable with the role or not."""
    client = client or accounts.portal_client(session)
    listing = portal.list_accounts(session, token, client=client)
    names = {a["accountId"]: printable(a.get("accountName", "")) for a in listing}
    wanted = sorted(set(only)) if only is not None else sorted(names)
    listed = [account_id for account_id in wanted if account_id in names]
    roles = accounts.roles_by_account(session, token, listed, client=client, progress=progress)
    found = []
    for account_id in wanted:
        if account_id not in names:
            found.append(Candidate(account_id, "", False, "your sign-in does not list this account"))
        elif role_name not in (roles.get(account_id) or ()):
            reason = f"role {role_name} is not assigned to you in this account"
            found.append(Candidate(account_id, names[account_id], False, reason))
        else:
            found.append(Candidate(account_id, names[account_id], True))
    return found

"""Every account's IAM users, through the role ``audit --org`` uses, on the same paced listing.

Each account gets the role's credentials from the portal and an IAM client of its own (IAM
throttles per account and each client paces itself); accounts run in parallel. An account the
role can't reach is kept with the reason and never stops the others; only an expired sign-in
stops everything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ssohelper.admin.iamusers import AccountUsers, read_account
from ssohelper.aws import bounded, pacing, portal
from ssohelper.errors import LoginRequired, SsoHelperError
from ssohelper.listings import accounts
from ssohelper.models import RoleCredentials, RoleTarget, SsoSession, Token
from ssohelper.org.accounts import Candidate, Progress, candidates
from ssohelper.org.clients import iam_clients

WORKERS = 16


def read_accounts(
    session: SsoSession,
    token: Token,
    role_name: str,
    *,
    only: Iterable[str] | None = None,
    workers: int = WORKERS,
    progress: Progress | None = None,
    iam_for: Callable[[RoleCredentials], Any] | None = None,
) -> list[AccountUsers]:
    """Every listed account (or those in ``only``), in account order, read or marked unreachable."""
    make_iam = iam_for or iam_clients()
    sso = accounts.portal_client(session, workers, accounts.new_pacer())
    found = candidates(session, token, role_name, only=only, client=sso)

    def one(candidate: Candidate) -> AccountUsers:
        if not candidate.reachable:
            return AccountUsers(candidate.account_id, candidate.account_name, error=candidate.reason)
        target = RoleTarget(session, candidate.account_id, role_name)
        try:
            credentials = portal.get_role_credentials(target, token, client=sso)
            iam = make_iam(credentials)
            if iam_for is None:  # IAM throttles per account: each account's calls keep their own pace
                bounded.install(iam, pacer=pacing.Pacer())
            return read_account(candidate.account_id, candidate.account_name, iam)
        except LoginRequired:
            raise
        except SsoHelperError as exc:
            return AccountUsers(candidate.account_id, candidate.account_name, error=str(exc))

    if not found:
        return []
    results: list[AccountUsers] = []
    with ThreadPoolExecutor(max_workers=min(workers, len(found)), thread_name_prefix="ssohelper-iam") as pool:
        for done, result in enumerate(pool.map(one, found), 1):
            results.append(result)
            if progress:
                progress(done, len(found), "")
    return results

"""Every account and role a sign-in gives: one client, ListAccounts paged, roles fetched in parallel.

`list`, `populate` and migrate's role discovery all come through here. One botocore client is
shared by a bounded pool of threads (botocore clients are thread-safe), with a connection pool
of the same size, so N accounts cost N ListAccountRoles calls at about N / WORKERS round trips.
Throttling (429 TooManyRequestsException) is retried by botocore's 'standard' retry mode, with
exponential backoff and full jitter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from ssohelper.models import AccountRole, SsoSession, Token
from ssohelper.sso import clients, portal

WORKERS = 16
Progress = Callable[[int, int], None]  # (done, total), called from the calling thread only


def portal_client(session: SsoSession, workers: int = WORKERS) -> Any:
    """The one SSO portal client a listing shares between its threads."""
    return clients.client("sso", session.region, max_pool_connections=workers)


def roles_by_account(
    session: SsoSession,
    token: Token,
    account_ids: Iterable[str],
    *,
    client: Any = None,
    workers: int = WORKERS,
    progress: Progress | None = None,
) -> dict[str, list[str] | None]:
    """Each account's role names, sorted; None where the user has no access to it."""
    wanted = sorted(set(account_ids))
    if not wanted:
        return {}
    client = client or portal_client(session, workers)
    found: dict[str, list[str] | None] = {}

    def roles(account_id: str) -> list[str] | None:
        try:
            return sorted(portal.list_account_roles(session, token, account_id, client=client))
        except portal.NoAccess:
            return None

    pool = ThreadPoolExecutor(max_workers=min(workers, len(wanted)), thread_name_prefix="ssohelper-roles")
    futures = {pool.submit(roles, account_id): account_id for account_id in wanted}
    try:
        for future in as_completed(futures):
            found[futures[future]] = future.result()
            if progress:
                progress(len(found), len(wanted))
    except BaseException:  # Ctrl-C or a failed call: don't wait for the calls still running
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return {account_id: found[account_id] for account_id in wanted}


def list_access(
    session: SsoSession,
    token: Token,
    *,
    client: Any = None,
    workers: int = WORKERS,
    progress: Progress | None = None,
) -> list[AccountRole]:
    """Every (account, role) the sign-in gives, sorted by account ID and role name."""
    client = client or portal_client(session, workers)
    accounts = portal.list_accounts(session, token, client=client)
    names = {account["accountId"]: account.get("accountName", "") for account in accounts}
    roles = roles_by_account(session, token, names, client=client, workers=workers, progress=progress)
    return [
        AccountRole(account_id, role, account_name=names[account_id])
        for account_id, account_roles in roles.items()
        for role in account_roles or ()
    ]

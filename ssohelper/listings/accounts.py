"""Every account and role a sign-in gives: one client, ListAccounts paged, roles fetched in parallel.

`list`, `populate` and migrate's role discovery all come through here. One botocore client is
shared by a bounded pool of threads (botocore clients are thread-safe), with a connection pool
of the same size, so N accounts cost N ListAccountRoles calls at about N / WORKERS round trips.
Listings page at 100 (the portal's most). The portal throttles at about 20 calls a second: the
threads share one pacer (ssohelper.aws.pacing) that backs off on 429 and probes back up, and a
throttled call is retried rather than lost. Names from the server are checked
(ssohelper.names) before anyone shows or writes them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from ssohelper import names
from ssohelper.aws import clients, pacing, portal
from ssohelper.models import AccountRole, SsoSession, Token

log = logging.getLogger("ssohelper")
WORKERS = 16
Progress = Callable[[int, int, str], None]  # (done, total, pace), called from the calling thread only


def new_pacer() -> pacing.Pacer | None:
    """The pacer of one listing; None when botocore's adaptive retry mode paces the calls itself."""
    if (os.environ.get("AWS_RETRY_MODE") or "").strip() == "adaptive":
        return None
    return pacing.Pacer(pacing.max_rate())


def portal_client(session: SsoSession, workers: int = WORKERS, pacer: pacing.Pacer | None = None) -> Any:
    """The one SSO portal client a listing shares between its threads, paced by ``pacer`` (None:
    by botocore's adaptive retry mode, see ``new_pacer``)."""
    return clients.make("sso", region=session.region, pool=workers, pacer=pacer, adaptive=pacer is None)


def _report(pacer: pacing.Pacer | None) -> None:
    if pacer is not None:
        log.debug(
            "portal listing: %d calls, %d throttled (429)%s",
            pacer.calls,
            pacer.throttled,
            f"; pace {pacer.describe()}" if pacer.rate else "",
        )


def roles_by_account(
    session: SsoSession,
    token: Token,
    account_ids: Iterable[str],
    *,
    client: Any = None,
    workers: int = WORKERS,
    progress: Progress | None = None,
    warnings: list[str] | None = None,
) -> dict[str, list[str] | None]:
    """Each account's role names, sorted; None where the user has no access to it. A role name
    that is unsafe to write or show is left out, with a line in ``warnings`` (None: on stderr)."""
    wanted = sorted(set(account_ids))
    if not wanted:
        return {}
    with names.collected(warnings) as warned:
        return _roles(session, token, wanted, client=client, workers=workers, progress=progress, warned=warned)


def _roles(
    session: SsoSession,
    token: Token,
    wanted: list[str],
    *,
    client: Any,
    workers: int,
    progress: Progress | None,
    warned: list[str],
) -> dict[str, list[str] | None]:
    pacer = None if client else new_pacer()
    client = client or portal_client(session, workers, pacer)
    pace = pacer.describe if pacer else _no_pace
    found: dict[str, list[str] | None] = {}

    def roles(account_id: str) -> list[str] | None:
        try:
            listed = portal.list_account_roles(session, token, account_id, client=client)
            return sorted(role for role in listed if names.role_name_ok(account_id, role, warned))
        except portal.NoAccess:
            return None

    pool = ThreadPoolExecutor(max_workers=min(workers, len(wanted)), thread_name_prefix="ssohelper-roles")
    futures = {pool.submit(roles, account_id): account_id for account_id in wanted}
    try:
        for future in as_completed(futures):
            found[futures[future]] = future.result()
            if progress:
                progress(len(found), len(wanted), pace())
    except BaseException:  # Ctrl-C or a failed call: don't wait for the calls still running
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    _report(pacer)
    return {account_id: found[account_id] for account_id in wanted}


def list_access(
    session: SsoSession,
    token: Token,
    *,
    client: Any = None,
    workers: int = WORKERS,
    progress: Progress | None = None,
    warnings: list[str] | None = None,
) -> list[AccountRole]:
    """Every (account, role) the sign-in gives, sorted by account ID and role name. Names the
    server sent that are unsafe are replaced or left out, each with a line in ``warnings``
    (None: each said on stderr)."""
    pacer = None if client else new_pacer()
    client = client or portal_client(session, workers, pacer)
    with names.collected(warnings) as warned:
        accounts = portal.list_accounts(session, token, client=client)
        titles = {
            account["accountId"]: names.account_name(account["accountId"], account.get("accountName", ""), warned)
            for account in accounts
            if names.account_id_ok(account["accountId"], warned)
        }
        paced = _paced(progress, pacer)
        roles = roles_by_account(
            session, token, titles, client=client, workers=workers, progress=paced, warnings=warned
        )
    _report(pacer)
    return [
        AccountRole(account_id, role, account_name=titles[account_id])
        for account_id, account_roles in roles.items()
        for role in account_roles or ()
    ]


def _no_pace() -> str:
    return ""


def _paced(progress: Progress | None, pacer: pacing.Pacer | None) -> Progress | None:
    """``progress`` with the listing's pace (roles_by_account sees only the client)."""
    if progress is None or pacer is None:
        return progress
    report = progress
    return lambda done, total, _pace: report(done, total, pacer.describe())

"""The organisation audit: every reachable account's IAM users and keys, in parallel.

Each account gets the role's credentials from the portal and an IAM client of its own (IAM
throttles per account, and each client paces itself). One account failing (denied, throttled
out, timed out) is reported as unreachable and never stops the others; only an expired sign-in
stops the audit, since it would fail every account.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timezone
from typing import Any

from ssohelper.aws import clients, portal
from ssohelper.errors import LoginRequired, SsoHelperError
from ssohelper.listings import accounts
from ssohelper.models import RoleCredentials, RoleTarget, SsoSession, Token
from ssohelper.org import credreport
from ssohelper.org.accounts import Candidate, Progress, candidates
from ssohelper.org.calls import is_denied
from ssohelper.org.clients import iam_clients
from ssohelper.org.findings import AUDITED, LISTING, REPORT, UNREACHABLE, AccountAudit, OrgAudit
from ssohelper.org.listing import users_from_listing

WORKERS = 16  # accounts at a time; a thread waiting for a report costs nothing


def audit_org(
    session: SsoSession,
    token: Token,
    role_name: str,
    *,
    only: Iterable[str] | None = None,
    workers: int = WORKERS,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    iam_for: Callable[[RoleCredentials], Any] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
) -> OrgAudit:
    """Audit every account the sign-in lists (or those in ``only``) through ``role_name``."""
    now = clock().replace(microsecond=0)
    make_iam = iam_for or iam_clients()
    # One paced client for the listing and every GetRoleCredentials: the portal throttles both.
    sso = accounts.portal_client(session, workers, accounts.new_pacer())
    found = candidates(session, token, role_name, only=only, client=sso)
    results: dict[str, AccountAudit] = {
        c.account_id: AccountAudit(c.account_id, c.account_name, UNREACHABLE, note=c.reason)
        for c in found
        if not c.reachable
    }
    reachable = [c for c in found if c.reachable]

    def one(candidate: Candidate) -> AccountAudit:
        target = RoleTarget(session, candidate.account_id, role_name)
        try:
            credentials = portal.get_role_credentials(target, token, client=sso)
            return audit_account(candidate, make_iam(credentials), now=now, sleep=sleep)
        except LoginRequired:
            raise
        except SsoHelperError as exc:
            return AccountAudit(candidate.account_id, candidate.account_name, UNREACHABLE, note=str(exc))

    if reachable:
        _run_all(one, reachable, workers, results, progress)
    ordered = tuple(results[c.account_id] for c in found)
    return OrgAudit(role_name=role_name, generated_at=now, accounts=ordered)


def _run_all(
    one: Callable[[Candidate], AccountAudit],
    reachable: list[Candidate],
    workers: int,
    results: dict[str, AccountAudit],
    progress: Progress | None,
) -> None:
    pool = ThreadPoolExecutor(max_workers=min(workers, len(reachable)), thread_name_prefix="ssohelper-org")
    futures = {pool.submit(one, candidate): candidate for candidate in reachable}
    try:
        for done, future in enumerate(as_completed(futures), 1):
            results[futures[future].account_id] = future.result()
            if progress:
                progress(done, len(reachable), "")
    except BaseException:  # Ctrl-C or an expired sign-in: don't wait for the accounts still running
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def audit_account(
    candidate: Candidate, iam: Any, *, now: datetime, sleep: Callable[[float], None] = time.sleep
) -> AccountAudit:
    """One account's users and keys: the credential report, else (denied, not ready) the listing."""
    from botocore.exceptions import BotoCoreError, ClientError

    what = f"IAM in {candidate.account_id}"
    try:
        try:
            text = credreport.fetch(iam, now=now, sleep=sleep)
            users, root = credreport.users_from_report(iam, text)
            source, note = REPORT, None
        except (ClientError, credreport.ReportTimedOut) as exc:
            if isinstance(exc, ClientError) and not is_denied(exc):
                raise
            reason = f"{clients.error_code(exc)}" if isinstance(exc, ClientError) else str(exc)
            note = f"credential report unavailable ({reason}); users and keys were listed instead"
            users, root = users_from_listing(iam)
            source = LISTING
    except (ClientError, BotoCoreError) as exc:
        error = clients.translate(exc, what)
        return AccountAudit(candidate.account_id, candidate.account_name, UNREACHABLE, note=str(error))
    return AccountAudit(candidate.account_id, candidate.account_name, AUDITED, source, note, tuple(users), root)

"""The organisation audit: every reachable account's IAM users and keys, in parallel.

Each account gets the role's credentials from the portal and an IAM client of its own (IAM
throttles per account, and each client paces itself). One account failing (denied, throttled
out, timed out) is reported as unreachable and never stops the others; only an expired sign-in
stops the audit, since it would fail every account.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from ssohelper.aws import clients
from ssohelper.models import RoleCredentials, SsoSession, Token
from ssohelper.org import credreport
from ssohelper.org.accounts import Candidate, Progress
from ssohelper.org.calls import is_denied
from ssohelper.org.findings import AUDITED, LISTING, REPORT, UNREACHABLE, AccountAudit, OrgAudit
from ssohelper.org.listing import users_from_listing
from ssohelper.org.visit import WORKERS, each_account


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
    found = each_account(
        session,
        token,
        role_name,
        lambda candidate, iam: audit_account(candidate, iam, now=now, sleep=sleep),
        lambda candidate, why: AccountAudit(candidate.account_id, candidate.account_name, UNREACHABLE, note=why),
        only=only,
        workers=workers,
        progress=progress,
        iam_for=iam_for,
    )
    return OrgAudit(role_name=role_name, generated_at=now, accounts=tuple(found))


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

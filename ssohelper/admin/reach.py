"""Every account's IAM users, through the role ``audit --org`` uses, on the same visit.

The visit (ssohelper.org.visit) lists the accounts, gets the role's credentials from the portal
and runs accounts in parallel; an account the role can't reach is kept with the reason. Each
account's IAM client also keeps a pace of its own (IAM throttles per account): it backs off to
just under what got through when throttled, rather than leaving every thread to its own retry
backoff.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ssohelper.admin.authdetails import access, details, local_policies, now_utc, users_from_details
from ssohelper.admin.iamusers import AccountUsers, read_listing
from ssohelper.aws import clients
from ssohelper.models import RoleCredentials, SsoSession, Token
from ssohelper.org.accounts import Progress
from ssohelper.org.calls import is_denied
from ssohelper.org.visit import each_account, iam_clients


def read_account(account_id: str, account_name: str, iam: Any) -> AccountUsers:
    """One account's users: from GetAccountAuthorizationDetails and the credential report, else
    (denied) user by user; any other failure makes the account unreachable, with the reason."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        try:
            answer = details(iam)
        except ClientError as exc:
            if not is_denied(exc):
                raise
            return read_listing(account_id, account_name, iam)
        users = users_from_details(iam, account_id, answer, access(iam, now=now_utc()))
        return AccountUsers(account_id, account_name, tuple(users), local_policies(answer))
    except (ClientError, BotoCoreError) as exc:
        return AccountUsers(account_id, account_name, error=str(clients.translate(exc, f"IAM in {account_id}")))


def read_accounts(
    session: SsoSession,
    token: Token,
    role_name: str,
    *,
    only: Iterable[str] | None = None,
    progress: Progress | None = None,
    iam_for: Callable[[RoleCredentials], Any] | None = None,
) -> list[AccountUsers]:
    """Every listed account (or those in ``only``), in account order, read or marked unreachable."""
    return each_account(
        session,
        token,
        role_name,
        lambda c, iam: read_account(c.account_id, c.account_name, iam),
        lambda c, why: AccountUsers(c.account_id, c.account_name, error=why),
        only=only,
        progress=progress,
        iam_for=iam_for or iam_clients(paced=True),
    )

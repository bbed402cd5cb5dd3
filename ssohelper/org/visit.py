"""Visiting every account a sign-in reaches with a role, in parallel, one IAM client each.

Each account gets the role's credentials from the portal (one paced portal client for the
listing and every GetRoleCredentials: the portal throttles both) and an IAM client of its own
(IAM throttles per account). One account failing is that account's result; only an expired
sign-in stops the visit, since it would fail every account. The organisation audit, key
retirement and its rollback all come through here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, TypeVar

from ssohelper.aws import clients, pacing, portal
from ssohelper.errors import LoginRequired, SsoHelperError
from ssohelper.listings import accounts
from ssohelper.models import RoleCredentials, RoleTarget, SsoSession, Token
from ssohelper.org.accounts import Candidate, Progress, candidates

T = TypeVar("T")
WORKERS = 16  # accounts at a time; a thread waiting for IAM costs nothing


def each_account(
    session: SsoSession,
    token: Token,
    role_name: str,
    work: Callable[[Candidate, Any], T],
    unreachable: Callable[[Candidate, str], T],
    *,
    only: Iterable[str] | None = None,
    workers: int = WORKERS,
    progress: Progress | None = None,
    iam_for: Callable[[RoleCredentials], Any] | None = None,
) -> list[T]:
    """``work(candidate, iam)`` for each reachable account, ``unreachable(candidate, why)`` for
    the others (and those whose role credentials or IAM calls failed), in account order."""
    make_iam = iam_for or iam_clients()
    sso = accounts.portal_client(session, workers, accounts.new_pacer())
    found = candidates(session, token, role_name, only=only, client=sso)
    results: dict[str, T] = {c.account_id: unreachable(c, c.reason or "") for c in found if not c.reachable}
    reachable = [c for c in found if c.reachable]

    def one(candidate: Candidate) -> T:
        try:
            credentials = portal.get_role_credentials(
                RoleTarget(session, candidate.account_id, role_name), token, client=sso
            )
            return work(candidate, make_iam(credentials))
        except LoginRequired:
            raise
        except SsoHelperError as exc:
            return unreachable(candidate, str(exc))

    if reachable:
        _run_all(one, reachable, workers, results, progress)
    return [results[c.account_id] for c in found]


def iam_clients(*, paced: bool = False) -> Callable[[RoleCredentials], Any]:
    """A maker of IAM clients, one per account's credentials, all from one botocore session (the
    IAM model is loaded once per visit). IAM publishes no call rate and throttles per account,
    so each client uses botocore's adaptive retry mode; ``paced``: each also keeps a pace of its
    own (ssohelper.aws.pacing), backing off to just under what got through."""
    import botocore.session

    shared = botocore.session.get_session()

    def make(credentials: RoleCredentials) -> Any:
        pacer = pacing.Pacer() if paced else None
        return clients.make("iam", credentials=credentials, adaptive=True, pacer=pacer, botocore_session=shared)

    return make


def each_known(clients: dict[str, Any], work: Callable[[Candidate, Any], T], *, workers: int = WORKERS) -> list[T]:
    """``work`` again on accounts already visited, with the IAM clients kept from that visit
    (no second listing, no second GetRoleCredentials: the portal's throttle is the slow part)."""
    results: dict[str, T] = {}
    found = [Candidate(account_id, "", True) for account_id in sorted(clients)]
    if found:
        _run_all(lambda c: work(c, clients[c.account_id]), found, workers, results, None)
    return [results[c.account_id] for c in found]


def _run_all(
    one: Callable[[Candidate], T],
    reachable: list[Candidate],
    workers: int,
    results: dict[str, T],
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

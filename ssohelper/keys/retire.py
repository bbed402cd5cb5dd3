"""Retiring unused keys across the organisation: a plan, an apply that deactivates (never
deletes), and a rollback that reactivates exactly the keys the apply touched.

A key is retired when it is active and unused for ``unused_days`` or more: counted from its last
use, or from its creation when it was never used. ``--exclude`` keeps users or keys, with the
reason kept in the journal. The journal is a folder per apply (0600 files in a 0700 folder): the
plan, then one line per key *before* its UpdateAccessKey is sent, so a run killed mid-way is
still rolled back whole. Key IDs are kept whole there (they are not secrets) and shown masked.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from ssohelper import paths, times
from ssohelper.cache.fileio import Untrusted, ensure_private_dir, open_trusted, read_trusted, write_atomic
from ssohelper.errors import ConfigError, NotApplied, SsoHelperError, UsageError
from ssohelper.journal import backups
from ssohelper.keys import iam
from ssohelper.models import SsoSession, Token
from ssohelper.org.accounts import Candidate, Progress
from ssohelper.org.calls import call
from ssohelper.org.visit import each_account, each_known

DEACTIVATE, KEEP, EXCLUDED = "deactivate", "keep", "excluded"
PLANNED, UNREACHABLE = "planned", "unreachable"


@dataclass(frozen=True)
class Key:
    account_id: str
    user: str
    access_key_id: str  # whole here and in the journal; shown masked
    last_activity: str | None  # RFC 3339: the last use, or the creation when never used
    never_used: bool
    idle_days: int | None
    action: str  # DEACTIVATE | KEEP | EXCLUDED
    reason: str | None = None


@dataclass(frozen=True)
class Account:
    account_id: str
    account_name: str
    status: str  # PLANNED | UNREACHABLE
    note: str | None = None
    keys: tuple[Key, ...] = ()


@dataclass(frozen=True)
class RetirePlan:
    role_name: str
    unused_days: int
    generated_at: str
    accounts: tuple[Account, ...] = field(default=())

    @property
    def to_deactivate(self) -> list[Key]:
        return [k for a in self.accounts for k in a.keys if k.action == DEACTIVATE]

    @property
    def unreachable(self) -> list[Account]:
        return [a for a in self.accounts if a.status == UNREACHABLE]


def parse_excludes(values: Iterable[str]) -> dict[str, str]:
    """``--exclude WHO=REASON``: WHO is a user name, ACCOUNT_ID/USER, or an access key ID."""
    found = {}
    for value in values:
        who, sep, reason = value.partition("=")
        if not sep or not who.strip() or not reason.strip():
            raise UsageError(f"--exclude takes WHO=REASON (a user, ACCOUNT/USER or key ID, and why), not {value!r}")
        found[who.strip()] = reason.strip()
    return found


def plan(
    session: SsoSession,
    token: Token,
    role_name: str,
    unused_days: int,
    *,
    excludes: dict[str, str] | None = None,
    only: Iterable[str] | None = None,
    progress: Progress | None = None,
    iam_for: Callable[[Any], Any] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    keep: dict[str, Any] | None = None,
) -> RetirePlan:
    """Every active key in every account the role reaches, each marked deactivate, keep or
    excluded. ``keep`` collects each account's IAM client, for an apply right after."""
    now = clock().replace(microsecond=0)
    rules = excludes or {}

    def work(candidate: Candidate, client: Any) -> Account:
        if keep is not None:
            keep[candidate.account_id] = client
        keys = tuple(
            _judge(candidate.account_id, user, meta, client, now, unused_days, rules) for user, meta in _active(client)
        )
        return Account(candidate.account_id, candidate.account_name, PLANNED, None, keys)

    def unreachable(candidate: Candidate, why: str) -> Account:
        return Account(candidate.account_id, candidate.account_name, UNREACHABLE, why)

    accounts = each_account(
        session,
        token,
        role_name,
        _guarded(work, unreachable),
        unreachable,
        only=only,
        progress=progress,
        iam_for=iam_for,
    )
    return RetirePlan(role_name, unused_days, times.format_epoch(now.timestamp()), tuple(accounts))


def _guarded(
    work: Callable[[Candidate, Any], Account], unreachable: Callable[[Candidate, str], Account]
) -> Callable[[Candidate, Any], Account]:
    """IAM refusing one account's listing makes that account unreachable, not the plan fail."""
    from botocore.exceptions import BotoCoreError, ClientError

    from ssohelper.aws import clients

    def guarded(candidate: Candidate, client: Any) -> Account:
        try:
            return work(candidate, client)
        except (ClientError, BotoCoreError) as exc:
            return unreachable(candidate, str(clients.translate(exc, f"IAM in {candidate.account_id}")))

    return guarded


def _active(client: Any) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for user in call(client, "list_users", paged="Users"):
        for meta in call(client, "list_access_keys", paged="AccessKeyMetadata", UserName=user["UserName"]):
            if meta.get("Status") == "Active":
                found.append((user["UserName"], meta))
    return found


def _judge(
    account_id: str, user: str, meta: dict[str, Any], client: Any, now: datetime, days: int, rules: dict[str, str]
) -> Key:
    key_id = meta["AccessKeyId"]
    used = call(client, "get_access_key_last_used", AccessKeyId=key_id).get("AccessKeyLastUsed", {}).get("LastUsedDate")
    since = used if isinstance(used, datetime) else meta.get("CreateDate")
    idle = int((now - since).total_seconds() // 86400) if isinstance(since, datetime) else None
    last = times.format_datetime(since) if isinstance(since, datetime) else None
    reason = rules.get(key_id) or rules.get(f"{account_id}/{user}") or rules.get(user)
    action = EXCLUDED if reason is not None else DEACTIVATE if idle is not None and idle >= days else KEEP
    return Key(account_id, user, key_id, last, used is None, idle, action, reason)


# --- apply and rollback: the journal ------------------------------------------------------


def root() -> str:
    return os.path.join(paths.backup_dir(), "retirements")


def apply(
    session: SsoSession,
    token: Token,
    retire: RetirePlan,
    *,
    iam_for: Callable[[Any], Any] | None = None,
    clock: Callable[[], float] = time.time,
    clients: dict[str, Any] | None = None,
) -> tuple[str, list[tuple[Key, str]]]:
    """Deactivate the plan's keys (with ``clients`` kept by the plan when given); returns the
    journal folder and each key's outcome."""
    folder = os.path.join(
        root(), time.strftime("%Y%m%dT%H%M%S", time.gmtime(clock())) + f"-{time.monotonic_ns() % 10**9:09d}"
    )
    with backups.writing(folder):
        ensure_private_dir(folder)
        write_atomic(os.path.join(folder, "plan.json"), json.dumps(_document(retire), indent=1).encode())
    outcomes = _each_key(session, token, retire.role_name, retire.to_deactivate, "Inactive", folder, iam_for, clients)
    return folder, outcomes


def rollback(
    session: SsoSession, token: Token, role_name: str, *, iam_for: Callable[[Any], Any] | None = None
) -> tuple[str, list[tuple[Key, str]]]:
    """Reactivate every key the latest retirement (not rolled back yet) deactivated or began to."""
    folder = latest()
    if folder is None:
        raise NotApplied("there is no key retirement to roll back")
    keys = touched(folder)
    outcomes = _each_key(session, token, role_name, keys, "Active", None, iam_for)
    if all(result == "done" for _, result in outcomes):
        write_atomic(os.path.join(folder, "rolled-back"), b"")
    return folder, outcomes


def _standing() -> list[str]:
    """The retirements not rolled back, newest first."""
    try:
        names = sorted(os.listdir(root()), reverse=True)
    except OSError:
        return []
    folders = [os.path.join(root(), name) for name in names]
    return [
        folder
        for folder in folders
        if os.path.exists(os.path.join(folder, "plan.json")) and not os.path.exists(os.path.join(folder, "rolled-back"))
    ]


def latest() -> str | None:
    return next(iter(_standing()), None)


def deactivated_masked() -> set[str]:
    """Masked IDs of keys a retirement deactivated and no rollback reactivated (for the report)."""
    from ssohelper.models import mask

    found: set[str] = set()
    for folder in _standing():
        try:
            found.update(mask(key.access_key_id) for key in touched(folder))
        except ConfigError:
            continue
    return found


def touched(folder: str) -> list[Key]:
    """The keys an apply sent (or was about to send) UpdateAccessKey for, from its journal."""
    try:
        lines = read_trusted(os.path.join(folder, "touched.jsonl")).decode().splitlines()
        return [Key(**json.loads(line)) for line in lines if line.strip()]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, TypeError, Untrusted) as exc:
        raise ConfigError(
            f"the journal in {folder} can't be read ({exc.__class__.__name__}); nothing was changed"
        ) from None


def _each_key(
    session: SsoSession,
    token: Token,
    role_name: str,
    keys: list[Key],
    status: str,
    journal: str | None,
    iam_for: Callable[[Any], Any] | None,
    clients: dict[str, Any] | None = None,
) -> list[tuple[Key, str]]:
    by_account: dict[str, list[Key]] = {}
    for key in keys:
        by_account.setdefault(key.account_id, []).append(key)
    if not by_account:
        return []

    def work(candidate: Candidate, client: Any) -> list[tuple[Key, str]]:
        results = []
        for key in by_account[candidate.account_id]:
            if journal is not None:
                _note(journal, key)
            try:
                iam.set_status(client, key.user, key.access_key_id, status)
                results.append((key, "done"))
            except SsoHelperError as exc:
                results.append((key, str(exc)))
        return results

    def unreachable(candidate: Candidate, why: str) -> list[tuple[Key, str]]:
        return [(key, f"account unreachable: {why}") for key in by_account.get(candidate.account_id, [])]

    if clients is not None and set(by_account) <= set(clients):
        done = each_known({account_id: clients[account_id] for account_id in by_account}, work)
    else:
        done = each_account(session, token, role_name, work, unreachable, only=sorted(by_account), iam_for=iam_for)
    return [outcome for account in done for outcome in account]


def _note(folder: str, key: Key) -> None:
    """One journal line per key, flushed before its call goes out."""
    fd = open_trusted(os.path.join(folder, "touched.jsonl"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        os.write(fd, (json.dumps(asdict(key)) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def _document(retire: RetirePlan) -> dict[str, Any]:
    return asdict(retire)

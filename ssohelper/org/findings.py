"""What the organisation audit finds, as values: each account's IAM users, their keys and
passwords, from the credential report or from the listing calls, and the summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ssohelper import times

UNUSED_DAYS = 90
REPORT, LISTING = "credential-report", "listing"
AUDITED, UNREACHABLE = "audited", "unreachable"


@dataclass(frozen=True)
class AccessKey:
    """One active access key of a user. ``access_key_id`` is masked (``AKIA****WXYZ``)."""

    access_key_id: str
    created: datetime | None
    last_used: datetime | None
    last_service: str | None
    last_region: str | None


@dataclass(frozen=True)
class User:
    name: str
    arn: str
    password_enabled: bool
    mfa_active: bool
    password_last_used: datetime | None
    keys: tuple[AccessKey, ...]  # active keys only


@dataclass(frozen=True)
class AccountAudit:
    """One account: ``audited`` with its users, or ``unreachable`` with the reason."""

    account_id: str
    account_name: str
    status: str
    source: str | None = None  # REPORT or LISTING
    note: str | None = None  # why the listing was used, or why it was unreachable
    users: tuple[User, ...] = ()
    root_access_keys: bool | None = None  # None: not known

    @property
    def keys(self) -> list[tuple[User, AccessKey]]:
        return [(user, key) for user in self.users for key in user.keys]

    @property
    def passwords_without_mfa(self) -> list[User]:
        return [user for user in self.users if user.password_enabled and not user.mfa_active]


@dataclass(frozen=True)
class OrgAudit:
    role_name: str
    generated_at: datetime
    accounts: tuple[AccountAudit, ...] = field(default=())

    def age_days(self, when: datetime | None) -> int | None:
        return None if when is None else int((self.generated_at - when).total_seconds() // 86400)

    def unused(self, key: AccessKey) -> bool:
        """Not used (or, never used, not created) in the last 90 days."""
        days = self.age_days(key.last_used or key.created)
        return days is not None and days >= UNUSED_DAYS

    @property
    def active_keys(self) -> int:
        return sum(len(account.keys) for account in self.accounts)

    @property
    def root_keys(self) -> int:
        return sum(1 for account in self.accounts if account.root_access_keys)

    @property
    def long_term_keys_found(self) -> bool:
        return self.active_keys > 0 or self.root_keys > 0

    def summary(self) -> dict[str, int]:
        audited = [a for a in self.accounts if a.status == AUDITED]
        return {
            "accounts": len(self.accounts),
            "accounts_audited": len(audited),
            "accounts_unreachable": len(self.accounts) - len(audited),
            "accounts_with_keys": sum(1 for a in audited if a.keys),
            "active_keys": self.active_keys,
            "users_with_keys": sum(1 for a in audited for u in a.users if u.keys),
            "unused_90_days": sum(1 for a in audited for _, key in a.keys if self.unused(key)),
            "passwords_without_mfa": sum(len(a.passwords_without_mfa) for a in audited),
            "root_access_keys": self.root_keys,
        }

    def sentence(self) -> str:
        """ "412 active keys held by 280 users in 37 of 40 accounts; 96 unused for 90+ days; ..."""
        s = self.summary()
        text = (
            f"{s['active_keys']} active {_plural(s['active_keys'], 'key')} held by {s['users_with_keys']} "
            f"{_plural(s['users_with_keys'], 'user')} in {s['accounts_with_keys']} of {s['accounts']} "
            f"{_plural(s['accounts'], 'account')}; {s['unused_90_days']} unused for {UNUSED_DAYS}+ days"
        )
        if s["passwords_without_mfa"]:
            passwords = s["passwords_without_mfa"]
            text += f"; {passwords} console {_plural(passwords, 'password')} without MFA"
        if s["root_access_keys"]:
            text += f"; root access keys in {s['root_access_keys']} {_plural(s['root_access_keys'], 'account')}"
        unreachable = [a.account_id for a in self.accounts if a.status == UNREACHABLE]
        if unreachable:
            count = f"{len(unreachable)} {_plural(len(unreachable), 'account')}"
            text += f"; {count} unreachable ({', '.join(unreachable)})"
        return text


def _plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"


def parse_time(value: str | None) -> datetime | None:
    """A credential report's timestamp (ISO 8601), or None for N/A, no_information and the like."""
    if not value or not value[:1].isdigit():
        return None
    try:
        return times.parse_datetime(value)
    except ValueError:
        return None

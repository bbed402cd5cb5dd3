"""Which SSO account and role each static-key profile should become, and retiring its key.

Account discovery asks STS with the profile's own keys (online) or decodes the account from
the access key ID (offline). Role discovery lists the user's roles in that account with the
SSO login. Keys are only ever deactivated, never deleted.
"""

from __future__ import annotations

import base64
import binascii
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ssohelper.aws import answers, clients, deadline
from ssohelper.errors import AwsError, ConfigError, SsoHelperError
from ssohelper.listings import accounts
from ssohelper.migration.rewrite import StaticProfile
from ssohelper.models import AccountRole, SsoSession, Token, mask

log = logging.getLogger("ssohelper")
Chooser = Callable[[str, str, Sequence[str]], "str | None"]


def account_from_key_id(access_key_id: str) -> str | None:
    """The account encoded in a modern AKIA/ASIA access key ID, or None for older formats."""
    if len(access_key_id) != 20 or access_key_id[:4] not in ("AKIA", "ASIA"):
        return None
    try:
        raw = base64.b32decode(access_key_id[4:])
    except (binascii.Error, ValueError):
        return None
    number = (int.from_bytes(raw[:6], "big") & 0x7FFFFFFFFF80) >> 7
    return f"{number:012d}"


def caller_identity(profile: StaticProfile) -> dict[str, Any]:
    """STS GetCallerIdentity with the profile's own keys (never the environment's): its
    ``Account`` and ``Arn``, checked."""
    what = f"STS GetCallerIdentity for profile '{profile.name}'"
    with clients.calling(what):
        sts = clients.make("sts", credentials=profile, region=profile.region)
        return answers.caller_identity(what, deadline.run(what, sts.get_caller_identity))


@dataclass
class Resolution:
    targets: dict[str, AccountRole]
    sources: dict[str, str]  # profile -> how its target was found
    skipped: list[tuple[str, str]]  # (profile, reason): keys stay untouched
    skipped_accounts: dict[str, str] = field(default_factory=dict)  # a skipped profile's account, when known


def parse_map(values: Sequence[str]) -> dict[str, AccountRole]:
    """``--map PROFILE=ACCOUNT_ID:ROLE_NAME`` values."""
    result = {}
    for value in values:
        name, _, rest = value.partition("=")
        account, _, role = rest.partition(":")
        if not (name and account.isdigit() and len(account) == 12 and role):
            raise ConfigError(f"--map {value!r}: expected PROFILE=ACCOUNT_ID:ROLE_NAME (a 12-digit account ID)")
        result[name] = AccountRole(account, role)
    return result


def resolve_targets(
    profiles: Sequence[StaticProfile],
    *,
    session: SsoSession,
    mapped: Mapping[str, AccountRole],
    account_id: str | None,
    role_name: str | None,
    offline: bool,
    token: Callable[[], Token],
    choose: Chooser | None,
) -> Resolution:
    """Map each profile to an account and role; the first rule that applies wins.

    Roles are listed once per account, all accounts together (one client, in parallel)."""
    found: dict[str, AccountRole | tuple[str, str] | str] = {}  # a target, (account, how), or why skipped
    sources: dict[str, str] = {}
    for profile in profiles:
        if profile.name in mapped:
            found[profile.name], sources[profile.name] = mapped[profile.name], "--map"
            continue
        try:
            account, how = _account(profile, account_id, offline)
        except _Skip as skip:
            found[profile.name] = str(skip)
            continue
        found[profile.name] = (account, how)  # --role-name and --account-id are checked too
    pending = {value[0] for value in found.values() if isinstance(value, tuple)}
    roles = accounts.roles_by_account(session, token(), pending) if pending else {}
    result = Resolution({}, {}, [])
    for name, value in found.items():
        if isinstance(value, tuple):
            account, how = value
            try:
                value = AccountRole(account, _pick_role(name, account, roles[account], choose, role_name))
            except _Skip as skip:
                value = str(skip)
                if roles[account]:  # a role there to pick: the account is half the answer
                    result.skipped_accounts[name] = account
            sources[name] = sys.intern(f"account {how}, {_role_source(roles[account], role_name)}")  # 20,000 alike
        if isinstance(value, str):
            result.skipped.append((name, value))
        else:
            result.targets[name], result.sources[name] = value, sources[name]
    return result


def _role_source(roles: list[str] | None, role_name: str | None) -> str:
    if role_name:
        return "--role-name"
    return "only role" if len(roles or ()) == 1 else "chosen"


class _Skip(Exception):
    pass


def _account(profile: StaticProfile, account_id: str | None, offline: bool) -> tuple[str, str]:
    if account_id:
        return account_id, "from --account-id"
    if offline:
        account = account_from_key_id(profile.access_key_id or "")
        if account is None:
            raise _Skip("its access key ID does not encode an account; use --map or --account-id")
        return account, "decoded from the key ID"
    try:
        return caller_identity(profile)["Account"], "from STS"
    except AwsError as exc:
        raise _Skip(f"STS did not confirm its account ({exc}); use --map, --account-id or --offline") from None


def _pick_role(
    name: str, account: str, roles: list[str] | None, choose: Chooser | None, role_name: str | None = None
) -> str:
    if not roles:
        raise _Skip(f"you have no SSO access to account {account}; ask for a permission set there")
    if role_name:
        if role_name not in roles:
            raise _Skip(f"you have no role {role_name} in account {account} (you have: {', '.join(roles)})")
        return role_name
    if len(roles) == 1:
        return roles[0]
    chosen = choose(name, account, roles) if choose else None
    if chosen is None:
        raise _Skip(f"account {account} offers several roles ({', '.join(roles)}); use --role-name or --map")
    return chosen


@dataclass(frozen=True)
class KeyOutcome:
    profile: str
    key: str  # masked
    result: str  # "deactivated", "already inactive", "refused", "not verified"
    reason: str = ""


def deactivate_key(profile: StaticProfile) -> KeyOutcome:
    """Mark the profile's access key Inactive, using that key itself. Never deletes it."""
    from botocore.exceptions import BotoCoreError, ClientError

    key = profile.access_key_id or ""
    try:
        arn = caller_identity(profile)["Arn"]
        user = arn.split(":user/")[-1].split("/")[-1] if ":user/" in arn else None
        iam = clients.make("iam", credentials=profile, region=profile.region)
        kwargs = {"UserName": user} if user else {}
        current = deadline.run("IAM ListAccessKeys", lambda: iam.list_access_keys(**kwargs)).get(
            "AccessKeyMetadata", []
        )
        if any(k["AccessKeyId"] == key and k["Status"] == "Inactive" for k in current):
            return KeyOutcome(profile.name, mask(key), "already inactive")
        deadline.run("IAM UpdateAccessKey", lambda: iam.update_access_key(AccessKeyId=key, Status="Inactive", **kwargs))
    except ClientError as exc:
        code = clients.error_code(exc) or "error"
        return KeyOutcome(profile.name, mask(key), "refused", f"{code}: {exc.response['Error'].get('Message', '')}")
    except BotoCoreError as exc:  # unreachable, cut short: one line, as for every call
        return KeyOutcome(profile.name, mask(key), "refused", str(clients.translate(exc, "IAM")))
    except SsoHelperError as exc:
        return KeyOutcome(profile.name, mask(key), "refused", str(exc))
    return KeyOutcome(profile.name, mask(key), "deactivated")

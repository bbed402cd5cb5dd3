"""Access keys a migration deactivated: recorded beside its backup, so that a rollback can say
that the keys it restores are Inactive, and reactivate them when asked (never silently).

An Inactive key cannot sign the call that reactivates it, so reactivation uses the SSO role the
profile was migrated to (IAM GetAccessKeyLastUsed names the key's user, UpdateAccessKey sets
it Active). That role needs the IAM permissions; a refusal is reported per key.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from dataclasses import dataclass

from ssohelper.aws import clients, deadline
from ssohelper.cache.fileio import Untrusted, read_trusted, write_atomic
from ssohelper.errors import ConfigError, SsoHelperError
from ssohelper.journal import backups
from ssohelper.migration.discovery import KeyOutcome
from ssohelper.models import RoleCredentials, RoleTarget, SsoSession, mask

RECORD = "deactivated-keys.json"


@dataclass(frozen=True)
class Deactivated:
    profile: str
    access_key_id: str  # an ID, not a secret; shown masked
    sso_session: str
    account_id: str
    role_name: str
    # The session's URL and region: the rollback that brings the key back may also remove the
    # [sso-session] the migration added, and reactivation still needs to sign in through it.
    start_url: str | None = None
    region: str | None = None


def record(directory: str, keys: list[Deactivated]) -> None:
    """Remember (0600, beside the backup) which keys this migration made Inactive."""
    path = os.path.join(directory, RECORD)
    if not keys:
        if os.path.exists(path):
            os.unlink(path)
        return
    write_atomic(path, json.dumps([dataclasses.asdict(k) for k in keys], indent=1).encode())


def recorded(directory: str) -> list[Deactivated]:
    """The keys a migration deactivated; none when there is no (trusted, readable) record."""
    try:
        raw = json.loads(read_trusted(os.path.join(directory, RECORD)))
        return [Deactivated(**item) for item in raw]
    except (OSError, Untrusted, ValueError, TypeError):
        return []


def latest_rolled_back() -> backups.Backup | None:
    """The newest rolled-back migration that still has Inactive keys on record."""
    return next((b for b in backups.list_backups() if b.rolled_back and recorded(b.directory)), None)


def reactivate(
    directory: str, *, credentials_for: Callable[[RoleTarget], RoleCredentials] | None = None
) -> list[KeyOutcome]:
    """Set every recorded key Active again, with the SSO role of its profile; those done are
    struck from the record."""
    credentials_for = credentials_for or _role_credentials
    outcomes, left = [], []
    for key in recorded(directory):
        outcome = _reactivate(key, credentials_for)
        outcomes.append(outcome)
        if outcome.result != "reactivated":
            left.append(key)
    record(directory, left)
    return outcomes


def _reactivate(key: Deactivated, credentials_for: Callable[[RoleTarget], RoleCredentials]) -> KeyOutcome:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        session = _session(key)
        iam = clients.make("iam", credentials=credentials_for(RoleTarget(session, key.account_id, key.role_name)))
        used = deadline.run(
            "IAM GetAccessKeyLastUsed", lambda: iam.get_access_key_last_used(AccessKeyId=key.access_key_id)
        )
        user = used["UserName"]
        deadline.run(
            "IAM UpdateAccessKey",
            lambda: iam.update_access_key(UserName=user, AccessKeyId=key.access_key_id, Status="Active"),
        )
    except ClientError as exc:
        code = clients.error_code(exc) or "error"
        return KeyOutcome(
            key.profile, mask(key.access_key_id), "refused", f"{code}: {exc.response['Error'].get('Message', '')}"
        )
    except BotoCoreError as exc:  # unreachable, cut short: one line, as for every call
        return KeyOutcome(key.profile, mask(key.access_key_id), "refused", str(clients.translate(exc, "IAM")))
    except (SsoHelperError, KeyError) as exc:
        return KeyOutcome(key.profile, mask(key.access_key_id), "refused", str(exc) or exc.__class__.__name__)
    return KeyOutcome(key.profile, mask(key.access_key_id), "reactivated")


def _session(key: Deactivated) -> SsoSession:
    """The key's session as the config has it, else as the migration recorded it."""
    from ssohelper.ini import awsconfig

    try:
        return awsconfig.load().resolve_session(sso_session=key.sso_session)
    except ConfigError:
        if not (key.start_url and key.region):
            raise
        return SsoSession(key.start_url, key.region, key.sso_session)


def _role_credentials(target: RoleTarget) -> RoleCredentials:
    from ssohelper.roles.chain import from_document
    from ssohelper.roles.credential_process import fetch
    from ssohelper.settings import load_process_settings

    return from_document(fetch(target, load_process_settings()))

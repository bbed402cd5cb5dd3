"""Rotating a static key that must stay: prove the new key, then switch; deactivate, then delete.

``rotate`` checks IAM's two-key limit before creating anything, creates the new key, keeps its
secret (0600) before anything else, proves it with STS (retrying while IAM propagates), writes
it into the profile (journalled, every other byte kept), and deactivates the old key. Deleting
the old key is a later, separate step (``finish``); ``rollback`` puts the file back and
reactivates the old key. Every step is recorded, so a run killed anywhere is finished by the next.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ssohelper import paths, times
from ssohelper.aws import clients
from ssohelper.errors import AwsError, ConfigError, NotApplied, SsoHelperError, UsageError
from ssohelper.journal import backups, recovery
from ssohelper.journal import rollback as restoring
from ssohelper.keys import iam, record
from ssohelper.keys.record import CREATED, CREATING, DEACTIVATED, FINISHED, OPEN, ROLLED_BACK, SWITCHED, Rotation
from ssohelper.migration.planner import read_document
from ssohelper.migration.rewrite import StaticProfile, config_profiles, survey
from ssohelper.models import mask

PROOF_WAIT = 60.0  # seconds: a new key usually signs within ten (IAM is eventually consistent)
SCP_HINT = (
    "an SCP denies it; exempt the principal that rotates keys "
    "(ssohelper scp-policy --allow-principal ARN ...), or rotate with --admin-profile"
)


@dataclass(frozen=True)
class Step:
    """What a run did, in words for stderr (key IDs masked)."""

    rotation: Rotation
    done: list[str]


def now() -> str:
    return times.format_epoch(time.time())


def static_profile(name: str) -> StaticProfile:
    """The profile's static keys as botocore reads them; refused when it has none to rotate."""
    _, config, _ = read_document(paths.aws_config_file())
    _, credentials, _ = read_document(paths.aws_credentials_file())
    found = survey(config, credentials, only=[name])
    if not found.static:
        reason = found.skipped[0][1] if found.skipped else "has no static keys"
        raise ConfigError(f"profile '{name}' {reason}; rotate-key rotates a profile's long-term access key")
    profile = found.static[0]
    if profile.session_token or not (profile.access_key_id or "").startswith("AKIA"):
        raise UsageError(f"profile '{name}' holds temporary credentials; only long-term (AKIA) keys are rotated")
    return profile


def rotate(name: str, *, admin_profile: str | None = None, sleep: Callable[[float], None] = time.sleep) -> Step:
    """Start a rotation, or carry an unfinished one to the end."""
    current = _settled(name)
    if current is not None and current.state in OPEN:
        return _resume(current, sleep)
    if current is not None and current.state == DEACTIVATED:
        raise NotApplied(
            f"the last rotation of '{name}' left its old key {mask(current.old_key_id)} inactive; delete it first: "
            f"ssohelper rotate-key --profile {name} --finish (or undo it: --rollback)"
        )
    profile = static_profile(name)
    old = iam.Keys(profile.access_key_id or "", profile.secret_access_key or "")
    admin = clients.make("iam", profile=admin_profile) if admin_profile else clients.make("iam", credentials=old)
    identity = iam.call("STS GetCallerIdentity", lambda: clients.make("sts", credentials=old).get_caller_identity())
    user = _user_name(identity.get("Arn", ""), name)
    _check_room(admin, user, old.access_key_id)
    rotation = Rotation(name, user, str(identity.get("Account", "")), old.access_key_id, CREATING, now(), None, None)
    rotation = rotation.moved(admin_profile=admin_profile)
    record.save(rotation)
    created = _create(admin, user)
    record.keep_secret(name, created["AccessKeyId"], created["SecretAccessKey"])
    rotation = rotation.moved(state=CREATED, new_key_id=created["AccessKeyId"])
    record.save(rotation)
    return _resume(rotation, sleep, [f"created {mask(created['AccessKeyId'])} for IAM user {user}"])


def _settled(name: str) -> Rotation | None:
    """The rotation's record, after finishing an interrupted file write; a run killed after the
    switch but before recording it is recorded as switched (the file holds the proven key)."""
    recovery.recover(record.ledger(name))
    rotation = record.load(name)
    if rotation is not None and rotation.state == CREATED:
        held = static_profile(name).access_key_id
        if held == rotation.new_key_id:
            rotation = rotation.moved(state=SWITCHED, switched_at=now())
            record.save(rotation)
            record.forget_secret(name)
    return rotation


def _user_name(arn: str, profile: str) -> str:
    if ":user/" not in arn:
        raise ConfigError(f"profile '{profile}' does not sign as an IAM user ({arn or 'no ARN'}); nothing to rotate")
    return arn.rsplit("/", 1)[1]


def _check_room(admin: Any, user: str, old_key_id: str) -> None:
    """IAM allows two keys per user: refuse before creating anything when both are taken."""
    keys = iam.user_keys(admin, user)
    others = [k for k in keys if k["AccessKeyId"] != old_key_id]
    if len(keys) >= 2 and others:
        other = others[0]
        raise NotApplied(
            f"IAM user {user} already has two access keys (the other is {mask(other['AccessKeyId'])}, "
            f"{other.get('Status', '?')}); nothing was created. Clear it first: aws iam delete-access-key "
            f"--user-name {user} --access-key-id {other['AccessKeyId']} (after checking nothing uses it)"
        )


def _create(admin: Any, user: str) -> dict[str, Any]:
    try:
        answer = iam.call("IAM CreateAccessKey", lambda: admin.create_access_key(UserName=user))
    except AwsError as exc:
        if "service control polic" in str(exc).lower():
            raise AwsError(f"IAM CreateAccessKey was refused: {SCP_HINT}") from None
        raise
    return dict(answer["AccessKey"])


def _resume(rotation: Rotation, sleep: Callable[[float], None], done: list[str] | None = None) -> Step:
    done = list(done or [])
    if rotation.state == CREATING:
        return Step(_forget_lost_key(rotation), [*done, "an earlier run was stopped while creating the key"])
    if rotation.state == CREATED:
        secret = record.kept_secret(rotation.profile, rotation.new_key_id or "")
        if secret is None:
            return Step(_forget_lost_key(rotation), [*done, "the new key's kept secret was lost"])
        new = iam.Keys(rotation.new_key_id or "", secret)
        _prove(new, rotation.user, sleep)
        done.append(f"proved {mask(new.access_key_id)} with STS")
        _switch(rotation.profile, new)
        rotation = rotation.moved(state=SWITCHED, switched_at=now())
        record.save(rotation)
        record.forget_secret(rotation.profile)
        done.append(f"profile '{rotation.profile}' now uses {mask(new.access_key_id)} (backup kept)")
    if rotation.state == SWITCHED:
        iam.set_status(_admin(rotation), rotation.user, rotation.old_key_id, "Inactive")
        rotation = rotation.moved(state=DEACTIVATED)
        record.save(rotation)
        done.append(f"deactivated the old key {mask(rotation.old_key_id)} (not deleted)")
    return Step(rotation, done)


def _forget_lost_key(rotation: Rotation) -> Rotation:
    """The new key can't be used (its secret was never kept, or is lost): delete it. It was never
    in any file, so nothing can depend on it. The profile still holds the old key."""
    admin = _admin(rotation)
    started = times.parse_datetime(rotation.started_at)
    for key in iam.user_keys(admin, rotation.user):
        key_id = key["AccessKeyId"]
        ours = key_id == rotation.new_key_id or (
            rotation.new_key_id is None and key_id != rotation.old_key_id and key.get("CreateDate", started) >= started
        )
        if ours:
            _delete(admin, rotation.user, key_id)
    record.forget_secret(rotation.profile)
    rotation = rotation.moved(state=ROLLED_BACK)
    record.save(rotation)
    return rotation


def _delete(admin: Any, user: str, key_id: str) -> None:
    iam.call("IAM DeleteAccessKey", lambda: admin.delete_access_key(UserName=user, AccessKeyId=key_id))


def _prove(new: iam.Keys, user: str, sleep: Callable[[float], None]) -> None:
    """STS must accept the new key (as that user) before anything switches to it."""
    waited, pause = 0.0, 1.0
    while True:
        try:
            identity = iam.call(
                "STS GetCallerIdentity (new key)", lambda: clients.make("sts", credentials=new).get_caller_identity()
            )
        except AwsError as exc:
            if waited >= PROOF_WAIT or (
                "InvalidClientTokenId" not in str(exc) and "SignatureDoesNotMatch" not in str(exc)
            ):
                raise AwsError(
                    f"the new key does not work yet ({exc}); the profile was not changed: run rotate-key again"
                ) from None
            sleep(pause)
            waited, pause = waited + pause, min(pause * 2, 8.0)
            continue
        if identity.get("Arn", "").rsplit("/", 1)[-1] != user:
            raise AwsError(f"the new key signs as {identity.get('Arn')}, not as {user}; the profile was not changed")
        return


def _switch(profile: str, new: iam.Keys) -> None:
    """Write the new key where the old one was (credentials file, config, or both), journalled."""
    changes = []
    for path in (paths.aws_credentials_file(), paths.aws_config_file()):
        before, document, _ = read_document(path)
        header = profile if path == paths.aws_credentials_file() else config_profiles(document).get(profile)
        if not header or not document.has_section(header) or not document.get(header, "aws_access_key_id"):
            continue
        document.set(header, "aws_access_key_id", new.access_key_id)
        document.set(header, "aws_secret_access_key", new.secret_access_key)
        changes.append(backups.FileChange(path, before, document.render().encode()))
    if not changes:
        raise NotApplied(f"profile '{profile}' no longer has static keys in either file; nothing was switched")
    backups.apply(changes, record.ledger(profile))


def _admin(rotation: Rotation) -> Any:
    """Who signs IAM calls: the admin profile, else the key the profile holds now."""
    if rotation.admin_profile:
        return clients.make("iam", profile=rotation.admin_profile)
    held = static_profile(rotation.profile)
    return clients.make("iam", credentials=iam.Keys(held.access_key_id or "", held.secret_access_key or ""))


def finish(name: str, *, force: bool = False) -> Step:
    """Delete the old key: only once it is inactive; a use after the switch is refused without ``force``."""
    rotation = _open_record(name, (DEACTIVATED,), "finish")
    admin = _admin(rotation)
    keys = {k["AccessKeyId"]: k for k in iam.user_keys(admin, rotation.user)}
    old = keys.get(rotation.old_key_id)
    done = []
    if old is not None:
        if old.get("Status") != "Inactive":
            raise NotApplied(f"the old key {mask(rotation.old_key_id)} is Active again; it was not deleted")
        used = iam.last_used(admin, rotation.old_key_id).get("AccessKeyLastUsed", {}).get("LastUsedDate")
        if used is not None and times.format_epoch(used.timestamp()) > (rotation.switched_at or ""):
            when = times.format_epoch(used.timestamp())
            if not force:
                raise NotApplied(
                    f"the old key {mask(rotation.old_key_id)} was used at {when}, after the switch: something "
                    "else still has it; find it, or delete anyway with --finish --yes"
                )
            done.append(f"the old key was used at {when}, after the switch")
        _delete(admin, rotation.user, rotation.old_key_id)
    done.append(f"deleted the old key {mask(rotation.old_key_id)}")
    rotation = rotation.moved(state=FINISHED)
    record.save(rotation)
    return Step(rotation, done)


def rollback(name: str) -> Step:
    """Reactivate the old key, put the file back, and deactivate the new key."""
    rotation = _open_record(name, (CREATING, CREATED, SWITCHED, DEACTIVATED), "roll back")
    if rotation.state in (CREATING, CREATED):
        return Step(_forget_lost_key(rotation), ["removed the new key; the profile was never switched"])
    admin = _admin(rotation)  # signs with the new key, which the file holds now
    iam.set_status(admin, rotation.user, rotation.old_key_id, "Active")
    done = [f"reactivated the old key {mask(rotation.old_key_id)}"]
    plan = restoring.plan_rollback(record.ledger(name))
    restoring.rollback(plan)
    done.append(f"profile '{name}' uses the old key again")
    try:
        iam.set_status(admin, rotation.user, rotation.new_key_id or "", "Inactive")
        done.append(f"deactivated the new key {mask(rotation.new_key_id)} (delete it when you like)")
    except SsoHelperError as exc:
        done.append(f"the new key {mask(rotation.new_key_id)} could not be deactivated: {exc}")
    rotation = rotation.moved(state=ROLLED_BACK)
    record.save(rotation)
    return Step(rotation, done)


def _open_record(name: str, states: tuple[str, ...], doing: str) -> Rotation:
    rotation = _settled(name)
    if rotation is None or rotation.state not in states:
        state = "no rotation" if rotation is None else f"its last rotation is {rotation.state}"
        raise NotApplied(
            f"profile '{name}' has nothing to {doing} ({state}); run: ssohelper rotate-key --profile {name}"
        )
    return rotation

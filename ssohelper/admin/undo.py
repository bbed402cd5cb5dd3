"""``iam-users apply --rollback``: remove exactly what apply created, newest first.

Only what the journal names is touched: assignments (each deletion awaited), then permission
sets, group memberships and groups. Each is struck from the journal once gone (or found gone
already), so an interrupted rollback can simply be run again. Nothing that existed before
apply is ever removed, because apply never journals what it found.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ssohelper.admin.apply import wait_for
from ssohelper.admin.center import instance, sso_call
from ssohelper.admin.ledger import ledger_for
from ssohelper.errors import AwsError


def journalled(sso_admin: Any) -> list[dict[str, Any]]:
    """What a rollback would remove (for the confirmation), newest first."""
    instance_arn, _ = instance(sso_admin)
    return list(reversed(ledger_for(instance_arn).created))


def roll_back(sso_admin: Any, store: Any, *, sleep: Callable[[float], None] = time.sleep) -> list[str]:
    instance_arn, store_id = instance(sso_admin)
    ledger = ledger_for(instance_arn)
    done: list[str] = []
    for entry in list(reversed(ledger.created)):
        try:
            _undo(entry, sso_admin, store, instance_arn, store_id, sleep)
            done.append(describe(entry, "removed"))
        except AwsError as exc:
            if "ResourceNotFoundException" not in str(exc):
                raise
            done.append(describe(entry, "already gone:"))
        ledger.forget(entry)
    return done


def _undo(entry: dict[str, Any], sso_admin: Any, store: Any, instance_arn: str, store_id: str, sleep: Any) -> None:
    kind = entry["kind"]
    if kind == "assignment":
        ids = {k: entry[k] for k in ("TargetId", "TargetType", "PermissionSetArn", "PrincipalType", "PrincipalId")}
        status = sso_call(sso_admin, "delete_account_assignment", InstanceArn=instance_arn, **ids)
        wait_for(sso_admin, "deletion", instance_arn, status["AccountAssignmentDeletionStatus"], sleep)
    elif kind == "permission_set":
        sso_call(sso_admin, "delete_permission_set", InstanceArn=instance_arn, PermissionSetArn=entry["arn"])
    elif kind == "membership":
        sso_call(store, "delete_group_membership", IdentityStoreId=store_id, MembershipId=entry["membership_id"])
    elif kind == "group":
        sso_call(store, "delete_group", IdentityStoreId=store_id, GroupId=entry["group_id"])


def describe(entry: dict[str, Any], verb: str) -> str:
    kind = entry["kind"]
    if kind == "assignment":
        what = f"assignment of {entry['PermissionSetArn'].rsplit('/', 1)[-1]} in {entry['TargetId']}"
        return f"{verb} {what} to {entry['PrincipalType'].lower()} {entry['PrincipalId']}"
    if kind == "permission_set":
        return f"{verb} permission set {entry['name']}"
    if kind == "membership":
        return f"{verb} group membership {entry['membership_id']}"
    return f"{verb} group {entry.get('name', entry.get('group_id'))}"

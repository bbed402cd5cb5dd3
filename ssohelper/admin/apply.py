"""Carry out a reviewed plan in Identity Center, journalled, changing only what is missing.

Groups and their members, then permission sets and their policies, then the assignments (each
awaited until Identity Center reports it done; an assignment provisions its set to its
account). A set an interrupted apply left half made is completed here and provisioned again to
every account it is in. Whatever already exists as planned is left alone, so a second apply
changes nothing. IAM is never called: IAM users and their keys stay as they are.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ssohelper.admin.center import Center, read_center, sso_call
from ssohelper.admin.freshness import require_fresh
from ssohelper.admin.ledger import Ledger, ledger_for
from ssohelper.admin.plandoc import policies_in
from ssohelper.errors import AwsError

DESCRIPTION = "Made by ssohelper iam-users from IAM users' permissions"
WAIT_LIMIT = 300.0  # seconds an assignment or provisioning may take


def apply_plan(
    plan: dict[str, Any],
    sso_admin: Any,
    store: Any,
    *,
    confirm: Callable[[], None] = lambda: None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """Make Identity Center match ``plan``; what was done, in words (empty: nothing to do).
    ``confirm`` is asked once the plan is known to fit, before the first change."""
    center = read_center(sso_admin, store)
    ledger = ledger_for(center.instance_arn)
    require_fresh(plan, center, ledger)
    confirm()
    done: list[str] = []
    group_ids = _groups(plan, center, store, ledger, done)
    set_arns, topped_up = _sets(plan, center, sso_admin, ledger, done)
    _assign(plan, center, sso_admin, group_ids, set_arns, ledger, done, sleep)
    for name in sorted(topped_up):
        _provision(sso_admin, center.instance_arn, set_arns[name], sleep)
    return done


def _groups(plan: dict[str, Any], center: Center, store: Any, ledger: Ledger, done: list[str]) -> dict[str, str]:
    ids: dict[str, str] = {}
    for group in plan["groups"]:
        found = center.group_named(group["name"])
        members = found.members if found else frozenset()
        if found is None:
            made = sso_call(
                store,
                "create_group",
                IdentityStoreId=center.identity_store_id,
                DisplayName=group["name"],
                Description=DESCRIPTION,
            )
            ledger.record({"kind": "group", "group_id": made["GroupId"], "name": group["name"]})
            done.append(f"created group {group['name']}")
        group_id = found.group_id if found else made["GroupId"]
        for member in group["members"]:
            if member["user_id"] not in members:
                made_m = sso_call(
                    store,
                    "create_group_membership",
                    IdentityStoreId=center.identity_store_id,
                    GroupId=group_id,
                    MemberId={"UserId": member["user_id"]},
                )
                ledger.record({"kind": "membership", "membership_id": made_m["MembershipId"], "group_id": group_id})
                done.append(f"added {member['user_name']} to group {group['name']}")
        ids[group["name"]] = group_id
    return ids


def _sets(
    plan: dict[str, Any], center: Center, sso_admin: Any, ledger: Ledger, done: list[str]
) -> tuple[dict[str, str], set[str]]:
    arns: dict[str, str] = {}
    topped_up: set[str] = set()
    for planned in plan["permission_sets"]:
        found = center.set_named(planned["name"])
        wanted = policies_in(planned)
        if found is not None and found.policies == wanted:
            arns[planned["name"]] = found.arn
            continue
        if found is None:
            arn = sso_call(
                sso_admin,
                "create_permission_set",
                InstanceArn=center.instance_arn,
                Name=planned["name"],
                Description=DESCRIPTION,
            )["PermissionSet"]["PermissionSetArn"]
            ledger.record({"kind": "permission_set", "arn": arn, "name": planned["name"]})
            done.append(f"created permission set {planned['name']}")
        else:  # one an earlier apply created and did not finish (freshness checked the journal)
            arn = found.arn
            topped_up.add(planned["name"])
            done.append(f"completed permission set {planned['name']}")
        _policies(sso_admin, center.instance_arn, arn, planned, found.policies if found else None)
        arns[planned["name"]] = arn
    return arns, topped_up


def _policies(sso_admin: Any, instance_arn: str, arn: str, planned: dict[str, Any], has: Any) -> None:
    ids = {"InstanceArn": instance_arn, "PermissionSetArn": arn}
    for policy in planned["aws_managed_policies"]:
        if has is None or policy not in has.aws_managed:
            sso_call(sso_admin, "attach_managed_policy_to_permission_set", ManagedPolicyArn=policy, **ids)
    for ref in planned["customer_managed_policies"]:
        if has is None or (ref["path"], ref["name"]) not in has.customer_managed:
            sso_call(
                sso_admin,
                "attach_customer_managed_policy_reference_to_permission_set",
                CustomerManagedPolicyReference={"Name": ref["name"], "Path": ref["path"]},
                **ids,
            )
    wanted = policies_in(planned).inline
    if wanted is not None and (has is None or has.inline != wanted):
        sso_call(sso_admin, "put_inline_policy_to_permission_set", InlinePolicy=wanted, **ids)


def _assign(
    plan: dict[str, Any],
    center: Center,
    sso_admin: Any,
    group_ids: dict[str, str],
    set_arns: dict[str, str],
    ledger: Ledger,
    done: list[str],
    sleep: Callable[[float], None],
) -> None:
    held = {(a.account_id, a.set_arn, a.principal_type, a.principal_id) for a in center.assignments}
    for a in plan["assignments"]:
        kind = a["principal_type"]
        principal = a["principal_id"] if kind == "USER" else group_ids[a["principal_name"]]
        arn = set_arns[a["permission_set"]]
        if (a["account_id"], arn, kind, principal) in held:
            continue
        ids = {
            "InstanceArn": center.instance_arn,
            "TargetId": a["account_id"],
            "TargetType": "AWS_ACCOUNT",
            "PermissionSetArn": arn,
            "PrincipalType": kind,
            "PrincipalId": principal,
        }
        status = sso_call(sso_admin, "create_account_assignment", **ids)["AccountAssignmentCreationStatus"]
        entry = {"kind": "assignment", **{k: v for k, v in ids.items() if k != "InstanceArn"}}
        ledger.record(entry)
        wait_for(sso_admin, "creation", center.instance_arn, status, sleep)
        done.append(f"assigned {a['permission_set']} in {a['account_id']} to {kind.lower()} {a['principal_name']}")


def wait_for(
    sso_admin: Any, what: str, instance_arn: str, status: dict[str, Any], sleep: Callable[[float], None]
) -> None:
    """Until the assignment's ``what`` (creation or deletion) is no longer in progress: growing waits."""
    operation = f"describe_account_assignment_{what}_status"
    key = "AccountAssignmentCreationStatus" if what == "creation" else "AccountAssignmentDeletionStatus"
    waited, pause = 0.0, 0.5
    while status.get("Status") == "IN_PROGRESS" and waited < WAIT_LIMIT:
        sleep(pause)
        waited, pause = waited + pause, min(pause * 2, 8.0)
        request = {f"AccountAssignment{what.title()}RequestId": status["RequestId"]}
        status = sso_call(sso_admin, operation, InstanceArn=instance_arn, **request)[key]
    if status.get("Status") != "SUCCEEDED":
        reason = status.get("FailureReason") or f"still {status.get('Status')} after {WAIT_LIMIT:.0f} s"
        raise AwsError(f"the account assignment {what} in {status.get('TargetId', '?')} failed: {reason}")


def _provision(sso_admin: Any, instance_arn: str, arn: str, sleep: Callable[[float], None]) -> None:
    """Provision ``arn`` again to every account it is provisioned to, and wait for it."""
    status = sso_call(
        sso_admin,
        "provision_permission_set",
        InstanceArn=instance_arn,
        PermissionSetArn=arn,
        TargetType="ALL_PROVISIONED_ACCOUNTS",
    )["PermissionSetProvisioningStatus"]
    waited, pause = 0.0, 0.5
    while status.get("Status") == "IN_PROGRESS" and waited < WAIT_LIMIT:
        sleep(pause)
        waited, pause = waited + pause, min(pause * 2, 8.0)
        status = sso_call(
            sso_admin,
            "describe_permission_set_provisioning_status",
            InstanceArn=instance_arn,
            ProvisionPermissionSetRequestId=status["RequestId"],
        )["PermissionSetProvisioningStatus"]
    if status.get("Status") != "SUCCEEDED":
        raise AwsError(f"provisioning {arn} failed: {status.get('FailureReason') or status.get('Status')}")

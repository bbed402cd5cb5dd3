"""What an Identity Center instance holds, read with the administrator's profile.

The instance (there must be exactly one), its identity store's users, groups and memberships,
every permission set with its policies, and the account assignments of every user and group
(ListAccountAssignmentsForPrincipal: one listing per principal, not per account and set).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ssohelper.aws import clients, deadline
from ssohelper.errors import AwsError, ConfigError


@dataclass(frozen=True)
class Person:
    user_id: str
    user_name: str
    emails: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    group_id: str
    name: str
    members: frozenset[str] = frozenset()  # user IDs


@dataclass(frozen=True)
class Policies:
    """What a permission set grants: AWS managed ARNs, customer managed (path, name), the inline document."""

    aws_managed: tuple[str, ...] = ()
    customer_managed: tuple[tuple[str, str], ...] = ()
    inline: str | None = None  # canonical JSON (sorted keys, compact)


@dataclass(frozen=True)
class PermissionSet:
    arn: str
    name: str
    policies: Policies


@dataclass(frozen=True)
class Assignment:
    account_id: str
    set_arn: str
    principal_type: str  # USER or GROUP
    principal_id: str


@dataclass(frozen=True)
class Center:
    instance_arn: str
    identity_store_id: str
    people: tuple[Person, ...] = ()
    groups: tuple[Group, ...] = ()
    sets: tuple[PermissionSet, ...] = ()
    assignments: tuple[Assignment, ...] = ()

    def set_named(self, name: str) -> PermissionSet | None:
        return next((s for s in self.sets if s.name == name), None)

    def group_named(self, name: str) -> Group | None:
        return next((g for g in self.groups if g.name == name), None)


def canonical(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def sso_call(client: Any, operation: str, *, paged: str | None = None, **params: Any) -> Any:
    """``client.operation(**params)`` under the call deadline; with ``paged``, every page's items."""
    from ssohelper.aws.portal import each_page

    what = f"{client.meta.service_model.service_name} {operation}"
    with clients.calling(what):
        if paged is None:
            return deadline.run(what, lambda: getattr(client, operation)(**params))
        items: list[Any] = []
        for page in each_page(what, client.get_paginator(operation).paginate(**params)):
            items.extend(page.get(paged, []))
        return items


def instance(sso_admin: Any) -> tuple[str, str]:
    """(instance ARN, identity store ID) of the one instance the profile administers."""
    found = sso_call(sso_admin, "list_instances", paged="Instances")
    if len(found) != 1:
        detail = "none" if not found else f"{len(found)}"
        raise ConfigError(f"the profile must administer exactly one Identity Center instance; it sees {detail}")
    return found[0]["InstanceArn"], found[0]["IdentityStoreId"]


def read_center(sso_admin: Any, store: Any) -> Center:
    instance_arn, store_id = instance(sso_admin)
    people = tuple(
        Person(u["UserId"], u.get("UserName", ""), tuple(e["Value"] for e in u.get("Emails", []) if e.get("Value")))
        for u in sso_call(store, "list_users", paged="Users", IdentityStoreId=store_id)
    )
    groups = tuple(
        _group(store, store_id, g) for g in sso_call(store, "list_groups", paged="Groups", IdentityStoreId=store_id)
    )
    sets = tuple(read_set(sso_admin, instance_arn, arn) for arn in permission_set_arns(sso_admin, instance_arn))
    assignments: list[Assignment] = []
    for kind, ids in (("USER", [p.user_id for p in people]), ("GROUP", [g.group_id for g in groups])):
        for principal in ids:
            assignments.extend(assignments_of(sso_admin, instance_arn, kind, principal))
    return Center(instance_arn, store_id, people, groups, sets, tuple(assignments))


def _group(store: Any, store_id: str, found: dict[str, Any]) -> Group:
    memberships = sso_call(
        store, "list_group_memberships", paged="GroupMemberships", IdentityStoreId=store_id, GroupId=found["GroupId"]
    )
    members = frozenset(m["MemberId"]["UserId"] for m in memberships if "UserId" in m.get("MemberId", {}))
    return Group(found["GroupId"], found.get("DisplayName", ""), members)


def permission_set_arns(sso_admin: Any, instance_arn: str) -> list[str]:
    return list(sso_call(sso_admin, "list_permission_sets", paged="PermissionSets", InstanceArn=instance_arn))


def read_set(sso_admin: Any, instance_arn: str, arn: str) -> PermissionSet:
    ids = {"InstanceArn": instance_arn, "PermissionSetArn": arn}
    name = sso_call(sso_admin, "describe_permission_set", **ids)["PermissionSet"]["Name"]
    managed = sso_call(sso_admin, "list_managed_policies_in_permission_set", paged="AttachedManagedPolicies", **ids)
    customer = sso_call(
        sso_admin,
        "list_customer_managed_policy_references_in_permission_set",
        paged="CustomerManagedPolicyReferences",
        **ids,
    )
    inline = sso_call(sso_admin, "get_inline_policy_for_permission_set", **ids).get("InlinePolicy") or None
    try:
        document = canonical(json.loads(inline)) if inline else None
    except ValueError:
        raise AwsError(f"permission set {name}: its inline policy is not JSON") from None
    policies = Policies(
        tuple(sorted(m["Arn"] for m in managed)),
        tuple(sorted((c.get("Path") or "/", c["Name"]) for c in customer)),
        document,
    )
    return PermissionSet(arn, name, policies)


def assignments_of(sso_admin: Any, instance_arn: str, kind: str, principal_id: str) -> list[Assignment]:
    found = sso_call(
        sso_admin,
        "list_account_assignments_for_principal",
        paged="AccountAssignments",
        InstanceArn=instance_arn,
        PrincipalId=principal_id,
        PrincipalType=kind,
    )
    return [Assignment(a["AccountId"], a["PermissionSetArn"], kind, principal_id) for a in found]

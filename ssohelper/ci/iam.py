"""``ci-role --apply`` and ``--check``: the OIDC provider and the role in IAM, through botocore.

Apply is idempotent: it creates the provider only when the account has none for the issuer,
adds the audience to one that lacks it, creates the role or brings its trust policy, session
length and managed policies to what was asked, and reports each change (none on a second run).
Managed policies attached by someone else are left attached, and said so.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ssohelper.aws import clients, deadline
from ssohelper.ci.trust import WEB_IDENTITY, RoleSpec, trust_policy
from ssohelper.errors import SsoHelperError, UsageError

T = TypeVar("T")


@dataclass
class Applied:
    role_arn: str
    provider_arn: str
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _call(what: str, call: Callable[[], T]) -> T:
    with clients.calling(what):
        return deadline.run(what, call)


def account_of(spec: RoleSpec, sts: Any) -> tuple[str, str]:
    """(partition, account) of the admin credentials; a partition other than the one the
    workflows' regions need is refused (a China role is an aws-cn role, never an aws one)."""
    identity = _call("STS GetCallerIdentity", sts.get_caller_identity)
    partition = str(identity["Arn"]).split(":")[1]
    if partition != spec.partition:
        raise UsageError(
            f"the role must be in the {spec.partition} partition (the workflows' regions), but the profile's "
            f"credentials are for {partition}: use a profile of an {spec.partition} account"
        )
    return partition, str(identity["Account"])


def role_arn(spec: RoleSpec, sts: Any) -> str:
    """The ARN the role has (or will have once created) in the admin credentials' account."""
    partition, account = account_of(spec, sts)
    return f"arn:{partition}:iam::{account}:role/{spec.role_name}"


def apply_role(spec: RoleSpec, *, iam: Any, sts: Any) -> Applied:
    """Create or update the provider and the role; a failure names what was already done."""
    partition, account = account_of(spec, sts)
    applied = Applied("", f"arn:{partition}:iam::{account}:oidc-provider/{spec.host}")
    try:
        _ensure_provider(spec, iam, applied)
        _ensure_role(spec, iam, applied)
        _ensure_policies(spec, iam, applied)
    except SsoHelperError as exc:
        if applied.changes:
            exc.message = f"{exc.message} (done before the failure: {'; '.join(applied.changes)})"
        raise
    return applied


def admits(spec: RoleSpec, role: dict, provider_arn: str, subjects: list[str]) -> list[str]:
    """The subjects the role's stored trust policy refuses (a token with the spec's audience)."""
    from ssohelper.ci.conditions import allows

    policy = trust_document(role)

    def admitted(sub: str) -> bool:
        return allows(policy, WEB_IDENTITY, provider_arn, {f"{spec.host}:aud": spec.audience, f"{spec.host}:sub": sub})

    return [sub for sub in subjects if not admitted(sub)]


def _ensure_provider(spec: RoleSpec, iam: Any, applied: Applied) -> None:
    listed = _call("IAM ListOpenIDConnectProviders", iam.list_open_id_connect_providers)
    arns = [p["Arn"] for p in listed.get("OpenIDConnectProviderList", [])]
    match = next((arn for arn in arns if arn.endswith(f":oidc-provider/{spec.host}")), None)
    if match is None:
        created = _call(
            "IAM CreateOpenIDConnectProvider",
            lambda: iam.create_open_id_connect_provider(Url=spec.provider_url, ClientIDList=[spec.audience]),
        )
        applied.provider_arn = created["OpenIDConnectProviderArn"]
        applied.changes.append(f"created the OIDC provider {spec.provider_url}")
        return
    applied.provider_arn = match
    found = _call(
        "IAM GetOpenIDConnectProvider", lambda: iam.get_open_id_connect_provider(OpenIDConnectProviderArn=match)
    )
    if spec.audience not in found.get("ClientIDList", []):
        _call(
            "IAM AddClientIDToOpenIDConnectProvider",
            lambda: iam.add_client_id_to_open_id_connect_provider(
                OpenIDConnectProviderArn=match, ClientID=spec.audience
            ),
        )
        applied.changes.append(f"added the audience {spec.audience} to the OIDC provider {spec.provider_url}")


def get_role(iam: Any, name: str) -> dict | None:
    """The role, or None when there is none of that name."""
    from botocore.exceptions import ClientError

    with clients.calling(f"IAM GetRole {name}"):
        try:
            return deadline.run("IAM GetRole", lambda: iam.get_role(RoleName=name))["Role"]
        except ClientError as exc:
            if clients.error_code(exc) == "NoSuchEntity":
                return None
            raise


def trust_document(role: dict) -> dict:
    """The role's trust policy as a dict (botocore decodes it; a string is parsed here)."""
    raw = role.get("AssumeRolePolicyDocument") or {}
    return json.loads(raw) if isinstance(raw, str) else raw


def _ensure_role(spec: RoleSpec, iam: Any, applied: Applied) -> None:
    wanted = trust_policy(spec, applied.provider_arn)
    role = get_role(iam, spec.role_name)
    if role is None:
        created = _call(
            "IAM CreateRole",
            lambda: iam.create_role(
                RoleName=spec.role_name,
                AssumeRolePolicyDocument=json.dumps(wanted),
                MaxSessionDuration=spec.max_session_duration,
                Description=f"Assumed by CI of {spec.repository} with its OIDC token (ssohelper ci-role)",
            ),
        )
        applied.role_arn = created["Role"]["Arn"]
        applied.changes.append(f"created the role {spec.role_name}")
        return
    applied.role_arn = role["Arn"]
    if _canonical(trust_document(role)) != _canonical(wanted):
        _call(
            "IAM UpdateAssumeRolePolicy",
            lambda: iam.update_assume_role_policy(RoleName=spec.role_name, PolicyDocument=json.dumps(wanted)),
        )
        applied.changes.append(f"replaced the trust policy of {spec.role_name}")
    if role.get("MaxSessionDuration") != spec.max_session_duration:
        _call(
            "IAM UpdateRole",
            lambda: iam.update_role(RoleName=spec.role_name, MaxSessionDuration=spec.max_session_duration),
        )
        applied.changes.append(f"set the maximum session of {spec.role_name} to {spec.max_session_duration} s")


def _ensure_policies(spec: RoleSpec, iam: Any, applied: Applied) -> None:
    listed = _call(
        "IAM ListAttachedRolePolicies", lambda: iam.list_attached_role_policies(RoleName=spec.role_name, MaxItems=1000)
    )
    attached = {p["PolicyArn"] for p in listed.get("AttachedPolicies", [])}
    for arn in spec.policy_arns:
        if arn not in attached:
            _attach(iam, spec.role_name, arn)
            applied.changes.append(f"attached {arn}")
    for arn in sorted(attached - set(spec.policy_arns)):
        applied.notes.append(f"left attached (not asked for): {arn}")


def _attach(iam: Any, role_name: str, arn: str) -> None:
    _call("IAM AttachRolePolicy", lambda: iam.attach_role_policy(RoleName=role_name, PolicyArn=arn))


def _canonical(policy: dict) -> str:
    return json.dumps(policy, sort_keys=True)

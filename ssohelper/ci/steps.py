"""The ``configure-aws-credentials`` steps of a job, as migrate-ci and ``ci-role
--from-workflows`` both see them: which will assume the new role, which chain to a role of
their own, the key pairs they hold, and the partition of their region.
"""

from __future__ import annotations

from dataclasses import dataclass

from ssohelper.ci import yamldoc
from ssohelper.ci.scan import KEY_INPUTS, uses_configure_action

KEYS = "keys"  # keys and no role: migrate-ci gives it the new role
CHAINED = "chained"  # keys and role-to-assume: migrate-ci drops the keys, the role stays
MIGRATED = "migrated"  # assumes the role asked about with the OIDC token (after migration)
PARTITIONS = (("cn-", "aws-cn", "sts.amazonaws.com.cn"), ("us-gov-", "aws-us-gov", "sts.amazonaws.com"))


@dataclass(frozen=True)
class JobSteps:
    """What a job's (or a composite action's) steps do that concerns the role."""

    regions: tuple[str, ...] = ()  # literal aws-region values
    chained: tuple[str, ...] = ()  # role-to-assume values of chained steps
    key_pairs: tuple[str, ...] = ()  # the distinct aws-access-key-id values
    assumes: bool = False  # some step assumes the new role after migration


def kind(step: object, role_name: str | None, plain: bool = True) -> str | None:
    """KEYS, CHAINED, MIGRATED or None. ``plain``: steps with keys and no role count as the
    role's (not when the role asked about is the one a chained step names)."""
    if not uses_configure_action(step):
        return None
    inputs = yamldoc.get(step, "with")
    keys = any(yamldoc.scalar(k) in KEY_INPUTS for k, _ in yamldoc.pairs(inputs))
    role = yamldoc.scalar(yamldoc.get(inputs, "role-to-assume"))
    if role and role_name and (role.endswith(f":role/{role_name}") or role.endswith(f"/{role_name}")):
        return MIGRATED  # assumes this role with the token (a chained step does, once its keys go)
    if keys:
        return CHAINED if role else KEYS if plain else None
    return None


def job_use(job: object, role_name: str | None, actions: dict[str, JobSteps], plain: bool = True) -> JobSteps | None:
    """What a job's steps (and the local actions it uses) do; None when none concerns the role."""
    regions: list[str] = []
    chained: list[str] = []
    pairs: list[str] = []
    assumes = False
    for step in yamldoc.entries(yamldoc.get(job, "steps")):
        uses = (yamldoc.scalar(yamldoc.get(step, "uses")) or "").rstrip("/")
        local = actions.get(uses)
        if local is not None:
            regions += local.regions
            chained += local.chained
            assumes = assumes or local.assumes
            continue
        found = kind(step, role_name, plain)
        if found is None:
            continue
        inputs = yamldoc.get(step, "with")
        region = yamldoc.scalar(yamldoc.get(inputs, "aws-region"))
        regions += [region] if region else []
        pair = yamldoc.scalar(yamldoc.get(inputs, "aws-access-key-id"))
        if found == CHAINED:
            chained.append(yamldoc.scalar(yamldoc.get(inputs, "role-to-assume")) or "")
        else:
            pairs += [pair] if found == KEYS and pair and pair not in pairs else []
            assumes = True
    if not (assumes or chained):
        return None
    return JobSteps(tuple(dict.fromkeys(regions)), tuple(dict.fromkeys(chained)), tuple(pairs), assumes)


def partition(region: str | None) -> tuple[str, str]:
    """(partition, the audience its STS expects) for a region (an expression: the aws one)."""
    for prefix, name, audience in PARTITIONS:
        if region and region.startswith(prefix):
            return name, audience
    return "aws", "sts.amazonaws.com"

"""Put the SCP in force (create or update it, attach it), take it off, and read what is in force.

Every change is made only when needed, so running apply twice changes nothing the second time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ssohelper.aws import clients
from ssohelper.errors import AwsError, ConfigError, UsageError
from ssohelper.org.calls import call
from ssohelper.org.scp import SCP_LIMIT
from ssohelper.org.scpcheck import Policy, Verdict, parse, verdicts

SCP = "SERVICE_CONTROL_POLICY"
DEFAULT_NAME = "ssohelper-deny-long-term-credentials"
DESCRIPTION = "Denies new IAM users and long-term credentials (ssohelper scp-policy)"
_TARGET = re.compile(r"^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|\d{12})$")


@dataclass(frozen=True)
class Applied:
    policy_id: str
    created: bool
    updated: bool
    attached: bool  # attached by this run
    management_account: bool  # the target is the management account: no SCP applies to it

    @property
    def changed(self) -> bool:
        return self.created or self.updated or self.attached


@dataclass(frozen=True)
class InForce:
    target: str
    enabled: bool  # SCPs are enabled in the organisation
    policies: tuple[Policy, ...]
    verdicts: tuple[Verdict, ...]
    management_account: bool

    @property
    def blocked(self) -> bool:
        return self.enabled and not self.management_account and all(v.blocked for v in self.verdicts)


def check_target(target: str) -> str:
    if not _TARGET.match(target):
        raise UsageError(
            f"--target takes a root (r-xxxx), an OU (ou-xxxx-xxxxxxxx) or a 12-digit account; not {target!r}"
        )
    return target


@contextmanager
def _calling(what: str) -> Iterator[None]:
    with clients.calling(f"Organizations {what}"):
        yield


def apply(orgs: Any, text: str, target: str, name: str = DEFAULT_NAME) -> Applied:
    """Create the policy (or update its content when it differs) and attach it to ``target``."""
    if len(text) > SCP_LIMIT:  # checked before any call
        raise UsageError(f"the policy is {len(text)} characters, over the {SCP_LIMIT}-character SCP limit")
    check_target(target)
    with _calling("apply"):
        _require_enabled(orgs)
        existing = _find(orgs, name)
        created = updated = False
        if existing is None:
            policy_id = call(orgs, "create_policy", Content=text, Description=DESCRIPTION, Name=name, Type=SCP)[
                "Policy"
            ]["PolicySummary"]["Id"]
            created = True
        else:
            policy_id = existing["Id"]
            current = call(orgs, "describe_policy", PolicyId=policy_id)["Policy"].get("Content", "")
            if parse(current) != json.loads(text):
                call(orgs, "update_policy", PolicyId=policy_id, Content=text)
                updated = True
        attached = target not in _targets(orgs, policy_id)
        if attached:
            call(orgs, "attach_policy", PolicyId=policy_id, TargetId=target)
        return Applied(policy_id, created, updated, attached, _is_management(orgs, target))


def detach(orgs: Any, target: str, name: str = DEFAULT_NAME) -> bool:
    """Detach the named policy from ``target``; False when it was not attached there."""
    check_target(target)
    with _calling("detach"):
        existing = _find(orgs, name)
        if existing is None or target not in _targets(orgs, existing["Id"]):
            return False
        call(orgs, "detach_policy", PolicyId=existing["Id"], TargetId=target)
        return True


def in_force(orgs: Any, target: str, actions: Sequence[str]) -> InForce:
    """The SCPs on ``target`` and its ancestors, and whether they deny each of ``actions``."""
    check_target(target)
    with _calling("check"):
        enabled = _enabled(orgs)
        policies: list[Policy] = []
        for node in _lineage(orgs, target) if enabled else []:
            for summary in call(orgs, "list_policies_for_target", paged="Policies", TargetId=node, Filter=SCP):
                content = call(orgs, "describe_policy", PolicyId=summary["Id"])["Policy"].get("Content", "")
                policies.append(Policy(summary["Id"], summary.get("Name", ""), node, parse(content)))
        found = tuple(verdicts(policies, actions))
        return InForce(target, enabled, tuple(policies), found, _is_management(orgs, target))


def _find(orgs: Any, name: str) -> dict[str, Any] | None:
    for summary in call(orgs, "list_policies", paged="Policies", Filter=SCP):
        if summary.get("Name") == name:
            return dict(summary)
    return None


def _targets(orgs: Any, policy_id: str) -> set[str]:
    return {t["TargetId"] for t in call(orgs, "list_targets_for_policy", paged="Targets", PolicyId=policy_id)}


def _enabled(orgs: Any) -> bool:
    roots = call(orgs, "list_roots", paged="Roots")
    types = [t for root in roots for t in root.get("PolicyTypes", [])]
    return any(t.get("Type") == SCP and t.get("Status") == "ENABLED" for t in types)


def _require_enabled(orgs: Any) -> None:
    if not _enabled(orgs):
        roots: list[dict[str, Any]] = call(orgs, "list_roots", paged="Roots")
        root = roots[0].get("Id", "r-xxxx") if roots else "r-xxxx"
        raise ConfigError(
            "service control policies are not enabled in this organisation; enable them first: "
            f"aws organizations enable-policy-type --root-id {root} --policy-type {SCP}"
        )


def _lineage(orgs: Any, target: str) -> list[str]:
    """The target, then each parent up to the root: every SCP attached on that path is in force."""
    nodes = [target]
    while not nodes[-1].startswith("r-"):
        parents = call(orgs, "list_parents", paged="Parents", ChildId=nodes[-1])
        if not parents:
            raise AwsError(f"Organizations check: {nodes[-1]} has no parent; is it in this organisation?")
        nodes.append(parents[0]["Id"])
    return nodes


def _is_management(orgs: Any, target: str) -> bool:
    if not target.isdigit():
        return False
    return bool(call(orgs, "describe_organization")["Organization"].get("MasterAccountId") == target)

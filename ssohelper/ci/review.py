"""``ci-role --check``: the common mistakes in a web-identity trust policy someone else wrote.

Whether another repository gets in is decided by evaluating the policy's own conditions
against probe tokens (the evaluator in ``conditions``), not by reading its text; the text is
read only to say which value is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ssohelper.ci import conditions
from ssohelper.ci.trust import GITHUB_ISSUER, STS_AUDIENCE, WEB_IDENTITY, exposure, has_wildcard

MISTAKE = "mistake"
NOTE = "note"
_PROBE_OWNER = "ssohelper-probe-owner"
_GITHUB_FORMS = re.compile(
    r"repo:[^:/]+/[^:/]+:(ref:refs/(heads|tags)/[^:]+|environment:[^:]+|pull_request|job_workflow_ref:[^:]+)"
)
_GITLAB_FORMS = re.compile(r"project_path:[^:]+:ref_type:(branch|tag):ref:[^:]+")


@dataclass(frozen=True)
class Finding:
    severity: str  # "mistake" or "note"
    code: str
    message: str


def review(policy: dict) -> list[Finding]:
    """Every mistake (and note) in each statement that trusts an OIDC provider."""
    findings: list[Finding] = []
    trusted = False
    for statement in conditions.statements(policy):
        for provider in _oidc_providers(statement):
            trusted = True
            findings += _review_statement(policy, statement, provider)
    if not trusted:
        findings.append(Finding(NOTE, "no-oidc", "the role trusts no OIDC provider with sts:AssumeRoleWithWebIdentity"))
    return findings


def _oidc_providers(statement: Mapping[str, Any]) -> list[str]:
    if statement.get("Effect") != "Allow" or not conditions.action_matches(statement.get("Action"), WEB_IDENTITY):
        return []
    who = statement.get("Principal")
    federated = who.get("Federated", []) if isinstance(who, dict) else []
    return [arn for arn in conditions.as_list(federated) if ":oidc-provider/" in arn]


def _condition_values(statement: Mapping[str, Any], key: str) -> dict[str, list[str]]:
    """Operator -> values for one condition key, matched case-insensitively as IAM does."""
    found: dict[str, list[str]] = {}
    for operator, keys in (statement.get("Condition") or {}).items():
        for name, values in keys.items() if isinstance(keys, dict) else ():
            if name.lower() == key.lower():
                found.setdefault(operator, []).extend(conditions.as_list(values))
    return found


def _review_statement(policy: dict, statement: Mapping[str, Any], provider: str) -> list[Finding]:
    host = provider.split(":oidc-provider/", 1)[1]
    aud, sub = _condition_values(statement, f"{host}:aud"), _condition_values(statement, f"{host}:sub")
    findings = []
    if not aud:
        findings.append(
            Finding(MISTAKE, "no-aud", f"no condition on {host}:aud: tokens minted for other audiences get in")
        )
    audience = next((v for values in aud.values() for v in values), STS_AUDIENCE)
    if _foreign_repository_gets_in(policy, provider, host, audience, sub):
        what = "any repository on GitHub" if host == GITHUB_ISSUER else f"any project on {host}"
        findings.append(
            Finding(MISTAKE, "no-sub", f"{what} can assume this role: no condition on {host}:sub limits it to yours")
        )
    for operator, values in sub.items():
        findings += _review_subjects(operator, values, host)
    return findings


def _foreign_repository_gets_in(
    policy: dict, provider: str, host: str, audience: str, sub: dict[str, list[str]]
) -> bool:
    """Evaluate the policy for a token of a repository whose owner nobody has listed."""
    if sub:  # patterns are judged one by one in _review_subjects, which names the value
        return False
    probe = (
        f"repo:{_PROBE_OWNER}/x:ref:refs/heads/main"
        if host == GITHUB_ISSUER
        else f"project_path:{_PROBE_OWNER}/x:ref_type:branch:ref:main"
    )
    claims = {f"{host}:aud": audience, f"{host}:sub": probe}
    return conditions.allows(policy, WEB_IDENTITY, provider, claims)


def _review_subjects(operator: str, values: list[str], host: str) -> list[Finding]:
    findings = []
    like = "Like" in operator
    forms = _GITHUB_FORMS if host == GITHUB_ISSUER else _GITLAB_FORMS
    for value in values:
        wide = exposure(value) if like else None
        if wide:
            findings.append(Finding(MISTAKE, "wildcard-repository", wide))
        elif like and not has_wildcard(value):
            findings.append(Finding(NOTE, "like-without-pattern", f"'{value}' has no wildcard: use StringEquals"))
        elif not has_wildcard(value) and not forms.fullmatch(value):
            findings.append(Finding(MISTAKE, "never-matches", _never_matches(value, host)))
    return findings


def _never_matches(value: str, host: str) -> str:
    if host != GITHUB_ISSUER:
        return (
            f"'{value}' is not of the form project_path:GROUP/PROJECT:ref_type:branch|tag:ref:NAME: no token matches it"
        )
    if ":environment:" in value and ":ref:" in value:
        hint = "a job with an environment gets repo:ORG/REPO:environment:ENV, without the ref"
    elif ":environment:refs/" in value:
        hint = "that environment is named like a ref; for a branch use repo:ORG/REPO:ref:refs/heads/BRANCH"
    elif ":ref:" in value:
        hint = "a ref is written in full: repo:ORG/REPO:ref:refs/heads/BRANCH or refs/tags/TAG"
    else:
        hint = "the forms are repo:ORG/REPO:ref:refs/heads/B, :ref:refs/tags/T, :environment:E and :pull_request"
    return f"'{value}' matches no token GitHub issues ({hint}); someone may 'fix' it with a wildcard"

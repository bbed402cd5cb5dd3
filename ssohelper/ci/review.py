"""``ci-role --check``: the common mistakes in a web-identity trust policy someone else wrote.

Whether another repository gets in is decided by evaluating the policy's own conditions
against probe tokens (the evaluator in ``conditions``), not by reading its text; the text is
read only to say which value is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ssohelper.ci import conditions
from ssohelper.ci.trust import GITHUB_ISSUER, STS_AUDIENCE, WEB_IDENTITY, exposure, has_wildcard, repository_prefix

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
        findings += _anyone(statement)
        for provider in _oidc_providers(statement):
            trusted = True
            findings += _review_statement(policy, statement, provider)
    if not trusted:
        findings.append(Finding(NOTE, "no-oidc", "the role trusts no OIDC provider with sts:AssumeRoleWithWebIdentity"))
    return findings


def _anyone(statement: Mapping[str, Any]) -> list[Finding]:
    """An Allow for every AWS principal: whoever has credentials in any account may assume it."""
    who = statement.get("Principal")
    aws = who.get("AWS") if isinstance(who, dict) else None
    if statement.get("Effect") != "Allow" or not (who == "*" or "*" in conditions.as_list(aws or [])):
        return []
    limited = " unless its conditions stop them" if statement.get("Condition") else ""
    return [
        Finding(
            MISTAKE,
            "any-principal",
            f"Principal {json.dumps(who)} lets anyone with credentials in any AWS account assume the role{limited}",
        )
    ]


def is_github(host: str) -> bool:
    """GitHub.com's issuer, or a GitHub Enterprise Server's (HOST/_services/token)."""
    return host == GITHUB_ISSUER or host.endswith("/_services/token")


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
    audiences = [v for values in aud.values() for v in values]
    for value in audiences if is_github(host) else ():
        if value.startswith("https://"):
            findings.append(
                Finding(
                    MISTAKE,
                    "wrong-aud",
                    f"audience '{value}' is GitHub's default, not what configure-aws-credentials asks for "
                    f"({STS_AUDIENCE}, or sts.amazonaws.com.cn in China): no token from the action matches it",
                )
            )
    workflow = _condition_values(statement, f"{host}:job_workflow_ref")
    if workflow and not sub:
        findings.append(
            Finding(
                MISTAKE,
                "job-workflow-ref-only",
                f"only {host}:job_workflow_ref is checked: any repository that calls "
                f"{', '.join(v for values in workflow.values() for v in values)} gets in; condition on {host}:sub too",
            )
        )
    elif _foreign_repository_gets_in(policy, provider, host, audiences[0] if audiences else STS_AUDIENCE, sub):
        what = "any repository on GitHub" if is_github(host) else f"any project on {host}"
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
        if is_github(host)
        else f"project_path:{_PROBE_OWNER}/x:ref_type:branch:ref:main"
    )
    claims = {f"{host}:aud": audience, f"{host}:sub": probe}
    return conditions.allows(policy, WEB_IDENTITY, provider, claims)


def _review_subjects(operator: str, values: list[str], host: str) -> list[Finding]:
    findings = []
    like = "Like" in operator
    forms = _GITHUB_FORMS if is_github(host) else _GITLAB_FORMS
    for value in values:
        wide = exposure(value) if like else None
        if (like and not _may_match(value, host)) or (not has_wildcard(value) and not forms.fullmatch(value)):
            findings.append(Finding(MISTAKE, "never-matches", _never_matches(value, host)))
        elif wide:
            findings.append(Finding(MISTAKE, "wildcard-repository", wide))
        elif like and not has_wildcard(value):
            findings.append(Finding(NOTE, "like-without-pattern", f"'{value}' has no wildcard: use StringEquals"))
        elif like:
            findings.append(Finding(NOTE, "pattern", admits(value)))
    return findings


def _may_match(pattern: str, host: str) -> bool:
    """Can the pattern's literal head begin a subject of the host's form at all?"""
    head = pattern
    for wildcard in ("*", "?"):
        head = head.partition(wildcard)[0]
    prefix = "repo:" if is_github(host) else "project_path:"
    return head.startswith(prefix) or prefix.startswith(head)


_ADMITS = (
    ("", "every branch, tag, environment and pull request"),
    ("ref:", "every branch and tag"),
    ("ref:refs/heads/", "every branch"),
    ("ref:refs/tags/", "every tag"),
    ("environment:", "every environment"),
    ("ref_type:", "every branch and tag"),
    ("ref_type:branch:ref:", "every branch"),
    ("ref_type:tag:ref:", "every tag"),
)


def admits(pattern: str) -> str:
    """A subject pattern inside one repository, described by what it lets in."""
    found = repository_prefix(pattern)
    if found is None:
        return f"'{pattern}' matches subjects by pattern"
    kind, repository = found
    rest = pattern[len(kind) + 1 + len(repository) + 1 :]
    for head, what in _ADMITS:
        if rest == head + "*":
            what = "every branch and tag" if kind == "project_path" and not head else what
            return f"'{pattern}' admits {what} of {repository}"
    return f"'{pattern}' admits every subject of {repository} that matches '{rest}' (IAM's * crosses '/')"


def _never_matches(value: str, host: str) -> str:
    if not is_github(host):
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

"""The trust policy of a role that a CI pipeline assumes with its OIDC token, exact by default.

Every policy conditions on both ``aud`` and ``sub`` with ``StringEquals``. A pattern (a branch
``release/*``) is written with ``StringLike``, in a statement of its own, and only when the
repository part of the ``sub`` is literal, so that it can never match another repository: IAM
ANDs the operators of one Condition block, so exact and pattern subjects never share one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ssohelper.errors import UsageError

GITHUB_ISSUER = "token.actions.githubusercontent.com"
STS_AUDIENCE = "sts.amazonaws.com"
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
WILDCARDS = ("*", "?")
# a part may carry its numeric ID (OWNER@ID/REPO@ID): GitHub's immutable subject format, the
# default for repositories created since 2026-07-15
_REPO_NAME = re.compile(r"[A-Za-z0-9_.*?-]+(@\d+)?(/[A-Za-z0-9_.*?-]+(@\d+)?)+")
_WORKFLOW_REF = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/\.github/workflows/[^@\s]+\.ya?ml@[^\s*]\S*")


@dataclass(frozen=True)
class RoleSpec:
    """Who may assume the role (one repository, and the refs of it) and what the role is."""

    platform: str  # "github" or "gitlab"
    repository: str  # ORG/REPO, or GROUP[/SUBGROUP...]/PROJECT
    role_name: str
    branches: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    pull_request: bool = False
    host: str = GITHUB_ISSUER  # the token issuer, without https://
    audience: str = STS_AUDIENCE
    policy_arns: tuple[str, ...] = ()
    max_session_duration: int = 3600
    allow_wildcard: bool = False
    partition: str = "aws"  # aws-cn and aws-us-gov for China and GovCloud
    job_workflow_refs: tuple[str, ...] = ()  # reusable workflows the job must run (ORG/REPO/PATH@REF)

    @property
    def provider_url(self) -> str:
        return f"https://{self.host}"


def has_wildcard(value: str) -> bool:
    return any(c in value for c in WILDCARDS)


def subjects(spec: RoleSpec) -> list[str]:
    """The ``sub`` claims (or patterns) of the tokens the role accepts, in a stable order."""
    if spec.platform == "gitlab":
        base = f"project_path:{spec.repository}:ref_type:"
        return [f"{base}branch:ref:{b}" for b in spec.branches] + [f"{base}tag:ref:{t}" for t in spec.tags]
    base = f"repo:{spec.repository}:"
    found = [f"{base}ref:refs/heads/{b}" for b in spec.branches]
    found += [f"{base}ref:refs/tags/{t}" for t in spec.tags]
    found += [f"{base}environment:{e}" for e in spec.environments]
    return found + ([f"{base}pull_request"] if spec.pull_request else [])


def repository_prefix(sub: str) -> tuple[str, str] | None:
    """(kind, repository) when ``sub`` starts with a literal repository and its delimiter, so
    that no value for the rest can reach another repository; None otherwise."""
    for kind in ("repo", "project_path"):
        head = f"{kind}:"
        if sub.startswith(head):
            repository, colon, _ = sub[len(head) :].partition(":")
            if colon and repository and not has_wildcard(repository):
                return kind, repository
    return None


def exposure(sub: str) -> str | None:
    """What a ``sub`` pattern lets in beyond one repository, in words (None: nothing)."""
    if not has_wildcard(sub) or repository_prefix(sub) is not None:
        return None
    kind = "project_path" if sub.startswith("project_path:") else "repo"
    repository = sub.removeprefix(f"{kind}:").partition(":")[0]
    owner, _, name = repository.partition("/")
    where = "GitLab" if kind == "project_path" else "GitHub"
    if not sub.startswith(f"{kind}:") or not owner or has_wildcard(owner):
        return (
            f"'{sub}' lets in pipelines of repositories of any owner on {where}, including accounts anyone can create"
        )
    return (
        f"'{sub}' lets in every repository of '{owner}' whose name matches '{name or '*'}', "
        "including ones created later and forks made inside it"
    )


def check_spec(spec: RoleSpec) -> list[str]:
    """Refuse a role that no token could use, or that another repository could (without
    --allow-wildcard); returns the warnings and notes to show."""
    if not _REPO_NAME.fullmatch(spec.repository) or (spec.platform == "github" and spec.repository.count("/") != 1):
        form = "ORG/REPO" if spec.platform == "github" else "GROUP/PROJECT"
        raise UsageError(f"'{spec.repository}' is not a repository name of the form {form}")
    for ref in spec.job_workflow_refs:
        if spec.platform != "github" or not _WORKFLOW_REF.fullmatch(ref):
            raise UsageError(f"'{ref}' is not a reusable workflow of the form ORG/REPO/.github/workflows/FILE@REF")
    found = subjects(spec)
    if not found:
        what = "--branch, --tag, --environment or --pull-request" if spec.platform == "github" else "--branch or --tag"
        raise UsageError(f"say which runs may assume the role: give at least one of {what}")
    notes = []
    for sub in found:
        wide = exposure(sub)
        if wide and not spec.allow_wildcard:
            raise UsageError(
                f"refusing a subject that reaches beyond one repository: {wide}; add --allow-wildcard to accept that"
            )
        if wide:
            notes.append(f"warning: {wide} (--allow-wildcard)")
    if spec.platform == "github" and spec.host == GITHUB_ISSUER and "@" not in spec.repository:
        notes.append(
            "note: repositories created since 2026-07-15 (or opted in) get the immutable subject "
            "repo:OWNER@OWNER_ID/REPO@REPO_ID:...; if yours does, give --github OWNER@OWNER_ID/REPO@REPO_ID"
        )
    if spec.pull_request:
        notes.append(
            "note: the pull_request subject lets the workflow of any pull request to this repository assume the "
            "role, with the pull request's code (GitHub gives forks' pull requests no OIDC token)"
        )
    return notes


def trust_policy(spec: RoleSpec, provider_arn: object) -> dict:
    """The AssumeRolePolicyDocument. ``provider_arn`` is the ARN, or a reference an IaC tool resolves."""
    aud, sub = f"{spec.host}:aud", f"{spec.host}:sub"
    found = subjects(spec)
    exact = [s for s in found if not has_wildcard(s)]
    patterns = [s for s in found if has_wildcard(s)]
    statements = []
    if exact:
        conditions = {"StringEquals": {aud: spec.audience, sub: _one_or_list(exact)}}
        statements.append(_statement("ExactSubjects", provider_arn, _workflow_refs(spec, conditions)))
    if patterns:
        conditions = {"StringEquals": {aud: spec.audience}, "StringLike": {sub: _one_or_list(patterns)}}
        statements.append(_statement("SubjectPatterns", provider_arn, _workflow_refs(spec, conditions)))
    return {"Version": "2012-10-17", "Statement": statements}


def _workflow_refs(spec: RoleSpec, conditions: dict) -> dict:
    """Also require the reusable workflow(s) asked for (``job_workflow_ref``), exactly or by pattern."""
    if not spec.job_workflow_refs:
        return conditions
    key = f"{spec.host}:job_workflow_ref"
    operator = "StringLike" if any(has_wildcard(r) for r in spec.job_workflow_refs) else "StringEquals"
    conditions.setdefault(operator, {})[key] = _one_or_list(list(spec.job_workflow_refs))
    return conditions


def _statement(sid: str, provider_arn: object, conditions: dict) -> dict:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": WEB_IDENTITY,
        "Condition": conditions,
    }


def _one_or_list(values: list[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else values

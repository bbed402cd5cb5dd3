"""migrate-ci: the plan (every workflow rewrite, the manual steps) and the ledger its backups
and journal live in, outside the repository so that git never sees them."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field

from ssohelper import paths
from ssohelper.ci import permissions, pipelines, scan, snippets, yamldoc
from ssohelper.ci.rewrite import Manual, Rewritten, Target, rewrite
from ssohelper.errors import UsageError
from ssohelper.journal.backups import FileChange, Ledger

ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
GITLAB_AUDIENCE = "https://gitlab.com"


@dataclass
class CiPlan:
    root: str
    rewrites: list[Rewritten] = field(default_factory=list)  # only the files that change
    manual: list[Manual] = field(default_factory=list)

    @property
    def changes(self) -> list[FileChange]:
        return [FileChange(r.path, r.before, r.after) for r in self.rewrites]

    def diff(self) -> str:
        from ssohelper.journal.masking import masked_diff

        return masked_diff([(r.path, r.before, r.after) for r in self.rewrites], show=mask_pipeline_line)


_PIN = re.compile(r"@([0-9a-f]{40})\b")  # an action pinned to a commit: public, not a key


def mask_pipeline_line(line: str) -> str:
    """A diff line of a pipeline file masked as every diff is, with its action pins left readable."""
    from ssohelper.journal.masking import mask_line
    from ssohelper.models import mask

    masked = mask_line(line)
    for pin in _PIN.findall(line):
        masked = masked.replace(f"@{mask(pin)}", f"@{pin}")
    return masked


def ledger(root: str) -> Ledger:
    """The backups of one repository's pipeline edits: under ssohelper's backups folder, keyed
    by the repository's real path; its journals may name only pipeline files inside it."""
    real = os.path.realpath(root)
    key = hashlib.sha256(real.encode()).hexdigest()[:16]

    def owns(path: object) -> bool:
        if not isinstance(path, str) or not path.endswith((".yml", ".yaml")):
            return False
        return os.path.commonpath([real, os.path.realpath(path)]) == real

    return Ledger(os.path.join(paths.backup_dir(), "ci", key), owns, f"the pipeline files of {real}")


def make_plan(root: str, role_arn: str, region: str | None) -> CiPlan:
    if not ROLE_ARN.fullmatch(role_arn):
        raise UsageError(f"'{role_arn}' is not a role ARN (arn:aws:iam::ACCOUNT_ID:role/NAME)")
    if not os.path.isdir(root):
        raise UsageError(f"{root}: no such folder")
    report = scan.scan(root)
    target = Target(role_arn, region, _rewritten_locally(report))
    plan = CiPlan(report.root)
    actions = set(pipelines.composite_actions(root))
    for path in pipelines.github_workflows(root) + sorted(actions):
        document = yamldoc.load(path)
        if document is None or document.root is None:
            continue
        result = rewrite(document, yamldoc.relative(root, path), target, action=path in actions)
        plan.manual += result.manual
        if result.after != result.before:
            plan.rewrites.append(result)
    plan.manual += [_manual(f, target, _job_permissions(root, f)) for f in report.findings if not f.rewritable]
    plan.manual.sort(key=lambda m: (m.path, m.line))
    return plan


def _rewritten_locally(report: scan.Report) -> frozenset[str]:
    """The ``uses: ./...`` values naming a local action or reusable workflow that gets rewritten."""
    found = set()
    for finding in report.findings:
        if finding.rewritable:
            is_action = os.path.basename(finding.path) in pipelines.ACTION_FILES
            found.add("./" + (os.path.dirname(finding.path) if is_action else finding.path).replace(os.sep, "/"))
    return frozenset(found)


def _job_permissions(root: str, finding: scan.Finding) -> list[tuple[str, str]] | None:
    """The permissions the finding's job has now, for a snippet that keeps them."""
    if not finding.job or not finding.path.startswith(".github"):
        return None
    document = yamldoc.load(os.path.join(root, finding.path))
    workflow = document.root if document is not None else None
    return permissions.current(
        yamldoc.get(yamldoc.get(workflow, "jobs"), finding.job), yamldoc.get(workflow, "permissions")
    )


def _manual(finding: scan.Finding, target: Target, current: list[tuple[str, str]] | None = None) -> Manual:
    gitlab = not finding.path.startswith(".github") and os.path.basename(finding.path) not in pipelines.ACTION_FILES
    if finding.kind in ("secret", "input", "literal-key"):
        snippet = ""  # nothing replaces them: they go
    elif gitlab:
        snippet = snippets.gitlab_job(target.role_arn, target.region, GITLAB_AUDIENCE)
    else:
        snippet = snippets.github_job(target.role_arn, target.region, current)
    what = {
        "env": f"{finding.name} in env: delete it and get credentials from the role instead",
        "variable": f"{finding.name}: delete it (and the CI/CD variable) and let the job assume the role",
        "secret": f"{finding.name} is passed on: stop passing it, then delete the secret",
        "input": f"the action's input {finding.name}: remove it, and the value its callers pass",
        "literal-key": f"a literal access key {finding.name}: remove it and deactivate it in IAM (git keeps it)",
        "aws-configure": f"'aws configure set {finding.name}': remove it and let the job assume the role",
        "action-input": f"{finding.name} goes to an action that takes keys: assume the role before it instead",
    }.get(finding.kind, f"{finding.kind} {finding.name}")
    return Manual(finding.path, finding.line, finding.job, what, snippet)

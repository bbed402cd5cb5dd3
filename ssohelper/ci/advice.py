"""The commands ``audit --ci`` suggests: for GitHub, the role derived from the workflows
(``ci-role --from-workflows``) and ``migrate-ci --create-role``, with a placeholder for each
answer the files can't give (the default branch, an environment from ``vars``), so that the
command runs as printed once it is filled in."""

from __future__ import annotations

import shlex

from ssohelper.ci import derive, pipelines, scan


def commands(report: scan.Report) -> list[str]:
    if not report.findings:
        return []
    repository = scan.origin_repository(report.root) or "ORG/REPO"
    root = shlex.quote(report.root)
    found = []
    if any(_github(f.path) and f.rewritable for f in report.findings):
        extra = _answers_needed(report.root, repository)
        found.append(f"ssohelper ci-role --from-workflows {root} --github {repository}{extra}")
        found.append(
            f"ssohelper migrate-ci {root} --github {repository} --create-role --profile ADMIN{extra} --dry-run"
        )
    elif any(_github(f.path) for f in report.findings):  # nothing migrate-ci rewrites: the manual steps
        branch = derive.known_default_branch(report.root) or "BRANCH"
        found.append(f"ssohelper ci-role --github {repository} --branch {branch} --apply --profile ADMIN")
        found.append(f"ssohelper migrate-ci {root} --role-arn ROLE_ARN_FROM_CI_ROLE --dry-run")
    if any(not _github(f.path) for f in report.findings):
        branch = derive.known_default_branch(report.root) or "BRANCH"
        found.append(f"ssohelper ci-role --gitlab {repository} --branch {branch} --apply --profile ADMIN")
    return found


def _github(path: str) -> bool:
    return path.startswith(".github") or path.endswith(pipelines.ACTION_FILES)


def _answers_needed(root: str, repository: str) -> str:
    name = repository.rsplit("/", 1)[-1]
    answers = derive.Answers(derive.known_default_branch(root))
    questions = derive.derive(root, repository, f"ci-{name}", answers).questions
    extra = " --default-branch BRANCH" if any("--default-branch" in q for q in questions) else ""
    return extra + (" --environment ENV" if any("--environment" in q for q in questions) else "")

"""CI without IAM users: ci-role (the OIDC role a pipeline assumes) and migrate-ci (the workflows)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import click

from ssohelper import errors
from ssohelper.cli.options import debug_option, profile_option, say
from ssohelper.cli.output import json_text
from ssohelper.errors import UsageError

if TYPE_CHECKING:
    from ssohelper.ci.derive import Derived
    from ssohelper.ci.trust import RoleSpec


def _spec(options: dict[str, Any]) -> RoleSpec:
    from ssohelper.ci.trust import GITHUB_ISSUER, STS_AUDIENCE, RoleSpec

    github, gitlab = options["github"], options["gitlab"]
    if bool(github) == bool(gitlab):
        raise UsageError("give one of --github ORG/REPO or --gitlab GROUP/PROJECT")
    if gitlab and (options["environments"] or options["pull_request"]):
        raise UsageError("--environment and --pull-request are GitHub subjects; GitLab has --branch and --tag")
    if github and options["gitlab_host"]:
        raise UsageError("--gitlab-host goes with --gitlab")
    if gitlab and options.get("github_host"):
        raise UsageError("--github-host goes with --github")
    if github:
        ghes = (options.get("github_host") or "").removeprefix("https://").rstrip("/")
        host = f"{ghes}/_services/token" if ghes else GITHUB_ISSUER
    else:
        host = (options["gitlab_host"] or "gitlab.com").removeprefix("https://").rstrip("/")
    audience = options["audience"] or (STS_AUDIENCE if github else f"https://{host}")
    repository = (github or gitlab).strip("/")
    return RoleSpec(
        platform="github" if github else "gitlab",
        repository=repository,
        role_name=options["role_name"] or _default_name(repository),
        branches=options["branches"],
        tags=options["tags"],
        environments=options["environments"],
        pull_request=options["pull_request"],
        host=host,
        audience=audience,
        policy_arns=options["policy_arns"],
        max_session_duration=options["max_session_duration"],
        allow_wildcard=options["allow_wildcard"],
        job_workflow_refs=tuple(options.get("job_workflow_refs") or ()),
    )


def derived_spec(options: dict[str, Any], path: str) -> tuple[RoleSpec, Derived]:
    """The role the workflows under ``path`` need: every job that will assume it, with the
    subject GitHub sends for it (shown on stderr); a question the files can't answer is exit 2."""
    from ssohelper.ci import derive

    if not options["github"]:
        raise UsageError("--from-workflows reads GitHub workflows: give --github ORG/REPO")
    if options["branches"] or options["tags"] or options["pull_request"]:
        raise UsageError(
            "--from-workflows derives branches, tags and pull requests from the triggers; "
            "only --environment and --default-branch answer what the files can't tell"
        )
    spec = _spec({**options, "environments": ()})
    answers = derive.Answers(
        options.get("default_branch") or derive.known_default_branch(path), tuple(options["environments"])
    )
    derived = derive.derive(path, spec.repository, spec.role_name, answers)
    _show_derived(derived)
    if derived.questions:
        more = f" (and {len(derived.questions) - 1} more above)" if len(derived.questions) > 1 else ""
        raise UsageError(derived.questions[0] + more)
    if not derived.subjects:
        chained = sorted({r.rsplit("/", 1)[-1] for job in derived.jobs for r in job.steps.chained})
        hint = f"; its chained steps assume their own role: give --role-name {' or '.join(chained)}" if chained else ""
        raise UsageError(f"no job under {path} would assume the role {spec.role_name}{hint}")
    return derive.role_spec(derived, spec), derived


def _show_derived(derived: Derived) -> None:
    for job in derived.jobs:
        role = "" if job.steps.assumes else f" (assumes {', '.join(job.steps.chained)} itself)"
        say(f"ci-role: {job.path} job {job.job}{role}: {job.why or 'no run'}")
        for sub in job.subjects:
            say(f"    {sub}")
    for note in dict.fromkeys(derived.notes):
        say(f"ci-role: note: {note}")
    for question in derived.questions:
        say(f"ci-role: {question}")


def _default_name(repository: str) -> str:
    bare = re.sub(r"@\d+", "", repository).replace("*", "").replace("?", "")
    name = "ci-" + "-".join(part for part in bare.split("/") if part)
    return name[:64]


@click.command("ci-role")
@click.option("--github", metavar="ORG/REPO", help="The GitHub repository whose workflows assume the role.")
@click.option("--gitlab", metavar="GROUP/PROJECT", help="The GitLab project whose pipelines assume the role.")
@click.option("--gitlab-host", metavar="HOST", help="A self-managed GitLab's host (default gitlab.com).")
@click.option("--github-host", metavar="HOST", help="A GitHub Enterprise Server's host (issuer HOST/_services/token).")
@click.option(
    "--from-workflows",
    metavar="PATH",
    type=click.Path(exists=True, file_okay=False),
    help="Derive who may assume the role from the jobs of the workflows under PATH.",
)
@click.option("--default-branch", metavar="B", help="With --from-workflows: the default branch, if git can't tell.")
@click.option("--branch", "branches", multiple=True, metavar="B", help="A branch (or pattern like release/*).")
@click.option("--tag", "tags", multiple=True, metavar="T", help="A tag (or pattern like v*).")
@click.option("--environment", "environments", multiple=True, metavar="E", help="A GitHub deployment environment.")
@click.option("--pull-request", is_flag=True, help="Workflows run for pull requests (GitHub).")
@click.option(
    "--job-workflow-ref",
    "job_workflow_refs",
    multiple=True,
    metavar="ORG/REPO/.github/workflows/F.yml@REF",
    help="Also require that the job runs this reusable workflow (GitHub; REF may end in *).",
)
@click.option("--role-name", metavar="NAME", help="The role's name (default ci-ORG-REPO).")
@click.option(
    "--policy-arn", "policy_arns", multiple=True, metavar="ARN", help="A managed policy to attach (repeatable)."
)
@click.option("--max-session-duration", type=click.IntRange(3600, 43200), default=3600, show_default=True, metavar="S")
@click.option("--audience", metavar="AUD", help="The token audience (default sts.amazonaws.com; GitLab: https://HOST).")
@click.option("--allow-wildcard", is_flag=True, help="Accept a subject that could match other repositories.")
@click.option(
    "--format", "output", type=click.Choice(["json", "cloudformation", "terraform"]), default="json", show_default=True
)
@click.option("--apply", is_flag=True, help="Create or update the provider and the role in IAM (with --profile).")
@profile_option("The profile with IAM rights, for --apply and --check.")
@click.option("--check", "check", metavar="ROLE_NAME", help="Report the mistakes in an existing role's trust policy.")
@debug_option
def ci_role(**options: Any) -> int:
    """Write the IAM role a CI pipeline assumes with its OIDC token, instead of holding keys.

    The trust policy conditions on both aud and sub with StringEquals; patterns stay inside
    one repository (StringLike). Prints it as JSON, CloudFormation or Terraform; --apply
    creates it; --check ROLE_NAME audits a role someone else wrote (exit 10 on a mistake).

    Example: ssohelper ci-role --github acme/web --branch main --environment prod --format terraform
    """
    if options["check"]:
        return _check(options["check"], options["profile"])
    from ssohelper.ci import render, trust

    if options["default_branch"] and not options["from_workflows"]:
        raise UsageError("--default-branch goes with --from-workflows")
    derived = None
    if options["from_workflows"]:
        spec, derived = derived_spec(options, options["from_workflows"])
    else:
        spec = _spec(options)
    for note in trust.check_spec(spec):
        say(note)
    if not options["apply"]:
        if derived is not None and options["output"] == "json":
            document = {**render.document(spec), "jobs": [_job_json(job) for job in derived.jobs]}
            click.echo(json.dumps(document, indent=2))
        else:
            click.echo(render.render(spec, str(options["output"])), nl=False)
        return errors.EXIT_OK
    if options["output"] != "json":
        raise UsageError("--apply prints the role ARN; --format goes without it")
    return _apply(spec, options["profile"])


def _job_json(job: Any) -> dict:
    return {
        "path": job.path,
        "job": job.job,
        "line": job.line,
        "subjects": list(job.subjects),
        "why": job.why,
        "assumes_role": job.steps.assumes,
        "chained_roles": list(job.steps.chained),
    }


def _apply(spec: RoleSpec, profile: str | None) -> int:
    from ssohelper.aws import clients
    from ssohelper.ci import iam

    applied = iam.apply_role(spec, iam=clients.make("iam", profile=profile), sts=clients.make("sts", profile=profile))
    for change in applied.changes:
        say(f"ci-role: {change}")
    for note in applied.notes:
        say(f"ci-role: {note}")
    if not applied.changes:
        say("ci-role: the provider and the role already match; nothing changed")
    click.echo(applied.role_arn)
    return errors.EXIT_OK


def _check(role_name: str, profile: str | None) -> int:
    from ssohelper.aws import clients
    from ssohelper.ci import iam, review
    from ssohelper.errors import ConfigError

    role = iam.get_role(clients.make("iam", profile=profile), role_name)
    if role is None:
        raise ConfigError(f"there is no role named '{role_name}' in that account")
    findings = review.review(iam.trust_document(role))
    for finding in findings:
        click.echo(f"{finding.severity}: {finding.code}: {finding.message}")
    mistakes = [f for f in findings if f.severity == review.MISTAKE]
    if mistakes:
        say(f"ci-role: {len(mistakes)} mistake(s) in the trust policy of {role_name} (exit {errors.EXIT_FINDINGS})")
        return errors.EXIT_FINDINGS
    patterns = " (the notes say what its patterns admit)" if any(f.code == "pattern" for f in findings) else ""
    click.echo(f"ok: no mistake found in the trust policy of {role_name}{patterns}")
    return errors.EXIT_OK


def audit_pipelines(path: str, output: str) -> int:
    """``audit --ci``: findings with file and line, the commands to run; exit 10 on any."""
    import dataclasses

    from ssohelper.ci import advice, scan

    report = scan.scan(path)
    report.commands = advice.commands(report)
    if output == "json":
        click.echo(json_text(dataclasses.asdict(report)), nl=False)
    else:
        for finding in report.findings:
            job = f" (job {finding.job})" if finding.job else ""
            how = "migrate-ci rewrites it" if finding.rewritable else "manual"
            click.echo(f"{finding.path}:{finding.line}: {finding.kind} {finding.name}{job}; {how}")
        for note in report.notes:
            click.echo(f"note: {note}")
        if not report.findings:
            click.echo(f"no static AWS keys found in {len(report.files)} pipeline file(s)")
        for command in report.commands:
            click.echo(f"run: {command}")
    if report.findings:
        say(f"ssohelper: {len(report.findings)} static key use(s) found in pipelines (exit {errors.EXIT_FINDINGS})")
        return errors.EXIT_FINDINGS
    return errors.EXIT_OK

"""CI without IAM users: ci-role (the OIDC role a pipeline assumes) and migrate-ci (the workflows)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from ssohelper import errors
from ssohelper.cli.edits import apply_plan, recover_first
from ssohelper.cli.edits import rollback as rollback_files
from ssohelper.cli.options import confirm_apply, debug_option, profile_option, say
from ssohelper.errors import UsageError

if TYPE_CHECKING:
    from ssohelper.ci.derive import Derived
    from ssohelper.ci.migrate import CiPlan
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
        raise UsageError(f"no job under {path} uses AWS keys with configure-aws-credentials (or this role)")
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
    name = "ci-" + "-".join(part for part in repository.replace("*", "").replace("?", "").split("/") if part)
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
    from ssohelper.ci import iam

    applied = iam.apply_role(spec, iam=iam.admin_client("iam", profile), sts=iam.admin_client("sts", profile))
    for change in applied.changes:
        say(f"ci-role: {change}")
    for note in applied.notes:
        say(f"ci-role: {note}")
    if not applied.changes:
        say("ci-role: the provider and the role already match; nothing changed")
    click.echo(applied.role_arn)
    return errors.EXIT_OK


def _check(role_name: str, profile: str | None) -> int:
    from ssohelper.ci import iam, review
    from ssohelper.errors import ConfigError

    role = iam.get_role(iam.admin_client("iam", profile), role_name)
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
        click.echo(json.dumps(dataclasses.asdict(report), indent=2))
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


@click.command("migrate-ci")
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--role-arn", metavar="ARN", help="The role the workflows assume (made elsewhere, or by ci-role --apply)."
)
@click.option("--create-role", is_flag=True, help="Make the role from the workflows first (with --github, --profile).")
@click.option("--github", metavar="ORG/REPO", help="With --create-role: the repository whose jobs assume the role.")
@click.option("--role-name", metavar="NAME", help="With --create-role: the role's name (default ci-ORG-REPO).")
@click.option("--policy-arn", "policy_arns", multiple=True, metavar="ARN", help="With --create-role: a managed policy.")
@click.option("--default-branch", metavar="B", help="With --create-role: the default branch, if git can't tell.")
@click.option("--environment", "environments", multiple=True, metavar="E", help="With --create-role: see ci-role.")
@profile_option("With --create-role: the profile with IAM rights.")
@click.option("--region", metavar="R", help="aws-region for steps that don't set one.")
@click.option("--dry-run", is_flag=True, help="Show the plan, the diff and the manual steps; change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Apply without asking.")
@click.option("--rollback", is_flag=True, help="Restore the workflows from the latest migrate-ci backup.")
@click.option("--force", is_flag=True, help="With --rollback: even if the files changed since (they are saved first).")
@debug_option
def migrate_ci(path: str, **options: Any) -> int:
    """Rewrite GitHub workflows that pass AWS keys to assume a role with their OIDC token instead.

    Each configure-aws-credentials step gets role-to-assume instead of its key inputs; each job
    that uses it gets id-token: write, merged with its permissions. Every other byte stays.
    Shows a plan and a masked diff first; backups live outside the repository. What it can't
    rewrite (keys in env for run steps, GitLab jobs) is listed with the snippet to paste.
    --create-role first makes the role those jobs need (as ci-role --from-workflows --apply),
    checks that it admits each job's subject, then rewrites the workflows to assume it.

    Example: ssohelper migrate-ci . --role-arn arn:aws:iam::111111111111:role/ci-acme-web --region eu-west-1 --dry-run
    Example: ssohelper migrate-ci . --github acme/web --create-role --role-name ci-web --profile admin --yes
    """
    import shlex

    from ssohelper.ci import migrate

    _check_migrate_options(options)
    ledger = migrate.ledger(path)
    recover_first(options["dry_run"], ledger)
    if options["rollback"]:
        rollback_files(options["force"], options["yes"], ledger=ledger)
        return errors.EXIT_OK
    made = _planned_role(path, options) if options["create_role"] else None
    role_arn = made[2] if made else options["role_arn"]
    plan = migrate.make_plan(path, role_arn, options["region"])
    _show(plan)
    if options["dry_run"]:
        say("Dry run: nothing was changed" + (" and no role was created." if made else "."))
        return errors.EXIT_OK
    if made:
        confirm_apply(options["yes"], f"Create or update the role {made[0].role_name} and rewrite these files?")
        _create_role(*made, options["profile"])
    if not plan.rewrites:
        say("Nothing to rewrite." + (" See the manual steps above." if plan.manual else ""))
        return errors.EXIT_OK
    done = f"Rewrote {len(plan.rewrites)} file(s)."
    yes = options["yes"] or made is not None  # asked once, above, for both
    apply_plan(plan.changes, yes=yes, done=done, command=f"migrate-ci {shlex.quote(path)}", ledger=ledger)
    return errors.EXIT_OK


def _check_migrate_options(options: dict[str, Any]) -> None:
    if options["force"] and not options["rollback"]:
        raise UsageError("--force goes with --rollback")
    creating = ("github", "role_name", "policy_arns", "default_branch", "environments")
    if not options["create_role"] and any(options[name] for name in creating):
        raise UsageError(
            "--github, --role-name, --policy-arn, --default-branch and --environment go with --create-role"
        )
    if options["rollback"]:
        return
    if options["create_role"] and options["role_arn"]:
        raise UsageError("--create-role makes the role; --role-arn names one made elsewhere: give one of them")
    if not options["create_role"] and not options["role_arn"]:
        raise UsageError("--role-arn is required (ssohelper ci-role --apply prints it), or --create-role")


def _planned_role(path: str, options: dict[str, Any]) -> tuple[RoleSpec, Derived, str]:
    """The role the workflows need, and the ARN it has in the profile's account."""
    from ssohelper.ci import iam, trust

    role_options = {
        **options,
        "gitlab": None,
        "gitlab_host": None,
        "branches": (),
        "tags": (),
        "pull_request": False,
        "audience": None,
        "max_session_duration": 3600,
        "allow_wildcard": False,
    }
    spec, derived = derived_spec(role_options, path)
    for note in trust.check_spec(spec):
        say(note)
    return spec, derived, iam.role_arn(spec, iam.admin_client("sts", options["profile"]))


def _create_role(spec: RoleSpec, derived: Derived, arn: str, profile: str | None) -> None:
    """Create or update the role, then check that what IAM stored admits every job's subject."""
    from ssohelper.ci import iam

    client = iam.admin_client("iam", profile)
    applied = iam.apply_role(spec, iam=client, sts=iam.admin_client("sts", profile))
    for change in applied.changes or ["the provider and the role already match; nothing changed"]:
        say(f"migrate-ci: {change}")
    for note in applied.notes:
        say(f"migrate-ci: {note}")
    stored = iam.get_role(client, spec.role_name) or {}
    refused = iam.admits(spec, stored, applied.provider_arn, derived.subjects)
    if refused or applied.role_arn != arn:
        raise errors.AwsError(
            f"the role {spec.role_name} as IAM stored it does not admit {', '.join(refused) or arn}; "
            "no workflow was changed"
        )
    say(f"migrate-ci: checked: {spec.role_name} admits the token of each of {len(derived.jobs)} job(s)")


def _show(plan: CiPlan) -> None:
    for rewritten in plan.rewrites:
        jobs = f"; id-token: write for job(s) {', '.join(rewritten.jobs)}" if rewritten.jobs else ""
        click.echo(f"{rewritten.rel}: {rewritten.steps} step(s) rewritten{jobs}")
    if plan.rewrites:
        click.echo()
        click.echo(plan.diff(), nl=False)
    shown = set()
    for step in plan.manual:
        job = f" (job {step.job})" if step.job else ""
        click.echo(f"manual: {step.path}:{step.line}{job}: {step.what}")
        if (step.path, step.job, step.snippet) in shown:
            continue  # the same snippet for the same job: once is enough
        shown.add((step.path, step.job, step.snippet))
        for line in step.snippet.splitlines():
            click.echo(f"    {line}")

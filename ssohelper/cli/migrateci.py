"""migrate-ci: the workflows rewritten to assume a role with their OIDC token (and, with
--create-role, that role made first from what the workflows need)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from ssohelper import errors
from ssohelper.cli.ci import derived_spec
from ssohelper.cli.edits import apply_plan, recover_first
from ssohelper.cli.edits import rollback as rollback_files
from ssohelper.cli.options import confirm_apply, debug_option, profile_option, say
from ssohelper.errors import UsageError

if TYPE_CHECKING:
    from ssohelper.ci.derive import Derived
    from ssohelper.ci.migrate import CiPlan
    from ssohelper.ci.trust import RoleSpec


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
    from ssohelper.aws import clients
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
    return spec, derived, iam.role_arn(spec, clients.make("sts", profile=options["profile"]))


def _create_role(spec: RoleSpec, derived: Derived, arn: str, profile: str | None) -> None:
    """Create or update the role, then check that what IAM stored admits every job's subject."""
    from ssohelper.aws import clients
    from ssohelper.ci import iam

    client = clients.make("iam", profile=profile)
    applied = iam.apply_role(spec, iam=client, sts=clients.make("sts", profile=profile))
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

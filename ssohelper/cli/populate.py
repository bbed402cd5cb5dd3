"""The populate command: a profile for every account and role the sign-in gives."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ssohelper.cli.edits import apply_plan, only_session, recover_first
from ssohelper.cli.edits import rollback as rollback_files
from ssohelper.cli.options import debug_option, say, style_choice
from ssohelper.cli.output import chosen_format, output_options, progress_on_terminal, show_document
from ssohelper.cli.session import with_sign_in

if TYPE_CHECKING:
    from ssohelper.migration import populate as populate_plan


@click.command("populate")
@click.option("--sso-session", "-s", help="The [sso-session NAME] whose accounts and roles become profiles.")
@click.option(
    "--template",
    default="{account_name}.{role_name}",
    show_default=True,
    help="Profile names, from {account_id}, {account_name}, {role_name} and {sso_session}.",
)
@style_choice("populate")
@click.option("--region", help="The profiles' region (default: the sso-session's sso_region).")
@click.option("--prune", is_flag=True, help="Remove generated profiles whose account or role is gone.")
@click.option("--start-url", help="Create the sso-session with this start URL if it doesn't exist.")
@click.option("--sso-region", help="The Identity Center region, with --start-url.")
@click.option("--dry-run", is_flag=True, help="Show the plan and the diff; change nothing.")
@output_options
@click.option("--yes", "-y", is_flag=True, help="Apply without asking.")
@click.option("--rollback", is_flag=True, help="Restore ~/.aws/config from the latest backup (as migrate-profiles).")
@debug_option
def populate(
    sso_session: str | None,
    template: str,
    style: str,
    region: str | None,
    prune: bool,
    start_url: str | None,
    sso_region: str | None,
    dry_run: bool,
    yes: bool,
    rollback: bool,
    output: str | None,
) -> None:
    """Write a profile for every account and role your SSO sign-in gives you.

    Generated profiles are marked (ssohelper_generated = populate); only those are ever updated
    or pruned, and a second run changes nothing. Shows a plan and a diff first, backs the file up
    and can roll back.

    Example: ssohelper populate --sso-session corp --template "{account_name}.{role_name}" --dry-run
    """
    from ssohelper.migration.populate import Request

    fmt = chosen_format(output, default="table")  # a plan to confirm is for people unless asked
    recover_first(dry_run)
    if rollback:
        rollback_files(force=False, yes=yes)
        return
    sso_session = sso_session or only_session()
    request = Request(sso_session, template, style, region, prune, start_url, sso_region)
    run_populate(request, dry_run=dry_run, yes=yes, fmt=fmt)


def run_populate(request: populate_plan.Request, *, dry_run: bool, yes: bool, fmt: str = "table") -> bool:
    """Plan, show (as --output says), ask and apply; whether anything changed (or would, on a dry run)."""
    from ssohelper.migration.plandoc import populate_document
    from ssohelper.migration.populate import make_plan, notes, table
    from ssohelper.migration.sessions import requested

    def plan_it() -> populate_plan.Plan:
        with progress_on_terminal("Listing roles, accounts done") as progress:
            return make_plan(request, progress=progress)

    plan = with_sign_in(plan_it, lambda: requested(request.sso_session, request.start_url, request.sso_region))
    if fmt != "table":
        show_document(populate_document(plan), fmt)
    else:
        click.echo(table(plan), nl=False)
    for line in notes(plan):
        say(line)
    if not plan.changed:
        say("Nothing to change.")
        return False
    if fmt == "table":
        click.echo()
        for part in plan.diff_parts():
            click.echo(part, nl=False)
    if dry_run:
        say("Dry run: nothing was changed.")
        return True
    apply_plan(plan.changes, yes=yes, done=f"Updated {plan.change.path}.", command="populate")
    return True

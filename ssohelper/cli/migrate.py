"""The migrate-profiles command."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from ssohelper.cli.edits import apply_plan, only_session, recover_first
from ssohelper.cli.edits import reactivate_keys as reactivate_recorded
from ssohelper.cli.edits import rollback as rollback_files
from ssohelper.cli.options import (
    account_id_checked,
    complete_account_ids,
    complete_role_names,
    debug_option,
    say,
    style_choice,
)
from ssohelper.cli.output import chosen_format, output_options, show_document
from ssohelper.cli.session import with_sign_in
from ssohelper.errors import UsageError

if TYPE_CHECKING:
    from ssohelper.migration import planner
    from ssohelper.migration.rolesanywhere import RolesAnywhere


def _choose_on_terminal(profile: str, account: str, roles: Sequence[str]) -> str | None:
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return None
    say(f"Profile '{profile}' (account {account}) can become one of these roles:")
    for number, role in enumerate(roles, 1):
        say(f"  {number}. {role}")
    choice = click.prompt("Role number", type=click.IntRange(1, len(roles)), err=True)
    return roles[choice - 1]


@click.command("migrate-profiles")
@click.argument("profiles", nargs=-1)
@click.option("--sso-session", "-s", help="The [sso-session NAME] the profiles will use.")
@click.option("--start-url", help="Create the sso-session with this start URL if it doesn't exist.")
@click.option("--sso-region", help="The Identity Center region, with --start-url.")
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="PROFILE=ACCOUNT_ID:ROLE_NAME",
    help="Map one profile explicitly (repeatable).",
)
@click.option(
    "--account-id",
    callback=account_id_checked,
    help="Use this account for every profile.",
    shell_complete=complete_account_ids,
)
@click.option(
    "--role-name", help="Use this role (permission set) for every profile.", shell_complete=complete_role_names
)
@click.option("--offline", is_flag=True, help="Decode accounts from the access key IDs; no STS calls.")
@style_choice("migrate-profiles")
@click.option("--certificate", metavar="FILE", help="roles-anywhere: the X.509 certificate.")
@click.option("--private-key", metavar="FILE", help="roles-anywhere: the certificate's private key.")
@click.option("--trust-anchor-arn", metavar="ARN", help="roles-anywhere: the trust anchor.")
@click.option("--profile-arn", metavar="ARN", help="roles-anywhere: the Roles Anywhere profile.")
@click.option("--role-arn", metavar="ARN", help="roles-anywhere: the role to assume.")
@click.option(
    "--command",
    "command",
    metavar="PROGRAM",
    help="What credential_process runs (default: this ssohelper's absolute path), e.g. ssohelper.",
)
@click.option("--dry-run", is_flag=True, help="Show the plan and the diff; change nothing.")
@output_options
@click.option("--yes", "-y", is_flag=True, help="Apply without asking.")
@click.option(
    "--deactivate-keys",
    is_flag=True,
    help="After the new profiles work, mark the old access keys Inactive (never deleted).",
)
@click.option("--rollback", is_flag=True, help="Restore the files from the latest migration's backups.")
@click.option(
    "--reactivate-keys",
    is_flag=True,
    help="Set the keys --deactivate-keys made Inactive Active again (with --rollback, or after it).",
)
@click.option("--list-backups", is_flag=True, help="List the migration backups.")
@click.option("--force", is_flag=True, help="With --rollback: even if the files changed since (they are saved first).")
@debug_option
def migrate_profiles(
    profiles: tuple[str, ...],
    sso_session: str | None,
    start_url: str | None,
    sso_region: str | None,
    maps: tuple[str, ...],
    account_id: str | None,
    role_name: str | None,
    offline: bool,
    style: str,
    certificate: str | None,
    private_key: str | None,
    trust_anchor_arn: str | None,
    profile_arn: str | None,
    role_arn: str | None,
    command: str | None,
    dry_run: bool,
    yes: bool,
    deactivate_keys: bool,
    rollback: bool,
    reactivate_keys: bool,
    list_backups: bool,
    force: bool,
    output: str | None,
) -> None:
    """Rewrite static-key profiles in ~/.aws/config and ~/.aws/credentials to use SSO.

    Shows a plan and a diff first; keeps every comment and unrelated byte; backs both files
    up and can roll back.

    Example: ssohelper migrate-profiles --sso-session corp --dry-run
    """
    from ssohelper.journal import backups
    from ssohelper.migration import planner
    from ssohelper.migration.discovery import parse_map

    if force and not rollback:
        raise UsageError("--force goes with --rollback")
    fmt = chosen_format(output, default="table")  # a plan to confirm is for people unless asked
    recover_first(dry_run)  # a crash mid-apply: finish or undo it first
    if list_backups:
        for backup in backups.list_backups():
            state = " (rolled back)" if backup.rolled_back else ""
            click.echo(f"{backup.created}  {backup.directory}{state}")
        return
    if rollback:
        rollback_files(force, yes, reactivate=reactivate_keys)
        return
    if reactivate_keys:
        reactivate_recorded()
        return
    anywhere = _roles_anywhere(style, certificate, private_key, trust_anchor_arn, profile_arn, role_arn)
    if anywhere is None:
        sso_session = sso_session or only_session()
    request = planner.Request(
        sso_session=sso_session or "",
        only=profiles,
        start_url=start_url,
        sso_region=sso_region,
        mapped=parse_map(maps),
        account_id=account_id,
        role_name=role_name,
        offline=offline,
        style=style,
        command=command,
        roles_anywhere=anywhere,
    )
    run_migrate(request, dry_run=dry_run, yes=yes, deactivate_keys=deactivate_keys, fmt=fmt)


def run_migrate(
    request: planner.Request, *, dry_run: bool, yes: bool, deactivate_keys: bool, fmt: str = "table"
) -> bool:
    """Plan, show (as --output says), ask and apply; whether anything changed (or would, on a dry run)."""
    from ssohelper.migration import plandoc, planner
    from ssohelper.migration.sessions import requested

    plan = with_sign_in(
        lambda: planner.make_plan(request, choose=_choose_on_terminal),
        lambda: requested(request.sso_session, request.start_url, request.sso_region),
    )
    if fmt != "table":
        show_document(plandoc.migrate_document(plan), fmt)
    else:
        click.echo(planner.table(plan), nl=False)
    if not plan.resolution.targets:
        say("Nothing to migrate.")
        _keys_left(plan, dry_run)
        return False
    if fmt == "table":
        click.echo()
        for part in plan.diff_parts():  # hunk by hunk: the diff of 20,000 profiles is big
            click.echo(part, nl=False)
    if dry_run:
        say("Dry run: nothing was changed.")
        _keys_left(plan, dry_run)
        return True
    backup = apply_plan(
        plan.changes, yes=yes, done=f"Migrated {len(plan.resolution.targets)} profile(s).", command="migrate-profiles"
    )
    if deactivate_keys:
        _retire(plan, backup.directory)
    _keys_left(plan, dry_run)
    return True


def _keys_left(plan: planner.Plan, dry_run: bool) -> None:
    """Profiles the plan leaves with their static keys: name them and the command that moves
    them; exit 9 (KeysLeft) unless this was only a dry run."""
    from ssohelper.errors import KeysLeft
    from ssohelper.migration import planner

    finish = planner.finish_command(plan)
    if finish is None:
        return
    names = ", ".join(name for name, _ in plan.resolution.skipped)
    keep = "would keep" if dry_run else "keep"
    message = f"{len(plan.resolution.skipped)} profile(s) {keep} their static keys ({names}); move them with: {finish}"
    if dry_run:
        say(message)
        return
    raise KeysLeft(message)


def _retire(plan: planner.Plan, directory: str) -> None:
    """Deactivate the migrated keys, report each, and record those made Inactive for a rollback."""
    from ssohelper.keys import keystate
    from ssohelper.migration import planner

    outcomes = planner.retire_keys(plan)
    for outcome in outcomes:
        reason = f": {outcome.reason}" if outcome.reason else ""
        say(f"{outcome.profile}: key {outcome.key} {outcome.result}{reason}")
    done = {o.profile for o in outcomes if o.result == "deactivated"}
    keys = [
        keystate.Deactivated(
            p.name,
            p.access_key_id or "",
            plan.request.sso_session,
            plan.resolution.targets[p.name].account_id,
            plan.resolution.targets[p.name].role_name,
            plan.session.start_url if plan.session else None,
            plan.session.region if plan.session else None,
        )
        for p in plan.survey.static
        if p.name in done
    ]
    keystate.record(directory, keys)


def _roles_anywhere(style: str, *values: str | None) -> RolesAnywhere | None:
    """The five roles-anywhere settings, all of them with that style and none without it."""
    from ssohelper.kinds import registry
    from ssohelper.kinds.rolesanywhere import ROLES_ANYWHERE
    from ssohelper.migration import rolesanywhere

    names = "--certificate, --private-key, --trust-anchor-arn, --profile-arn and --role-arn"
    if registry.by_style(style) is not ROLES_ANYWHERE:
        if any(values):
            raise UsageError(f"{names} go with --style {ROLES_ANYWHERE.style}")
        return None
    if not all(values):
        raise UsageError(f"--style {ROLES_ANYWHERE.style} needs {names}")
    return rolesanywhere.checked(*(str(v) for v in values))

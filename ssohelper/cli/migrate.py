"""The migrate-profiles command."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from ssohelper.cli.edits import apply_plan, recover_first
from ssohelper.cli.edits import rollback as rollback_files
from ssohelper.cli.options import account_id_checked, debug_option, say, style_choice
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
@click.option("--account-id", callback=account_id_checked, help="Use this account for every profile.")
@click.option("--role-name", help="Use this role (permission set) for every profile.")
@click.option("--offline", is_flag=True, help="Decode accounts from the access key IDs; no STS calls.")
@style_choice(
    "roles-anywhere",
    help_text="credential_process through ssohelper, native sso_session keys, or IAM Roles Anywhere's signing helper.",
)
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
@click.option("--yes", "-y", is_flag=True, help="Apply without asking.")
@click.option(
    "--deactivate-keys",
    is_flag=True,
    help="After the new profiles work, mark the old access keys Inactive (never deleted).",
)
@click.option("--rollback", is_flag=True, help="Restore the files from the latest migration's backups.")
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
    list_backups: bool,
    force: bool,
) -> None:
    """Rewrite static-key profiles in ~/.aws/config and ~/.aws/credentials to use SSO.

    Shows a plan and a diff first; keeps every comment and unrelated byte; backs both files
    up and can roll back.

    Example: ssohelper migrate-profiles --sso-session corp --dry-run
    """
    from ssohelper.migration import backups, planner
    from ssohelper.migration.discovery import parse_map

    if force and not rollback:
        raise UsageError("--force goes with --rollback")
    recover_first(dry_run)  # a crash mid-apply: finish or undo it first
    if list_backups:
        for backup in backups.list_backups():
            state = " (rolled back)" if backup.rolled_back else ""
            click.echo(f"{backup.created}  {backup.directory}{state}")
        return
    if rollback:
        rollback_files(force, yes)
        return
    anywhere = _roles_anywhere(style, certificate, private_key, trust_anchor_arn, profile_arn, role_arn)
    if not sso_session and anywhere is None:
        raise UsageError("--sso-session is required")
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
    _migrate(request, dry_run=dry_run, yes=yes, deactivate_keys=deactivate_keys)


def _migrate(request: planner.Request, *, dry_run: bool, yes: bool, deactivate_keys: bool) -> None:
    from ssohelper.migration import planner

    plan = planner.make_plan(request, choose=_choose_on_terminal)
    click.echo(planner.table(plan), nl=False)
    if not plan.resolution.targets:
        say("Nothing to migrate.")
        return
    click.echo()
    for part in plan.diff_parts():  # hunk by hunk: the diff of 20,000 profiles is big
        click.echo(part, nl=False)
    if dry_run:
        say("Dry run: nothing was changed.")
        return
    apply_plan(
        plan.changes, yes=yes, done=f"Migrated {len(plan.resolution.targets)} profile(s).", command="migrate-profiles"
    )
    if deactivate_keys:
        for outcome in planner.retire_keys(plan):
            reason = f": {outcome.reason}" if outcome.reason else ""
            say(f"{outcome.profile}: key {outcome.key} {outcome.result}{reason}")


def _roles_anywhere(style: str, *values: str | None) -> RolesAnywhere | None:
    """The five roles-anywhere settings, all of them with that style and none without it."""
    from ssohelper.migration import rolesanywhere

    names = "--certificate, --private-key, --trust-anchor-arn, --profile-arn and --role-arn"
    if style != "roles-anywhere":
        if any(values):
            raise UsageError(f"{names} go with --style roles-anywhere")
        return None
    if not all(values):
        raise UsageError(f"--style roles-anywhere needs {names}")
    return rolesanywhere.checked(*(str(v) for v in values))

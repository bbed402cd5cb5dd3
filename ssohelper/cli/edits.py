"""What every command that edits ~/.aws does first (recovery), how it applies, how it rolls back."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from ssohelper.cli.options import confirm_apply, say
from ssohelper.ini.read import display_path

if TYPE_CHECKING:
    from ssohelper.journal.backups import Backup, FileChange, Ledger
    from ssohelper.models import SsoSession


def recover_first(dry_run: bool, ledger: Ledger | None = None) -> None:
    """Finish or undo an apply a crash interrupted, and say which; a dry run only warns."""
    from ssohelper.journal import recovery

    if dry_run:
        if recovery.interrupted(ledger):
            say("ssohelper: a change was interrupted; the next run without --dry-run finishes or undoes it")
        return
    for report in recovery.recover(ledger):
        say(f"ssohelper: {report}")


def apply_plan(
    changes: list[FileChange], *, yes: bool, done: str, command: str, ledger: Ledger | None = None
) -> Backup:
    """Ask, apply with backups, say how to undo; after an edit of the AWS files, place the
    sign-in secrets again.

    The files are changed by then: a failure placing the secrets is a warning, not a failure."""
    from ssohelper.journal import backups
    from ssohelper.roles import launcher
    from ssohelper.tokens import vault

    confirm_apply(yes)
    if ledger is None:  # the lines written may run the launcher: it must exist, and run this install
        with backups.writing(launcher.path(), "nothing was changed"):
            launcher.install_if_named([change.after for change in changes])
    backup = backups.apply(changes, ledger)
    say(f"{done} Backups: {backup.directory}")
    say(f"Undo with: ssohelper {command} --rollback")
    if ledger is not None:
        return backup  # not the AWS files: no profile changed how it signs in
    try:
        vault.settle_configured()  # native profiles may now need the secrets in the token file
    except Exception as exc:
        say(
            f"ssohelper: warning: the change is applied, but placing the sign-in secrets failed ({exc}); "
            "'ssohelper status' places them again"
        )
    return backup


def rollback(force: bool, yes: bool, reactivate: bool = False, ledger: Ledger | None = None) -> None:
    """Show what the latest backup puts back, ask, keep edits made since (--force), restore;
    then say which restored keys are Inactive, and reactivate them when asked."""
    from ssohelper.journal import rollback as restoring
    from ssohelper.journal.masking import masked_diff
    from ssohelper.keys import keystate

    plan = restoring.plan_rollback(ledger)
    if not force:
        restoring.refuse_edited(plan)
    click.echo(masked_diff([(r.path, r.current, r.saved) for r in plan.restores]), nl=False)
    inactive = keystate.recorded(plan.backup.directory)
    if inactive:
        names = ", ".join(k.profile for k in inactive)
        say(f"warning: the keys restored for {names} were deactivated after this migration and are Inactive")
    confirm_apply(yes, "Restore these files?", review="the diff above is what it puts back")
    saved_in = restoring.rollback(plan, force=force)
    if saved_in:
        say(f"Your edits since the change are saved in {saved_in}.")
    say(f"Restored the files saved before the change of {plan.backup.created}.")
    if inactive:
        asked = not reactivate and sys.stdin.isatty() and click.confirm("Reactivate them?", default=False, err=True)
        if reactivate or asked:
            reactivate_keys(plan.backup.directory)
        else:
            say("They stay Inactive; reactivate them with: ssohelper migrate-profiles --reactivate-keys")


def reactivate_keys(directory: str | None = None) -> None:
    """Set the keys a rolled-back migration deactivated Active again, and report each."""
    from ssohelper.errors import NotApplied
    from ssohelper.keys import keystate

    if directory is None:
        latest = keystate.latest_rolled_back()
        if latest is None:
            raise NotApplied("no rolled-back migration has deactivated keys to reactivate")
        directory = latest.directory
    outcomes = keystate.reactivate(directory)
    for outcome in outcomes:
        reason = f": {outcome.reason}" if outcome.reason else ""
        say(f"{outcome.profile}: key {outcome.key} {outcome.result}{reason}")
    refused = [o for o in outcomes if o.result != "reactivated"]
    if refused:
        from ssohelper.errors import AwsError

        raise AwsError(
            f"{len(refused)} key(s) are still Inactive (see above); fix that and run again: "
            "ssohelper migrate-profiles --reactivate-keys"
        )


def add_session(name: str, start_url: str | None, region: str | None) -> SsoSession:
    """The session ``name``; its section is added to ~/.aws/config first (with a backup) when
    missing. One of that name with another URL or region is refused, with nothing written."""
    from ssohelper.journal import backups
    from ssohelper.migration import sessions

    session = sessions.requested(name, start_url, region)
    change = None if session.in_config else sessions.session_change(session)
    if change is None:
        return session
    recover_first(dry_run=False)
    backup = backups.apply([change])
    say(f"Added [sso-session {name}] to {display_path(change.path)}. Backup: {backup.directory}")
    return sessions.requested(name, start_url, region)


def only_session() -> str:
    """The config's only sso-session, for a command given no --sso-session (as login picks it)."""
    from ssohelper.ini import awsconfig
    from ssohelper.migration import sessions

    name = sessions.unique_session(awsconfig.load())
    say(f"Using the only sso-session, '{name}'.")
    return name

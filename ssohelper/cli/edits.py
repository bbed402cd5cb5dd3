"""What every command that edits ~/.aws does first (recovery), how it applies, how it rolls back."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ssohelper.cli.options import confirm_apply, say

if TYPE_CHECKING:
    from ssohelper.migration.backups import FileChange, Ledger


def recover_first(dry_run: bool, ledger: Ledger | None = None) -> None:
    """Finish or undo an apply a crash interrupted, and say which; a dry run only warns."""
    from ssohelper.migration import recovery

    if dry_run:
        if recovery.interrupted(ledger):
            say("ssohelper: a change was interrupted; the next run without --dry-run finishes or undoes it")
        return
    for report in recovery.recover(ledger):
        say(f"ssohelper: {report}")


def apply_plan(changes: list[FileChange], *, yes: bool, done: str, command: str, ledger: Ledger | None = None) -> None:
    """Ask, apply with backups, say how to undo; after an edit of the AWS files, place the
    sign-in secrets again.

    The files are changed by then: a failure placing the secrets is a warning, not a failure."""
    from ssohelper.migration import backups
    from ssohelper.sso import vault

    confirm_apply(yes)
    backup = backups.apply(changes, ledger)
    say(f"{done} Backups: {backup.directory}")
    say(f"Undo with: ssohelper {command} --rollback")
    if ledger is not None:
        return  # not the AWS files: no profile changed how it signs in
    try:
        vault.settle_configured()  # native profiles may now need the secrets in the token file
    except Exception as exc:
        say(
            f"ssohelper: warning: the change is applied, but placing the sign-in secrets failed ({exc}); "
            "'ssohelper status' places them again"
        )


def rollback(force: bool, yes: bool, ledger: Ledger | None = None) -> None:
    """Show what the latest backup puts back, ask, keep edits made since (--force), restore."""
    from ssohelper.migration import rollback as restoring
    from ssohelper.migration.masking import masked_diff

    plan = restoring.plan_rollback(ledger)
    if not force:
        restoring.refuse_edited(plan)
    click.echo(masked_diff([(r.path, r.current, r.saved) for r in plan.restores]), nl=False)
    confirm_apply(yes, "Restore these files?")
    saved_in = restoring.rollback(plan, force=force)
    if saved_in:
        say(f"Your edits since the change are saved in {saved_in}.")
    say(f"Restored the files saved before the change of {plan.backup.created}.")

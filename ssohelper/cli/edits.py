"""What every command that edits ~/.aws does first (recovery) and how it rolls back."""

from __future__ import annotations

import click

from ssohelper.cli.options import confirm_apply, say


def recover_first(dry_run: bool) -> None:
    """Finish or undo an apply a crash interrupted, and say which; a dry run only warns."""
    from ssohelper.migration import backups

    if dry_run:
        if backups.interrupted():
            say("ssohelper: a change was interrupted; the next run without --dry-run finishes or undoes it")
        return
    for report in backups.recover():
        say(f"ssohelper: {report}")


def rollback(force: bool, yes: bool) -> None:
    """Show what the latest backup puts back, ask, keep edits made since (--force), restore."""
    from ssohelper.migration import planner
    from ssohelper.migration import rollback as restoring

    plan = restoring.plan_rollback()
    if not force:
        restoring.refuse_edited(plan)
    click.echo(planner.masked_diff([(r.path, r.current, r.saved) for r in plan.restores]), nl=False)
    confirm_apply(yes, "Restore these files?")
    saved_in = restoring.rollback(plan, force=force)
    if saved_in:
        say(f"Your edits since the change are saved in {saved_in}.")
    say(f"Restored the files saved before the change of {plan.backup.created}.")

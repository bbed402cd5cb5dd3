"""Undoing a migration: show what would change, keep the user's later edits, restore the backup."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ssohelper.cache.fileio import write_atomic
from ssohelper.errors import NotApplied
from ssohelper.ini.read import display_path
from ssohelper.journal import backups
from ssohelper.journal.backups import Backup, Ledger


@dataclass(frozen=True)
class Restore:
    path: str
    current: bytes | None  # what the file holds now (None: missing)
    saved: bytes | None  # what the backup puts back (None: the file did not exist)
    edited: bool  # changed since the migration wrote it


@dataclass(frozen=True)
class RollbackPlan:
    backup: Backup
    restores: list[Restore]
    ledger: Ledger | None = None  # None: the AWS config and credentials files

    @property
    def edited(self) -> list[Restore]:
        return [r for r in self.restores if r.edited]


def plan_rollback(ledger: Ledger | None = None) -> RollbackPlan:
    """What rolling back the latest migration would write; nothing is written."""
    backup = next((b for b in backups.list_backups(ledger) if not b.rolled_back), None)
    if backup is None:
        raise NotApplied("there is no migration to roll back (see --list-backups)")
    restores = []
    for entry in backup.files:
        saved = backups.read_saved(backup, entry)
        if entry["existed"] and saved is None:
            raise NotApplied(
                f"the backup of {display_path(entry['path'])} in {backup.directory} is missing or damaged; "
                "nothing was changed"
            )
        current = backups.snapshot(entry["path"])
        # a file that holds the saved bytes already was restored by a rollback cut short: no edit
        edited = current != saved and backups.digest(current) != entry["after_sha256"]
        restores.append(Restore(entry["path"], current, saved, edited))
    return RollbackPlan(backup, restores, ledger)


def refuse_edited(plan: RollbackPlan) -> None:
    for restore in plan.edited:
        raise NotApplied(
            f"{display_path(restore.path)} changed after the migration of {plan.backup.created}; "
            "rolling back would lose that change (use --force: your current files are saved first)"
        )


def rollback(plan: RollbackPlan, *, force: bool = False) -> str | None:
    """Restore the files as ``plan`` showed them. With ``force``, files edited since the
    migration are first saved in the backup folder; returns where (None: nothing to save)."""
    if not force:
        refuse_edited(plan)
    with backups.edit_lock(plan.ledger):
        for restore in plan.restores:
            if backups.snapshot(restore.path) != restore.current:
                raise NotApplied(f"{display_path(restore.path)} changed while you were asked; nothing was changed")
        saved_in = _save_edits(plan)
        for restore in plan.restores:
            with backups.writing(restore.path, "the rollback is incomplete; run it again"):
                backups.restore_file(restore.path, restore.saved)
        backup = plan.backup
        backups.write_manifest(Backup(backup.directory, backup.created, backup.files, True))
    return saved_in


def _save_edits(plan: RollbackPlan) -> str | None:
    edited = [r for r in plan.edited if r.current is not None]
    if not edited:
        return None
    directory = plan.backup.directory
    with backups.writing(directory):
        for index, restore in enumerate(edited):
            name = f"edited-{index}-{os.path.basename(restore.path)}"
            write_atomic(os.path.join(directory, name), restore.current or b"")
    return directory

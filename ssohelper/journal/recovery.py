"""Finishing or undoing an apply that a crash interrupted (the journal's other half).

Every command that edits the AWS files calls ``recover()`` first. A backup folder with a
``pending`` journal but no manifest is an apply that did not finish: if both files are still as
planned before or after it, the apply is finished; otherwise what it changed is put back. Only
folders and journals the user wrote (the trust rule), naming only the AWS config and
credentials files, are ever acted on.
"""

from __future__ import annotations

import os
import shutil

from ssohelper import paths
from ssohelper.cache.fileio import check_dir, remove_stale_temps
from ssohelper.ini.read import display_path
from ssohelper.journal.backups import (
    MANIFEST,
    PENDING,
    Backup,
    Ledger,
    aws_files,
    commit,
    digest,
    edit_lock,
    folders,
    read_json,
    read_saved,
    replace,
    restore_file,
    snapshot,
    writing,
)


def interrupted(ledger: Ledger | None = None) -> list[str]:
    """Backup folders of applies that did not finish (recover() deals with them)."""
    return [d for d in folders(ledger) if not os.path.exists(os.path.join(d, MANIFEST))]


def recover(ledger: Ledger | None = None) -> list[str]:
    """Finish or undo any apply a crash interrupted; one line per folder says which.

    Called first by every command that edits the config files. Also removes ssohelper's stale
    temp files beside the AWS files, which may hold keys."""
    if ledger is None:
        for path in (paths.aws_config_file(), paths.aws_credentials_file()):
            remove_stale_temps(os.path.dirname(os.path.realpath(path)))
    ledger = ledger or aws_files()
    if not os.path.isdir(ledger.root):
        return []  # no migration ever started here
    with edit_lock(ledger), writing(ledger.root, "an interrupted migration is still pending"):
        reports = [_resolve(directory, ledger) for directory in reversed(folders(ledger))]
    return [report for report in reports if report]


def _resolve(directory: str, ledger: Ledger) -> str | None:
    """Finish, undo or clear one unfinished backup folder (None: it is a finished one)."""
    if not _ours(directory):
        if os.path.exists(os.path.join(directory, PENDING)):
            return f"ignored {display_path(directory)}: not written by you (the trust rule); remove that folder"
        return None
    if not os.path.exists(os.path.join(directory, PENDING)):
        if not os.path.exists(os.path.join(directory, MANIFEST)):  # died before recording its intent
            shutil.rmtree(directory, ignore_errors=True)
        return None
    remove_stale_temps(directory)
    if os.path.exists(os.path.join(directory, MANIFEST)):  # died while committing
        commit(read_json(directory, MANIFEST, ledger) or Backup(directory, "", [], False))
        return None
    backup = read_json(directory, PENDING, ledger)
    if backup is None:  # unreadable or not ours: nothing to go on; the folder is kept for the user
        return (
            f"ignored {display_path(directory)}/{PENDING}: unreadable, not written by you, or naming files other "
            f"than {ledger.files}; check those files, then remove that folder"
        )
    states = [_state(entry) for entry in backup.files]
    planned = [read_saved(backup, entry, "planned") for entry in backup.files]
    names = ", ".join(display_path(entry["path"]) for entry in backup.files)
    if "edited" not in states and None not in planned:
        for entry, state, data in zip(backup.files, states, planned, strict=True):
            if state == "before" and data is not None:
                replace(entry["path"], data)
        commit(backup)
        return f"finished the migration of {backup.created} that was interrupted ({names}); undo with --rollback"
    kept = []
    for entry, state in zip(backup.files, states, strict=True):
        saved = read_saved(backup, entry)
        if state == "after" and (saved is not None or not entry["existed"]):
            restore_file(entry["path"], saved)
        elif state != "before":
            kept.append(display_path(entry["path"]))
    commit(Backup(directory, backup.created, backup.files, True))
    left = f"; left {', '.join(kept)} as it is (edited since)" if kept else ""
    return f"undid the migration of {backup.created} that was interrupted ({names}){left}"


def _state(entry: dict) -> str:
    """Is the file now as it was before the apply, as planned after it, or edited since?"""
    now = digest(snapshot(entry["path"]))
    if now == entry["before_sha256"]:
        return "before"
    return "after" if now == entry["after_sha256"] else "edited"


def _ours(directory: str) -> bool:
    """A backup folder of the user's own: not a symlink, the user's, writable by nobody else."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        check_dir(directory, fd)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True

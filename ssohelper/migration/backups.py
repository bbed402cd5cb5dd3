"""Applying a rewrite safely: a backup, a journal, atomic replaces, and recovery after a crash.

Before anything is written, both files are checked against the snapshot the plan was made
from, and their contents before and after are copied (0600) into a timestamped backup folder.
A ``pending`` file there records the intent; only then is each file replaced atomically,
keeping its mode. When every file is replaced, the ``manifest.json`` makes the folder a
migration that --rollback can undo, and ``pending`` goes.

If a write fails, the files already replaced are put back and the folder is removed. If the
process dies in between, the next command that edits these files calls recover() first: it
finishes the apply when every file is still as planned (before or after), else it undoes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ssohelper import paths
from ssohelper.cache import locks
from ssohelper.cache.fileio import ensure_private_dir, remove_quietly, remove_stale_temps, write_atomic
from ssohelper.errors import ConfigError, NotApplied
from ssohelper.ini.read import display_path

MANIFEST = "manifest.json"
PENDING = "pending"
LOCK = ".lock"
LOCK_WAIT = 30.0  # seconds; an apply writes two files


@dataclass(frozen=True)
class FileChange:
    path: str
    before: bytes | None  # None: the file did not exist
    after: bytes


@dataclass(frozen=True)
class Backup:
    directory: str
    created: str
    files: list[dict]
    rolled_back: bool


def snapshot(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{display_path(path)}: cannot read ({exc.strerror})") from None


def digest(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest() if data is not None else None


@contextmanager
def writing(path: str, outcome: str = "nothing was changed") -> Iterator[None]:
    """Turn a failed write under ``path`` into a one-line ConfigError that names it."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise ConfigError(f"{display_path(path)}: cannot write ({reason}); {outcome}") from None


@contextmanager
def edit_lock() -> Iterator[None]:
    """One editing command at a time (migrate, rollback, recovery, populate)."""
    root = paths.backup_dir()
    with writing(root):
        ensure_private_dir(root)
    with locks.file_lock(os.path.join(root, LOCK), timeout=LOCK_WAIT, what="another migration"):
        yield


def apply(changes: list[FileChange]) -> Backup:
    """Write every change, or none of them. Returns the backup that --rollback will use."""
    changes = [c for c in changes if c.after != (c.before or b"")]  # no empty file where none was
    with edit_lock():
        for change in changes:
            if snapshot(change.path) != change.before:
                raise NotApplied(
                    f"{display_path(change.path)} changed since the plan was made; "
                    "nothing was written: run the command again"
                )
        with writing(paths.backup_dir()):
            backup = _record_intent(changes)
        written: list[FileChange] = []
        try:
            for change in changes:
                _replace(change.path, change.after)
                written.append(change)
        except OSError as exc:
            undone = _undo(backup.directory, written)
            outcome = "nothing was changed" if undone else _half_done(written)
            raise ConfigError(f"{display_path(change.path)}: cannot write ({exc.strerror}); {outcome}") from None
        except BaseException:
            _undo(backup.directory, written)
            raise
        _commit(backup)
    return backup


def _half_done(written: list[FileChange]) -> str:
    names = ", ".join(display_path(c.path) for c in written)
    return f"{names} could not be put back: the next ssohelper migrate-profiles finishes or undoes it"


def _undo(directory: str, written: list[FileChange]) -> bool:
    """Put back what was already replaced; drop the backup, which is no migration. False if stuck."""
    try:
        for change in reversed(written):
            restore_file(change.path, change.before)
    except OSError:
        return False  # ``pending`` stays: recover() will try again
    shutil.rmtree(directory, ignore_errors=True)
    return True


def _replace(path: str, data: bytes) -> None:
    path = os.path.realpath(path)  # a symlinked ~/.aws/config (dotfiles) stays a symlink
    try:
        mode = os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        mode = 0o600
        ensure_private_dir(os.path.dirname(path))
    write_atomic(path, data, mode=mode)


def restore_file(path: str, data: bytes | None) -> None:
    path = os.path.realpath(path)
    if data is None:
        remove_quietly(path)
    else:
        _replace(path, data)


def _record_intent(changes: list[FileChange]) -> Backup:
    """The backup folder: each file's contents before and after, then ``pending``."""
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{time.time_ns() % 1_000_000_000:09d}"
    directory = ensure_private_dir(os.path.join(paths.backup_dir(), stamp))
    files = []
    for index, change in enumerate(changes):
        name = f"{index}-{os.path.basename(change.path)}"
        if change.before is not None:
            write_atomic(os.path.join(directory, name), change.before)
        write_atomic(os.path.join(directory, "planned-" + name), change.after)
        files.append(
            {
                "path": change.path,
                "backup": name,
                "planned": "planned-" + name,
                "existed": change.before is not None,
                "before_sha256": digest(change.before),
                "after_sha256": digest(change.after),
            }
        )
    backup = Backup(directory, created, files, False)
    _write_json(directory, PENDING, backup)
    return backup


def _write_json(directory: str, name: str, backup: Backup) -> None:
    record = {"created": backup.created, "files": backup.files, "rolled_back": backup.rolled_back}
    write_atomic(os.path.join(directory, name), json.dumps(record, indent=2).encode())


def _commit(backup: Backup) -> None:
    """The apply is complete: the folder becomes a migration; the planned copies go."""
    _write_json(backup.directory, MANIFEST, backup)
    remove_quietly(os.path.join(backup.directory, PENDING))
    for entry in backup.files:
        remove_quietly(os.path.join(backup.directory, entry["planned"]))


def write_manifest(backup: Backup) -> None:
    _write_json(backup.directory, MANIFEST, backup)


def read_saved(backup: Backup, entry: dict, key: str = "backup") -> bytes | None:
    """A file's contents kept in the backup, or None if they are missing or not what was kept."""
    expected = entry["after_sha256"] if key == "planned" else entry["before_sha256"]
    if key == "backup" and not entry["existed"]:
        return None
    try:
        with open(os.path.join(backup.directory, entry[key]), "rb") as handle:
            data = handle.read()
    except (OSError, KeyError):
        return None
    return data if digest(data) == expected else None


def list_backups() -> list[Backup]:
    """Every migration's backup, newest first. Unreadable ones are left out."""
    found = []
    for directory in _folders():
        backup = _read_json(directory, MANIFEST)
        if backup is not None:
            found.append(backup)
    return found


def _folders() -> list[str]:
    try:
        names = sorted(os.listdir(paths.backup_dir()), reverse=True)
    except OSError:
        return []
    return [os.path.join(paths.backup_dir(), name) for name in names if not name.startswith(".")]


def _read_json(directory: str, name: str) -> Backup | None:
    try:
        with open(os.path.join(directory, name), encoding="utf-8") as handle:
            raw = json.load(handle)
        return Backup(directory, raw["created"], raw["files"], bool(raw.get("rolled_back")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def interrupted() -> list[str]:
    """Backup folders of applies that did not finish (recover() deals with them)."""
    return [d for d in _folders() if not os.path.exists(os.path.join(d, MANIFEST))]


def recover() -> list[str]:
    """Finish or undo any apply a crash interrupted; one line per folder says which.

    Called first by every command that edits the config files. Also removes ssohelper's stale
    temp files beside them, which may hold keys."""
    for path in (paths.aws_config_file(), paths.aws_credentials_file()):
        remove_stale_temps(os.path.dirname(os.path.realpath(path)))
    if not os.path.isdir(paths.backup_dir()):
        return []  # no migration ever started here
    with edit_lock(), writing(paths.backup_dir(), "an interrupted migration is still pending"):
        reports = [_resolve(directory) for directory in reversed(_folders())]
    return [report for report in reports if report]


def _resolve(directory: str) -> str | None:
    """Finish, undo or clear one unfinished backup folder (None: it is a finished one)."""
    if not os.path.exists(os.path.join(directory, PENDING)):
        if not os.path.exists(os.path.join(directory, MANIFEST)):  # died before recording its intent
            shutil.rmtree(directory, ignore_errors=True)
        return None
    remove_stale_temps(directory)
    if os.path.exists(os.path.join(directory, MANIFEST)):  # died while committing
        _commit(_read_json(directory, MANIFEST) or Backup(directory, "", [], False))
        return None
    backup = _read_json(directory, PENDING)
    if backup is None:  # unreadable: nothing to go on; the folder is kept for the user
        return f"cannot read {display_path(directory)}/{PENDING}; check both files, then remove that folder"
    states = [_state(entry) for entry in backup.files]
    planned = [read_saved(backup, entry, "planned") for entry in backup.files]
    names = ", ".join(display_path(entry["path"]) for entry in backup.files)
    if "edited" not in states and None not in planned:
        for entry, state, data in zip(backup.files, states, planned, strict=True):
            if state == "before" and data is not None:
                _replace(entry["path"], data)
        _commit(backup)
        return f"finished the migration of {backup.created} that was interrupted ({names}); undo with --rollback"
    kept = []
    for entry, state in zip(backup.files, states, strict=True):
        saved = read_saved(backup, entry)
        if state == "after" and (saved is not None or not entry["existed"]):
            restore_file(entry["path"], saved)
        elif state != "before":
            kept.append(display_path(entry["path"]))
    _commit(Backup(directory, backup.created, backup.files, True))
    left = f"; left {', '.join(kept)} as it is (edited since)" if kept else ""
    return f"undid the migration of {backup.created} that was interrupted ({names}){left}"


def _state(entry: dict) -> str:
    """Is the file now as it was before the apply, as planned after it, or edited since?"""
    now = digest(snapshot(entry["path"]))
    if now == entry["before_sha256"]:
        return "before"
    return "after" if now == entry["after_sha256"] else "edited"

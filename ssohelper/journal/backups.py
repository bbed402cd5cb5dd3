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
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ssohelper import paths, times
from ssohelper.cache import locks
from ssohelper.cache.fileio import (
    ensure_private_dir,
    read_trusted,
    remove_quietly,
    write_atomic,
)
from ssohelper.errors import ConfigError, NotApplied
from ssohelper.ini.read import display_path, read_file

MANIFEST = "manifest.json"
PENDING = "pending"
LOCK = ".lock"
LOCK_WAIT = 30.0  # seconds; an apply writes two files
_FOLDER = re.compile(r"\d{8}T\d{6}-\d{9}")  # a backup folder is named by its time; nothing else is one


@dataclass(frozen=True)
class FileChange:
    path: str
    before: bytes | None  # None: the file did not exist
    after: bytes


@dataclass(frozen=True)
class Ledger:
    """Where one kind of edit keeps its backups and journals, and which files they may name."""

    root: str
    owns: Callable[[str], bool]
    files: str = "your AWS config and credentials"  # those files, in words


def aws_files() -> Ledger:
    """migrate-profiles and populate: ~/.aws/config and ~/.aws/credentials, backups in backup_dir()."""
    return Ledger(paths.backup_dir(), _edited_by_migrations)


@dataclass(frozen=True)
class Backup:
    directory: str
    created: str
    files: list[dict]
    rolled_back: bool


def snapshot(path: str) -> bytes | None:
    """A config or credentials file's bytes now (None: there is none)."""
    return read_file(path)


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
def edit_lock(ledger: Ledger | None = None) -> Iterator[None]:
    """One editing command at a time per ledger (migrate, rollback, recovery, populate)."""
    root = (ledger or aws_files()).root
    with writing(root):
        ensure_private_dir(root)
    with locks.file_lock(os.path.join(root, LOCK), timeout=LOCK_WAIT, what="another migration"):
        yield


def apply(changes: list[FileChange], ledger: Ledger | None = None) -> Backup:
    """Write every change, or none of them. Returns the backup that --rollback will use."""
    changes = [c for c in changes if c.after != (c.before or b"")]  # no empty file where none was
    root = (ledger or aws_files()).root
    with edit_lock(ledger):
        for change in changes:
            if snapshot(change.path) != change.before:
                raise NotApplied(
                    f"{display_path(change.path)} changed since the plan was made; "
                    "nothing was written: run the command again"
                )
        with writing(root):
            backup = _record_intent(changes, root)
        written: list[FileChange] = []
        try:
            for change in changes:
                replace(change.path, change.after)
                written.append(change)
        except OSError as exc:
            undone = _undo(backup.directory, written)
            outcome = "nothing was changed" if undone else _half_done(written)
            raise ConfigError(f"{display_path(change.path)}: cannot write ({exc.strerror}); {outcome}") from None
        except BaseException:
            _undo(backup.directory, written)
            raise
        commit(backup)
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


def replace(path: str, data: bytes) -> None:
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
        replace(path, data)


def _record_intent(changes: list[FileChange], root: str) -> Backup:
    """The backup folder: each file's contents before and after, then ``pending``."""
    created = times.format_epoch(time.time())
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{time.time_ns() % 1_000_000_000:09d}"
    directory = ensure_private_dir(os.path.join(root, stamp))
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


def commit(backup: Backup) -> None:
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
        data = read_trusted(os.path.join(backup.directory, os.path.basename(entry[key])))
    except (OSError, KeyError, TypeError):
        return None
    return data if digest(data) == expected else None


def list_backups(ledger: Ledger | None = None) -> list[Backup]:
    """Every migration's backup, newest first. Unreadable ones are left out."""
    found = []
    for directory in folders(ledger):
        backup = read_json(directory, MANIFEST, ledger)
        if backup is not None:
            found.append(backup)
    return found


def folders(ledger: Ledger | None = None) -> list[str]:
    root = (ledger or aws_files()).root
    try:
        names = sorted(os.listdir(root), reverse=True)
    except OSError:
        return []
    return [os.path.join(root, name) for name in names if _FOLDER.fullmatch(name)]


def read_json(directory: str, name: str, ledger: Ledger | None = None) -> Backup | None:
    """A manifest or journal that only the user could have written (the trust rule), and that
    names only the AWS config and credentials files; None for anything else."""
    try:
        raw = json.loads(read_trusted(os.path.join(directory, name)))
        backup = Backup(directory, raw["created"], raw["files"], bool(raw.get("rolled_back")))
        if all((ledger or aws_files()).owns(entry["path"]) for entry in backup.files):
            return backup
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def _edited_by_migrations(path: object) -> bool:
    """Migrations and populate edit these two files only; a journal naming another is not ours."""
    mine = (paths.aws_config_file(), paths.aws_credentials_file())
    return isinstance(path, str) and os.path.realpath(path) in {os.path.realpath(p) for p in mine}

"""Applying a rewrite safely, and undoing it.

Before anything is written, both files are checked against the snapshot the plan was made
from, and copied (0600) into a timestamped backup. Each file is then replaced atomically,
keeping its mode; if the second write fails, the first is put back.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass

from ssohelper import paths
from ssohelper.cache.fileio import ensure_private_dir, remove_quietly, write_atomic
from ssohelper.errors import ConfigError, NotApplied
from ssohelper.ini.read import display_path

MANIFEST = "manifest.json"


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


def _digest(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest() if data is not None else None


def apply(changes: list[FileChange]) -> Backup:
    """Write every change, or none of them. Returns the backup that --rollback will use."""
    changes = [c for c in changes if c.after != (c.before or b"")]  # no empty file where none was
    for change in changes:
        if snapshot(change.path) != change.before:
            raise NotApplied(
                f"{display_path(change.path)} changed since the plan was made; "
                "nothing was written: run the command again"
            )
    backup = _write_backup(changes)
    written: list[FileChange] = []
    try:
        for change in changes:
            _replace(change.path, change.after)
            written.append(change)
    except BaseException:
        for change in reversed(written):  # put back what was already replaced
            _restore(change.path, change.before)
        raise
    return backup


def _replace(path: str, data: bytes) -> None:
    path = os.path.realpath(path)  # a symlinked ~/.aws/config (dotfiles) stays a symlink
    try:
        mode = os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        mode = 0o600
        ensure_private_dir(os.path.dirname(path))
    write_atomic(path, data, mode=mode)


def _restore(path: str, data: bytes | None) -> None:
    path = os.path.realpath(path)
    if data is None:
        remove_quietly(path)
    else:
        _replace(path, data)


def _write_backup(changes: list[FileChange]) -> Backup:
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    directory = os.path.join(
        paths.backup_dir(), time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{time.time_ns() % 1_000_000_000:09d}"
    )
    ensure_private_dir(directory)
    files = []
    for index, change in enumerate(changes):
        name = f"{index}-{os.path.basename(change.path)}"
        if change.before is not None:
            write_atomic(os.path.join(directory, name), change.before)
        files.append(
            {
                "path": change.path,
                "backup": name,
                "existed": change.before is not None,
                "before_sha256": _digest(change.before),
                "after_sha256": _digest(change.after),
            }
        )
    manifest = {"created": created, "files": files, "rolled_back": False}
    write_atomic(os.path.join(directory, MANIFEST), json.dumps(manifest, indent=2).encode())
    return Backup(directory, created, files, False)


def list_backups() -> list[Backup]:
    """Every migration's backup, newest first. Unreadable ones are left out."""
    try:
        names = sorted(os.listdir(paths.backup_dir()), reverse=True)
    except OSError:
        return []
    found = []
    for name in names:
        directory = os.path.join(paths.backup_dir(), name)
        try:
            with open(os.path.join(directory, MANIFEST), encoding="utf-8") as handle:
                raw = json.load(handle)
            found.append(Backup(directory, raw["created"], raw["files"], bool(raw.get("rolled_back"))))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return found


def rollback(*, force: bool = False) -> Backup:
    """Restore the files of the most recent migration that has not been rolled back."""
    backup = next((b for b in list_backups() if not b.rolled_back), None)
    if backup is None:
        raise NotApplied("there is no migration to roll back (see --list-backups)")
    if not force:
        for entry in backup.files:
            if _digest(snapshot(entry["path"])) != entry["after_sha256"]:
                raise NotApplied(
                    f"{display_path(entry['path'])} changed after the migration of "
                    f"{backup.created}; rolling back would lose that change (use --force)"
                )
    for entry in backup.files:
        before = None
        if entry["existed"]:
            with open(os.path.join(backup.directory, entry["backup"]), "rb") as handle:
                before = handle.read()
        _restore(entry["path"], before)
    manifest = {"created": backup.created, "files": backup.files, "rolled_back": True}
    write_atomic(os.path.join(backup.directory, MANIFEST), json.dumps(manifest, indent=2).encode())
    return backup

"""A key rotation's journal: one record per profile, and the new secret until it is in the file.

The record says how far the rotation got (``creating`` -> ``created`` -> ``switched`` ->
``deactivated`` -> ``finished``, or ``rolled-back``), so that a rotation killed at any step is
finished or undone by the next run. The new key's secret is written (0600) before anything
else can lose it, and removed once the profile's file holds it. Files are trusted only if the
user wrote them (the cache's trust rule).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass

from ssohelper import paths
from ssohelper.cache.fileio import Untrusted, ensure_private_dir, read_trusted, remove_quietly, write_atomic
from ssohelper.errors import ConfigError
from ssohelper.ini.read import display_path
from ssohelper.journal import backups

CREATING, CREATED, SWITCHED, DEACTIVATED, FINISHED, ROLLED_BACK = (
    "creating",
    "created",
    "switched",
    "deactivated",
    "finished",
    "rolled-back",
)
OPEN = (CREATING, CREATED, SWITCHED)  # a run must finish these before anything else


@dataclass(frozen=True)
class Rotation:
    profile: str
    user: str
    account_id: str
    old_key_id: str
    state: str
    started_at: str  # RFC 3339 UTC
    new_key_id: str | None = None
    switched_at: str | None = None
    admin_profile: str | None = None

    def moved(self, **changes: str | None) -> Rotation:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def directory(profile: str) -> str:
    """This profile's rotation folder: its record, the pending secret, the file backups."""
    digest = hashlib.sha256(f"{paths.aws_credentials_file()}\0{profile}".encode()).hexdigest()[:16]
    return os.path.join(paths.backup_dir(), "rotations", digest)


def ledger(profile: str) -> backups.Ledger:
    """The journal of this profile's rotations (separate from migrations: migrate-profiles
    --rollback never undoes a rotation, which would strand the key it deactivated)."""
    return backups.Ledger(directory(profile), backups.aws_files().owns, "your AWS credentials")


def load(profile: str) -> Rotation | None:
    path = os.path.join(directory(profile), "rotation.json")
    try:
        raw = json.loads(read_trusted(path))
        return Rotation(**raw) if raw.get("profile") == profile else None
    except FileNotFoundError:
        return None
    except Untrusted as exc:
        raise ConfigError(str(exc)) from None
    except (OSError, ValueError, TypeError):
        raise ConfigError(f"{display_path(path)} is damaged; move it away to start a new rotation") from None


def save(rotation: Rotation) -> None:
    folder = directory(rotation.profile)
    with backups.writing(folder):
        ensure_private_dir(folder)
        write_atomic(os.path.join(folder, "rotation.json"), json.dumps(dataclasses.asdict(rotation), indent=1).encode())


def keep_secret(profile: str, key_id: str, secret: str) -> None:
    """The new key's secret, safe (0600) before anything else happens."""
    folder = directory(profile)
    with backups.writing(folder, "the new key's secret was not kept; run rotate-key again to clear it"):
        ensure_private_dir(folder)
        write_atomic(os.path.join(folder, "new-key.json"), json.dumps({"id": key_id, "secret": secret}).encode())


def kept_secret(profile: str, key_id: str) -> str | None:
    try:
        raw = json.loads(read_trusted(os.path.join(directory(profile), "new-key.json")))
    except (OSError, ValueError, Untrusted):
        return None
    return raw.get("secret") if isinstance(raw, dict) and raw.get("id") == key_id else None


def forget_secret(profile: str) -> None:
    remove_quietly(os.path.join(directory(profile), "new-key.json"))

"""The burn-down: saved organisation audits joined into one history of every key.

``audit --org --save`` keeps each audit's document (key IDs already masked) under the data
directory, and folds it into ``history.json``: one entry per key ever seen (its account, user,
first and last audit it was active in, last use) and one line of counts per audit. ``keys
report`` reads that one file, plus any ``audit --output json`` documents from laptops and CI
given on the command line, so a year of weekly audits reports as fast as one. Keys are joined
by account, user and masked key ID; a laptop's key (no account) joins by its masked ID.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, NamedTuple

from ssohelper import paths, times
from ssohelper.cache.fileio import Untrusted, ensure_private_dir, read_trusted, write_atomic
from ssohelper.errors import ConfigError
from ssohelper.ini.read import display_path
from ssohelper.journal import backups

UNUSED_DAYS = 90  # CIS AWS Foundations 1.14 asks for rotation within 90 days
CIS = {
    "unused-45": "CIS 1.12 (credentials unused 45+ days disabled)",
    "two-keys": "CIS 1.13 (one active key per user)",
    "age-90": "CIS 1.14 (keys rotated within 90 days)",
}


def folder() -> str:
    return os.path.join(paths.user_data_dir(), "audits")


def _read_json(path: str) -> Any:
    try:
        return json.loads(read_trusted(path))
    except Untrusted as exc:
        raise ConfigError(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{display_path(path)} can't be read ({exc.__class__.__name__}); move it away") from None


def load() -> dict[str, Any]:
    path = os.path.join(folder(), "history.json")
    if not os.path.exists(path):
        return {"version": 1, "audits": [], "keys": {}}
    found = _read_json(path)
    if not isinstance(found, dict) or not isinstance(found.get("keys"), dict):
        raise ConfigError(f"{display_path(path)} is not ssohelper's audit history; move it away")
    return found


def save(document: dict[str, Any]) -> str:
    """Keep one ``audit --org`` document and fold it into the history; returns where it went."""
    at = document["generated_at"]
    history = load()
    if any(audit["generated_at"] == at for audit in history["audits"]):
        return os.path.join(folder(), _name(at))
    counts = {key: value for key, value in document["summary"].items() if isinstance(value, int)}
    history["audits"].append({"generated_at": at, "role_name": document.get("role_name"), "counts": counts})
    history["audits"].sort(key=lambda audit: audit["generated_at"])
    latest = history["audits"][-1]["generated_at"] == at
    for account in document["accounts"]:
        if account["status"] != "audited":
            continue
        for key in account["access_keys"]:
            _fold(history["keys"], account, key, at, latest)
    with backups.writing(folder(), "the audit was not saved"):
        ensure_private_dir(folder())
        write_atomic(os.path.join(folder(), _name(at)), json.dumps(document, separators=(",", ":")).encode())
        write_atomic(os.path.join(folder(), "history.json"), json.dumps(history, separators=(",", ":")).encode())
    return os.path.join(folder(), _name(at))


def _name(at: str) -> str:
    return "org-" + at.replace(":", "").replace("-", "") + ".json"


def _fold(keys: dict[str, Any], account: dict[str, Any], key: dict[str, Any], at: str, latest: bool) -> None:
    ident = f"{account['account_id']}/{key['user']}/{key['access_key_id']}"
    entry = keys.setdefault(
        ident,
        {
            "account_id": account["account_id"],
            "account_name": account.get("account_name"),
            "user": key["user"],
            "access_key_id": key["access_key_id"],
            "created": key.get("created"),
            "first_seen": at,
            "last_seen": at,
            "last_used": None,
        },
    )
    entry["first_seen"] = min(entry["first_seen"], at)
    if at >= entry["last_seen"]:
        entry["last_seen"] = at
        entry["last_used"] = key.get("last_used")
        entry["account_name"] = account.get("account_name")


class Row(NamedTuple):
    """One key in the report (a named tuple: a year of audits makes tens of thousands)."""

    account_id: str | None
    user: str | None
    access_key_id: str  # masked
    found_in: str  # "organisation audit", or the laptop/CI file
    state: str  # active | unused | deactivated | gone
    idle_days: int | None
    last_used: str | None
    created: str | None
    controls: str


def report(extra: Iterable[str] = (), deactivated: Iterable[str] = ()) -> tuple[list[Row], list[dict[str, Any]]]:
    """Every key the history or ``extra`` documents know, and the counts per saved audit."""
    history = load()
    audits = history["audits"]
    latest = audits[-1]["generated_at"] if audits else None
    off = set(deactivated)
    per_user: dict[tuple[str, str], int] = {}
    for entry in history["keys"].values():
        if entry["last_seen"] == latest:
            per_user[(entry["account_id"], entry["user"])] = per_user.get((entry["account_id"], entry["user"]), 0) + 1
    rows = []
    for entry in history["keys"].values():
        active = entry["last_seen"] == latest
        since = entry["last_used"] or entry["created"]
        idle = days_between(since, latest) if active and since and latest else None
        state = _state(active, idle, entry["access_key_id"] in off)
        two = per_user.get((entry["account_id"], entry["user"]), 0) > 1
        rows.append(
            Row(
                entry["account_id"],
                entry["user"],
                entry["access_key_id"],
                "organisation audit",
                state,
                idle,
                entry["last_used"],
                entry["created"],
                _controls(
                    active,
                    idle,
                    days_between(entry["created"], latest) if active and entry["created"] and latest else None,
                    two,
                ),
            )
        )
    for path in extra:
        rows.extend(_laptop_rows(path))
    rows.sort(key=lambda r: (r.account_id or "", r.user or "", r.access_key_id))
    return rows, audits


def days_between(earlier: str, later: str) -> int:
    """Whole days between two RFC 3339 UTC times."""
    return int((_parse(later) - _parse(earlier)) // 86400)


_parse = lru_cache(maxsize=4096)(times.parse_epoch)  # a report reads the same few times over and over


def _state(active: bool, idle: int | None, deactivated: bool) -> str:
    if deactivated:
        return "deactivated"
    if not active:
        return "gone"
    return "unused" if idle is not None and idle >= UNUSED_DAYS else "active"


def _controls(active: bool, idle: int | None, age: int | None, two_keys: bool) -> str:
    failed = []
    if active and idle is not None and idle >= 45:
        failed.append(CIS["unused-45"])
    if two_keys:
        failed.append(CIS["two-keys"])
    if active and age is not None and age > 90:
        failed.append(CIS["age-90"])
    return "; ".join(failed)


def _laptop_rows(path: str) -> list[Row]:
    """An ``audit --output json`` (this machine: keys with masked IDs) or an ``audit --ci
    --output json`` (pipelines: where a key is used, its ID unknown) document."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{display_path(path)} can't be read as an audit ({exc.__class__.__name__})") from None
    if not isinstance(document, dict) or not ("keys" in document or "findings" in document):
        raise ConfigError(f"{display_path(path)} is not an ssohelper audit document (no 'keys' or 'findings')")
    rows = []
    for key in document.get("keys") or []:
        if isinstance(key, dict) and str(key.get("key") or "").startswith("AKIA"):
            where = f"{key.get('path') or path} [{key.get('profile') or key.get('source')}]"
            rows.append(Row(None, None, str(key["key"]), where, "active", None, None, None, ""))
    for finding in document.get("findings") or []:
        if isinstance(finding, dict):
            job = f" (job {finding['job']})" if finding.get("job") else ""
            where = f"{document.get('root', path)}/{finding.get('path')}:{finding.get('line')}{job}"
            rows.append(Row(None, None, "-", where, "in-pipeline", None, None, None, ""))
    return rows

"""migrate-profiles survives crashes and failed writes: the journal, recovery, clear errors."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run_ssohelper

from ssohelper import errors, paths
from ssohelper.journal import backups, recovery

MAP = ("--map", "work=111111111111:Developer")
MIGRATE = ("migrate-profiles", "--sso-session", "corp", *MAP, "--yes")
CONFIG = (
    "[sso-session corp]\nsso_start_url = https://x/start\nsso_region = us-east-1\n\n"
    "[profile work]\nregion = us-east-1\n"
)
SECRET = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"
CREDENTIALS = f"[work]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = {SECRET}\n"

# Dies (like kill -9: no cleanup at all) right after the first of the two replaces.
CRASH_BETWEEN_REPLACES = """
import os
from ssohelper.journal import backups
from ssohelper.migration import planner
from ssohelper.migration.discovery import parse_map
real, done = backups.replace, []
def dying(path, data):
    if done:
        os._exit(9)
    done.append(path)
    real(path, data)
backups.replace = dying
plan = planner.make_plan(planner.Request(sso_session="corp", mapped=parse_map(["work=111111111111:Developer"])))
backups.apply(plan.changes)
"""


@pytest.fixture
def aws(isolated_home: Path) -> Path:
    folder = isolated_home / ".aws"
    folder.mkdir()
    (folder / "config").write_text(CONFIG)
    (folder / "credentials").write_text(CREDENTIALS)
    return folder


def crash_mid_apply(aws: Path) -> None:
    died = subprocess.run([sys.executable, "-c", CRASH_BETWEEN_REPLACES], capture_output=True, env=dict(os.environ))
    assert died.returncode == 9, died.stderr
    assert "credential_process" in (aws / "config").read_text()  # half done: the config is migrated...
    assert SECRET in (aws / "credentials").read_text()  # ...and the keys, which botocore prefers, are still there


def test_a_crash_between_the_two_replaces_is_finished_by_the_next_run(aws):
    crash_mid_apply(aws)
    again = run_ssohelper(*MIGRATE)
    assert again.returncode == 0, again.stderr
    assert "finished the migration of" in again.stderr and "that was interrupted" in again.stderr
    assert "Nothing to migrate." in again.stderr
    assert SECRET not in (aws / "credentials").read_text()
    rolled = run_ssohelper("migrate-profiles", "--rollback", "--yes")  # no false "changed after the migration"
    assert rolled.returncode == 0, rolled.stderr
    assert (aws / "config").read_text() == CONFIG and (aws / "credentials").read_text() == CREDENTIALS


def test_a_crash_followed_by_an_edit_is_undone_and_the_edit_kept(aws):
    crash_mid_apply(aws)
    edited = CREDENTIALS + "[other]\nregion = eu-west-1\n"
    (aws / "credentials").write_text(edited)
    listed = run_ssohelper("migrate-profiles", "--list-backups")
    assert listed.returncode == 0, listed.stderr
    assert "undid the migration of" in listed.stderr and "left ~/.aws/credentials as it is" in listed.stderr
    assert (aws / "config").read_text() == CONFIG and (aws / "credentials").read_text() == edited
    assert "(rolled back)" in listed.stdout  # the backup is kept, but it is no migration to roll back
    assert recovery.interrupted() == []


def test_a_dry_run_after_a_crash_says_so_and_changes_nothing(aws):
    crash_mid_apply(aws)
    config = (aws / "config").read_bytes()
    dry = run_ssohelper(*MIGRATE[:-1], "--dry-run")
    assert dry.returncode == 0 and "a change was interrupted" in dry.stderr
    assert (aws / "config").read_bytes() == config and len(recovery.interrupted()) == 1


def test_a_failed_second_write_says_nothing_changed_and_keeps_no_backup(aws, cli, monkeypatch):
    real = backups.replace

    def read_only(path: str, data: bytes) -> None:
        if path.endswith("credentials"):
            raise OSError(errno.EROFS, "Read-only file system", path)
        real(path, data)

    monkeypatch.setattr(backups, "replace", read_only)
    failed = cli(*MIGRATE)
    assert failed.code == errors.EXIT_CONFIG
    assert failed.err.strip().splitlines()[-1] == (
        "ssohelper: ~/.aws/credentials: cannot write (Read-only file system); nothing was changed"
    )
    assert (aws / "config").read_text() == CONFIG and (aws / "credentials").read_text() == CREDENTIALS
    assert backups.list_backups() == [] and recovery.interrupted() == []
    monkeypatch.setattr(backups, "replace", real)
    assert cli(*MIGRATE).code == 0
    rolled = cli("migrate-profiles", "--rollback", "--yes")  # the failed run's backup does not get in the way
    assert rolled.code == 0, rolled.err
    assert (aws / "credentials").read_text() == CREDENTIALS


@pytest.mark.parametrize("blocked", ["home", "backups"])
def test_an_unwritable_home_or_backup_folder_is_named_with_exit_4(aws, isolated_home, tmp_path, monkeypatch, blocked):
    # root ignores permissions, so a file stands where a folder must be created
    if blocked == "home":
        (isolated_home / ".config").write_text("not a folder")
        where = "~/.config/ssohelper/backups"
    else:
        elsewhere = tmp_path / "elsewhere"
        elsewhere.write_text("not a folder")
        monkeypatch.setenv("XDG_CONFIG_HOME", str(elsewhere / "cfg"))
        where = str(elsewhere / "cfg" / "ssohelper" / "backups")
    result = run_ssohelper(*MIGRATE)
    assert result.returncode == errors.EXIT_CONFIG, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"ssohelper: {where}: cannot write (")
    assert "nothing was changed" in result.stderr and "Traceback" not in result.stderr
    assert (aws / "credentials").read_text() == CREDENTIALS
    assert paths.backup_dir()  # resolved from the environment, never at import


def test_stale_temp_files_are_removed_by_the_next_run(aws):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    leftover = aws / f".tmp-{dead.stdout.strip()}-abc123.part"  # a writer killed mid-write
    leftover.write_text(CREDENTIALS)
    old = aws / ".tmp-xyz.part"  # an older name without a pid, two minutes old
    old.write_text(CREDENTIALS)
    os.utime(old, (os.path.getmtime(old) - 120,) * 2)
    fresh = aws / f".tmp-{os.getpid()}-live.part"  # a writer that is still running
    fresh.write_text("x")
    unrelated = aws / ".tmp-notes.txt"
    unrelated.write_text("mine")
    result = run_ssohelper("migrate-profiles", "--list-backups")
    assert result.returncode == 0, result.stderr
    assert not leftover.exists() and not old.exists()
    assert fresh.exists() and unrelated.exists()


def _plant_journal(aws: Path, home: Path, *, owner: int | None, target: Path) -> Path:
    """A pending journal, as another user (or a stray file) might leave it, whose 'planned' content
    for ``target`` carries the attacker's payload and matches the file as it is now."""
    import hashlib
    import json

    folder = Path(paths.backup_dir()) / "20200101T000000-000000000"
    folder.mkdir(parents=True)
    Path(paths.backup_dir()).chmod(0o700)
    Path(paths.backup_dir()).parent.chmod(0o700)
    before = target.read_bytes() if target.exists() else None
    payload = (before or b"") + b"\n[profile evil]\ncredential_process = /tmp/attacker/payload\n"
    (folder / "planned-0").write_bytes(payload)
    entry = {
        "path": str(target),
        "backup": "0",
        "planned": "planned-0",
        "existed": before is not None,
        "before_sha256": hashlib.sha256(before).hexdigest() if before is not None else None,
        "after_sha256": hashlib.sha256(payload).hexdigest(),
    }
    (folder / "pending").write_text(json.dumps({"created": "2020", "rolled_back": False, "files": [entry]}))
    if owner is not None:
        for path in (folder, folder / "pending", folder / "planned-0"):
            os.chown(path, owner, owner)
        folder.chmod(0o777)
    return folder


@pytest.mark.skipif(not hasattr(os, "chown") or os.getuid() != 0, reason="chown to another uid needs root")
def test_a_journal_another_user_planted_is_never_replayed(aws, isolated_home):
    _plant_journal(aws, isolated_home, owner=65534, target=aws / "config")
    result = run_ssohelper(*MIGRATE)
    assert "evil" not in (aws / "config").read_text()
    assert "ignored" in result.stderr and "not written by you" in result.stderr, result.stderr


def test_a_journal_naming_another_file_than_the_aws_ones_is_never_replayed(aws, isolated_home):
    bashrc = isolated_home / ".bashrc"
    bashrc.write_text("# mine\n")
    _plant_journal(aws, isolated_home, owner=None, target=bashrc)
    result = run_ssohelper(*MIGRATE)
    assert bashrc.read_text() == "# mine\n"
    assert "naming files other than your AWS config and credentials" in result.stderr, result.stderr

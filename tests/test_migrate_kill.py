"""kill -9 at random instants during migrate's apply: the files are old or new, never torn,
and the next command finishes or undoes the apply and leaves no temp file holding a key."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

from helpers import run_ssohelper

from ssohelper import paths
from ssohelper.cache.fileio import TEMP_PREFIX
from ssohelper.journal import backups, recovery

TRIALS = 120
SECRET = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"
OLD = (b"[profile work]\nregion = us-east-1\n", f"[work]\naws_secret_access_key = {SECRET}\n".encode())
NEW = (b"[profile work]\ncredential_process = x\n", b"[work]\n")

# Applies old -> new -> old ... for ever, as migrate and --rollback would, until it is killed.
APPLY_FOREVER = """
import os, sys
from ssohelper.journal import backups
from ssohelper.journal.backups import FileChange
old, new = (eval(sys.argv[1]), eval(sys.argv[2]))
files = [os.environ["AWS_CONFIG_FILE"], os.environ["AWS_SHARED_CREDENTIALS_FILE"]]
with open(files[0], "rb") as handle:
    state = handle.read() == new[0]
print("ready", flush=True)
while True:
    before, after = (new, old) if state else (old, new)
    backups.apply([FileChange(path, b, a) for path, b, a in zip(files, before, after)])
    state = not state
"""


def temp_files(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.is_dir() for p in folder.rglob(f"{TEMP_PREFIX}*")]


def test_kill_9_during_apply_never_tears_and_the_next_run_recovers(isolated_home):
    aws = isolated_home / ".aws"
    aws.mkdir()
    config, credentials = aws / "config", aws / "credentials"
    config.write_bytes(OLD[0])
    credentials.write_bytes(OLD[1])
    rng = random.Random(9)
    reports: list[str] = []
    for trial in range(TRIALS):
        process = subprocess.Popen(
            [sys.executable, "-c", APPLY_FOREVER, repr(OLD), repr(NEW)],
            stdout=subprocess.PIPE,
            env=dict(os.environ),
        )
        assert process.stdout is not None and process.stdout.readline() == b"ready\n"
        try:
            process.wait(timeout=rng.uniform(0, 0.03))
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        process.stdout.close()
        assert process.returncode == -signal.SIGKILL
        assert config.read_bytes() in (OLD[0], NEW[0]) and credentials.read_bytes() in (OLD[1], NEW[1])  # not torn
        if trial % 20 == 0:  # the real command, as a user would run it next
            listed = run_ssohelper("migrate-profiles", "--list-backups")
            assert listed.returncode == 0, listed.stderr
            reports += [line for line in listed.stderr.splitlines() if "interrupted" in line]
        else:
            reports += recovery.recover()
        pair = (config.read_bytes(), credentials.read_bytes())
        assert pair in (OLD, NEW), f"trial {trial}: half-applied after recovery"
        assert recovery.interrupted() == []
        leftovers = temp_files(aws, Path(paths.backup_dir()))
        assert not leftovers, f"trial {trial}: {leftovers}"
    assert any("that was interrupted" in line for line in reports), "no kill landed inside an apply"
    assert all(b.files for b in backups.list_backups())

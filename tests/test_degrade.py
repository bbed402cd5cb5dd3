"""Degrade, don't die: a cache or lock that can't be written means working without it, and a
home that can't be written is one named error. A kill -9 leaves no secret in a temp file.

Root ignores permission bits, so the read-only cases run the installed ssohelper as uid 65534
through setpriv; the rest plant a file where a directory should be.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from helpers import (
    ACCOUNT,
    AS_OTHER_USER,
    KILL_WRITERS,
    OTHER_UID,
    ROLE,
    in_ci,
    require_other_user,
    run_ssohelper,
    ssohelper_cmd,
    write_config,
)

from ssohelper import errors
from ssohelper.cache import fileio, rolestore
from ssohelper.models import RoleCredentials

ARGS = ("credential-process", "--sso-session", "corp", "--account-id", ACCOUNT, "--role-name", ROLE)
ENTRY = rolestore.target_entry_name("corp", "https://corp.awsapps.com/start", ACCOUNT, ROLE)
NOBODY = OTHER_UID


def _as_nobody_available() -> None:
    if os.getuid() != 0:
        message = "needs root to run ssohelper as another uid"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    require_other_user()


@pytest.fixture
def nobody(config, emulator):
    """A HOME of uid 65534's under /tmp (pytest's own tmp dirs are root-only), and how to run as it."""
    _as_nobody_available()
    base = Path(tempfile.mkdtemp(prefix="ssohelper-nobody-"))
    base.chmod(0o755)
    home = base / "home"
    home.mkdir()
    write_config(home)
    for path in (home, home / ".aws", home / ".aws" / "config"):
        os.chown(path, NOBODY, NOBODY)
    env = dict(
        os.environ,
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_CONFIG_HOME=str(home / ".config"),
        AWS_CONFIG_FILE=str(home / ".aws" / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
    )

    def run(*args: str, **changes: str) -> subprocess.CompletedProcess:
        command = [*AS_OTHER_USER, *ssohelper_cmd(), *args]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=60, env={**env, **changes}, stdin=subprocess.DEVNULL
        )

    yield base, home, run
    shutil.rmtree(base, ignore_errors=True)


def test_a_read_only_cache_dir_means_fetching_without_cache_or_lock(nobody, emulator):
    base, _home, run = nobody
    read_only = base / "cache"  # root's, 0755: uid 65534 can't create anything in it
    read_only.mkdir(mode=0o755)
    assert run("login", "--sso-session", "corp", "--no-browser", XDG_CACHE_HOME=str(read_only)).returncode == 0
    for _ in range(2):
        result = run(*ARGS, "--debug", XDG_CACHE_HOME=str(read_only))
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith('{"Version":1,')
        assert result.stderr.count("working without the cache") == 1
        assert result.stderr.count("working without a lock") == 1
        assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    assert emulator.calls["GetRoleCredentials"] == 2
    assert os.listdir(read_only) == []


def test_a_home_that_cannot_be_written_exits_4_naming_the_token_dir(nobody, emulator):
    _base, home, run = nobody
    for path in (home, home / ".aws"):  # root's, 0755: uid 65534 can read the config but write nothing
        os.chown(path, 0, 0)
    result = run("login", "--sso-session", "corp", "--no-browser")
    assert result.returncode == errors.EXIT_CONFIG, result.stderr
    assert f"can't write the SSO token cache {home}/.aws/sso/cache ({home}/.aws/sso: permission denied)" in (
        result.stderr
    )
    lines = result.stderr.strip().splitlines()  # the flow it chose, then the one-line error
    assert lines[-1].startswith("ssohelper: can't write") and len(lines) <= 2 and "Traceback" not in result.stderr
    result = run(*ARGS)
    assert result.returncode == errors.EXIT_LOGIN_REQUIRED and result.stdout == "", result.stderr


def test_a_file_where_the_cache_dir_should_be(cli, config, emulator, tmp_path, monkeypatch):
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    (runtime / "ssohelper").write_text("not a directory")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    for _ in range(2):
        result = run_ssohelper(*ARGS, "--debug")
        assert result.returncode == 0, result.stderr
        assert result.stderr.count("working without the cache") == 1
    assert emulator.calls["GetRoleCredentials"] == 2


def test_a_file_where_the_token_dir_should_be_exits_4(cli, config, emulator, isolated_home):
    (isolated_home / ".aws" / "sso").write_text("")
    result = cli("login", "--sso-session", "corp", "--no-browser")
    assert result.code == errors.EXIT_CONFIG
    assert f"can't write the SSO token cache {isolated_home}/.aws/sso/cache (" in result.err
    assert "unexpected" not in result.err


def _temp(directory: Path, pid: int | str, age: float = 0) -> Path:
    path = directory / f".tmp-{pid}-{'old' if age else 'new'}.part"
    path.write_text("ASIASECRET")
    if age:
        os.utime(path, (time.time() - age, time.time() - age))
    return path


def test_remove_stale_temps_removes_only_what_dead_writers_left(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(finished.stdout)
    gone = [_temp(tmp_path, dead), _temp(tmp_path, 1, age=120), _temp(tmp_path, "nopid", age=120)]
    kept = [_temp(tmp_path, 1), _temp(tmp_path, os.getpid()), _temp(tmp_path, "nopid")]
    (tmp_path / ".tmp-1-x.json").write_text("")  # not one of ours
    kept.append(tmp_path / ".tmp-1-x.json")
    foreign = _temp(tmp_path, 99999999, age=120)
    os.chown(foreign, NOBODY, NOBODY)  # not ours to remove
    kept.append(foreign)
    assert fileio.remove_stale_temps(str(tmp_path)) == 3
    assert not any(path.exists() for path in gone)
    assert all(path.exists() for path in kept)


def test_logout_removes_stale_temps_beside_the_token_and_the_role_cache(cli, config, emulator):
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    assert run_ssohelper(*ARGS).returncode == 0
    token_dir = Path(os.environ["HOME"]) / ".aws" / "sso" / "cache"
    role_dir = Path(rolestore.entry_path(ENTRY)).parent
    left = [_temp(token_dir, "x", age=120), _temp(role_dir, "x", age=120)]
    assert cli("logout", "--sso-session", "corp").code == 0
    assert not any(path.exists() for path in left)


def _entry(key: str) -> str:
    creds = RoleCredentials(key, "SECRET" + key, "TOKEN" + key, time.time() + 60, ACCOUNT)  # a miss: 1 min left
    return rolestore.encode_entry(creds)


def test_kill_9_during_cache_writes_leaves_old_or_new_and_no_secret_in_temps(cli, config, emulator):
    """200 kill -9s at random instants of a process writing the role cache, then one real run."""
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    old, new = _entry("ASIAOLDOLDOLDOLDOLD1"), _entry("ASIANEWNEWNEWNEWNEW2")
    path = Path(rolestore.entry_path(ENTRY))
    rolestore.FileStore().write(ENTRY, old)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    done = subprocess.run(
        [sys.executable, "-c", KILL_WRITERS, ENTRY, old, new], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["torn"] == 0 and path.read_text() in (old, new)
    assert seen["most_temps"] <= 1  # each writer's first write removed what the killed one before it left
    assert seen["temps_left"] > 20  # many kills did land between the temp file and the rename
    result = run_ssohelper(*ARGS)  # a miss (the entries have a minute left): it writes the entry
    assert result.returncode == 0, result.stderr
    leftovers = [n for n in os.listdir(path.parent) if n.startswith(".tmp-")]
    assert leftovers == [], leftovers


def test_logout_with_a_token_dir_it_cannot_write_names_the_path(nobody, emulator):
    _base, home, run = nobody
    assert run("login", "--sso-session", "corp", "--no-browser").returncode == 0
    token_dir = home / ".aws" / "sso" / "cache"
    os.chown(token_dir, 0, 0)  # root's now, still 0700: uid 65534 can neither list it nor delete in it
    token_dir.chmod(0o755)
    result = run("logout", "--sso-session", "corp")
    assert result.returncode == errors.EXIT_CONFIG, result.stderr
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("ssohelper: "), result.stderr
    assert str(token_dir) in result.stderr or "~/.aws/sso/cache" in result.stderr

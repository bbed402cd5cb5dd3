"""Sign-in hardening: lock scope, lost refresh answers, refresh tokens that don't rotate,
and clear usage errors for numbers and conflicting options."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import ACCOUNT, KILL_REFRESHES, ROLE, run_ssohelper, ssohelper_cmd

from ssohelper import errors

PROCESS = ["credential-process", "--sso-session", "corp", "--account-id", ACCOUNT, "--role-name", ROLE]


def token_path(home: Path) -> Path:
    return home / ".aws" / "sso" / "cache" / (hashlib.sha1(b"corp").hexdigest() + ".json")


def expire_locally(home: Path) -> dict:
    """Mark the cached access token expired (the refresh token stays): the next use refreshes."""
    path = token_path(home)
    raw = json.loads(path.read_text())
    raw["expiresAt"] = "2000-01-01T00:00:00Z"
    tmp = path.with_suffix(".test-tmp")
    tmp.write_text(json.dumps(raw))
    os.replace(tmp, path)
    return raw


# --- a sign-in waiting for a person never blocks a caller whose token is still valid ---


def test_a_waiting_login_force_does_not_block_credential_process(cli, config, emulator, isolated_home):
    emulator.configure(token_ttl=600)  # 10 minutes left: inside the refresh window, still valid
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    emulator.configure(approve_after_polls=None, interval=1)
    waiting = subprocess.Popen(
        [*ssohelper_cmd(), "login", "--sso-session", "corp", "--no-browser", "--force"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not emulator.pending_user_codes and time.monotonic() < deadline:
            time.sleep(0.05)
        (user_code,) = emulator.pending_user_codes
        assert waiting.poll() is None  # still waiting for a person
        result = run_ssohelper(*PROCESS, "--lock-timeout", "5", timeout=30)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["AccessKeyId"].startswith("ASIA")
        assert waiting.poll() is None
        emulator.approve(user_code)
        _, err = waiting.communicate(timeout=30)
    finally:
        if waiting.poll() is None:
            waiting.kill()
            waiting.wait()
    assert waiting.returncode == 0, err
    assert "Signed in to 'corp'" in err


def test_an_auto_login_waiting_for_a_person_holds_no_role_lock(cli, config, emulator, http_browser, isolated_home):
    """The role lock covers the fetch only: a second caller is told to log in (3), not kept busy (7)."""
    emulator.configure(refresh_tokens=False)
    assert cli("login", "--sso-session", "corp", "--use-device-code").code == 0
    expire_locally(isolated_home)  # the token file stays (the fast path takes the role lock), unusable
    emulator.configure(approve_after_polls=None)  # the approval page waits for a click
    waiting = subprocess.Popen(
        [*ssohelper_cmd(), *PROCESS, "--auto-login"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not emulator.authorize_requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert emulator.authorize_requests and waiting.poll() is None  # waiting for the person
        other = run_ssohelper(*PROCESS, "--lock-timeout", "5", timeout=30)
        assert other.returncode == errors.EXIT_LOGIN_REQUIRED, other.stderr
        assert "run: ssohelper login" in other.stderr and other.stdout == ""
        assert waiting.poll() is None
    finally:
        waiting.kill()
        waiting.wait()


def test_parallel_sign_ins_still_share_one_device_code(cli, config, emulator, isolated_home):
    """The sign-in lock: a second login waits for the first instead of opening its own sign-in."""
    emulator.configure(approve_after_polls=None, interval=1)
    first = subprocess.Popen(
        [*ssohelper_cmd(), "login", "--sso-session", "corp", "--no-browser"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not emulator.pending_user_codes and time.monotonic() < deadline:
            time.sleep(0.05)
        second = subprocess.Popen(
            [*ssohelper_cmd(), "login", "--sso-session", "corp", "--no-browser"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.0)
        (user_code,) = emulator.pending_user_codes
        emulator.approve(user_code)
        assert first.wait(timeout=30) == 0
        _, err = second.communicate(timeout=30)
    finally:
        for process in (first, locals().get("second")):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    assert second.returncode == 0, err
    assert "Already signed in" in err
    assert emulator.calls["StartDeviceAuthorization"] == 1


# --- refresh answers that are lost, or carry no new refresh token ---


@pytest.mark.parametrize("attempts", ["1", "3"])
def test_a_lost_refresh_answer_is_retried_with_the_old_refresh_token(
    cli, config, emulator, isolated_home, monkeypatch, attempts
):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", attempts)
    emulator.configure(refresh_grace=True)  # as servers with a grace period do
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    old = expire_locally(isolated_home)
    emulator.reset_calls()
    emulator.fail_next("CreateToken", kind="drop-after")  # rotated on the server, answer lost
    result = cli(*PROCESS)
    assert result.code == 0, result.err
    assert emulator.calls["CreateToken"] == 2
    new = json.loads(token_path(isolated_home).read_text())
    assert new["refreshToken"] != old["refreshToken"] and new["accessToken"] != old["accessToken"]


@pytest.mark.parametrize("attempts", ["1", "3"])
def test_a_lost_refresh_answer_without_grace_says_what_happened(
    cli, config, emulator, isolated_home, monkeypatch, attempts
):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", attempts)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    expire_locally(isolated_home)
    emulator.fail_next("CreateToken", kind="drop-after")
    result = cli(*PROCESS)
    assert result.code == errors.EXIT_LOGIN_REQUIRED, result.err
    assert result.err.count("\n") == 1
    assert "the answer to the token refresh for 'corp' was lost" in result.err
    assert "run: ssohelper login --sso-session corp" in result.err
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0  # a new sign-in settles it
    expire_locally(isolated_home)
    emulator.fail_next("CreateToken", kind="drop-after")
    login = cli("login", "--sso-session", "corp", "--no-browser")  # login signs in anew, and says why
    assert login.code == 0 and "was lost" in login.err and "signing in again" in login.err


def test_a_refresh_answer_without_a_new_refresh_token_keeps_the_old_one(cli, config, emulator, isolated_home):
    emulator.configure(rotate_refresh_tokens=False)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    first = expire_locally(isolated_home)
    emulator.reset_calls()
    assert cli("list", "--sso-session", "corp", "--refresh").code == 0
    second = json.loads(token_path(isolated_home).read_text())
    assert second["refreshToken"] == first["refreshToken"]
    assert second["accessToken"] != first["accessToken"]
    expire_locally(isolated_home)
    assert cli("list", "--sso-session", "corp", "--refresh").code == 0  # the kept refresh token still works
    assert emulator.calls["CreateToken"] == 2
    assert json.loads(token_path(isolated_home).read_text())["refreshToken"] == first["refreshToken"]


def test_kill_9_during_refresh_never_tears_the_token_file(cli, config, emulator, isolated_home):
    """kill -9 at random instants of `ssohelper list` (refresh, then ListAccounts), 50 times."""
    emulator.configure(rotate_refresh_tokens=False)  # every trial can refresh, whatever the last one saw
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    argv = ["list", "--sso-session", "corp", "--refresh"]
    done = subprocess.run(
        [sys.executable, "-c", KILL_REFRESHES, str(token_path(isolated_home)), *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["first_exit"] == 0 and seen["torn"] == 0 and seen["reshaped"] == 0, seen
    assert seen["old"] and seen["new"], seen  # the kills landed on both sides of the write


# --- conflicting or bad options are usage errors; a skipped sign-in or a too-long TTL is said ---


@pytest.mark.parametrize(
    "args",
    [
        ["login", "--profile", "dev", "--start-url", "https://other.awsapps.com/start", "--sso-region", "eu-west-1"],
        ["login", "--profile", "dev", "--sso-session", "corp"],
        ["logout", "--all", "-s", "corp"],
        ["status", "--profile", "dev", "--start-url", "https://x", "--sso-region", "us-east-1"],
    ],
)
def test_conflicting_options_are_usage_errors(cli, config, args):
    result = cli(*args)
    assert result.code == errors.EXIT_USAGE, result.err
    assert "Traceback" not in result.err
    assert "give one of --profile, --sso-session or --start-url" in result.err or "--all signs out" in result.err


def test_login_to_a_session_of_that_name_with_another_url_is_refused(cli, config):
    before = config.read_bytes()
    url = ["--start-url", "https://other.awsapps.com/start", "--sso-region", "eu-west-1"]
    result = cli("login", "-s", "corp", *url)
    assert result.code == errors.EXIT_CONFIG
    assert "sso_start_url https://corp.awsapps.com/start (you gave https://other.awsapps.com/start)" in result.err
    assert "sso_region us-east-1 (you gave eu-west-1); nothing was changed" in result.err
    assert config.read_bytes() == before


def test_auto_login_without_terminal_or_browser_says_it_was_skipped(cli, config, emulator):
    result = cli(*PROCESS, "--auto-login")
    assert result.code == errors.EXIT_LOGIN_REQUIRED
    assert "--auto-login was skipped: no browser can open and stderr is not a terminal" in result.err
    assert "run: ssohelper login --sso-session corp" in result.err
    assert emulator.calls["StartDeviceAuthorization"] == 0


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--min-ttl", "-5", "--min-ttl must be zero or more"),
        ("--min-ttl", "nan", "--min-ttl must be zero or more"),
        ("--lock-timeout", "-1", "--lock-timeout must be zero or more"),
        ("--account-id", "12345", "--account-id must be 12 digits"),
    ],
)
def test_bad_numbers_are_usage_errors_even_with_a_cached_hit(cli, config, emulator, option, value, words):
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    assert run_ssohelper(*PROCESS).returncode == 0  # cached now: the fast path would have a hit
    args = [*PROCESS, option, value] if option != "--account-id" else [*PROCESS[:4], value, *PROCESS[5:]]
    result = run_ssohelper(*args)
    assert result.returncode == errors.EXIT_USAGE, result.stderr
    assert result.stdout == "" and words in result.stderr


def test_migrate_checks_the_account_id_too(cli, config):
    result = cli("migrate-profiles", "--sso-session", "corp", "--account-id", "1234", "--dry-run")
    assert result.code == errors.EXIT_USAGE and "12 digits" in result.err


def test_a_min_ttl_above_the_role_lifetime_warns(cli, config, emulator):
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    result = cli(*PROCESS, "--min-ttl", "100")  # the emulator's roles last 60 minutes
    assert result.code == 0
    assert json.loads(result.out)["AccessKeyId"].startswith("ASIA")
    (line,) = result.err.splitlines()
    assert line.startswith("ssohelper: warning: these role credentials last 60 min, less than the minimum TTL")
    assert "every run calls AWS" in line

"""ssohelper login: the device flow against the emulator over real loopback HTTP."""

from __future__ import annotations

import calendar
import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import ACCOUNT, ROLE, run_ssohelper, write_config

from ssohelper import errors
from ssohelper.models import SsoSession
from ssohelper.tokens import tokencache

CORP = SsoSession(start_url="https://corp.awsapps.com/start", region="us-east-1", name="corp")


def token_file(home: Path, key_input: str) -> Path:
    return home / ".aws" / "sso" / "cache" / (hashlib.sha1(key_input.encode()).hexdigest() + ".json")


def test_login_writes_the_aws_cli_v2_token_cache(cli, config, emulator, isolated_home):
    result = cli("login", "--profile", "dev", "--no-browser")
    assert result.code == 0, result.err
    assert "confirm that the page shows this code" in result.err
    user_code = emulator_user_code(result.err)
    assert user_code is not None and re.fullmatch(r"[A-Z]{4}-[A-Z]{4}", user_code)  # the emulator's form
    path = token_file(isolated_home, "corp")
    raw = json.loads(path.read_text())
    assert set(raw) == {
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    }
    assert raw["startUrl"] == "https://corp.awsapps.com/start" and raw["region"] == "us-east-1"
    expires_at = calendar.timegm(time.strptime(raw["expiresAt"], "%Y-%m-%dT%H:%M:%SZ"))
    assert 3500 < expires_at - time.time() <= 3600  # the emulator's tokens last an hour
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "the token file" in result.err  # says where the long-lived secrets went
    (client,) = emulator.clients.values()
    assert client.scopes == ("sso:account:access",)
    assert "refresh_token" in client.grant_types


def emulator_user_code(text: str) -> str | None:
    for word in text.split():
        if len(word) == 9 and word[4] == "-":
            return word
    return None


def test_boto3_and_aws_cli_use_the_login(cli, config, emulator, moto_url, monkeypatch, aws_cli):
    assert cli("login", "--profile", "dev", "--no-browser").code == 0
    # botocore fixes the token cache directory at import, so each client runs in its own process
    script = "import boto3; print(boto3.Session(profile_name='dev').get_credentials().access_key)"
    boto = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert boto.returncode == 0, boto.stderr
    assert boto.stdout.startswith("ASIA")
    assert emulator.calls["GetRoleCredentials"] == 1
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    aws = subprocess.run(
        [*aws_cli, "sts", "get-caller-identity", "--profile", "dev", "--output", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )
    assert aws.returncode == 0, aws.stderr
    assert "Account" in json.loads(aws.stdout)
    assert emulator.calls["GetRoleCredentials"] == 2  # the AWS CLI fetched through the shared token


def test_a_token_written_by_the_aws_cli_counts_as_a_login(cli, config, emulator, isolated_home):
    path = token_file(isolated_home, "corp")
    path.parent.mkdir(parents=True)
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    path.write_text(
        json.dumps(
            {
                "startUrl": "https://corp.awsapps.com/start",
                "region": "us-east-1",
                "accessToken": "aws-cli-token",
                "expiresAt": expires,
            }
        )
    )
    result = cli("login", "--sso-session", "corp", "--no-browser")
    assert result.code == 0
    assert "Already signed in to 'corp'" in result.err
    assert emulator.calls["StartDeviceAuthorization"] == 0


def test_legacy_profile_keys_the_cache_by_start_url(cli, config, emulator, isolated_home):
    assert cli("login", "--profile", "legacy", "--no-browser").code == 0
    assert token_file(isolated_home, "https://corp.awsapps.com/start").exists()
    assert not token_file(isolated_home, "corp").exists()


def test_near_expiry_renews_silently_and_force_signs_in_again(cli, config, emulator):
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    token = tokencache.load_token(CORP)
    tokencache.save_token(CORP, type(token)(**{**token.__dict__, "expires_at": time.time() + 300}))
    result = cli("login", "--sso-session", "corp", "--no-browser")
    assert "Renewed the sign-in" in result.err
    assert emulator.calls["StartDeviceAuthorization"] == 1
    assert tokencache.load_token(CORP).access_token != token.access_token
    result = cli("login", "--sso-session", "corp", "--no-browser", "--force")
    assert result.code == 0 and "Signed in to 'corp'" in result.err
    assert emulator.calls["StartDeviceAuthorization"] == 2
    assert emulator.calls["RegisterClient"] == 1  # the registration was reused


def test_a_rejected_registration_is_renewed(cli, config, emulator, isolated_home):
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    for path in (isolated_home / ".aws" / "sso" / "cache").glob("*.json"):
        raw = json.loads(path.read_text())
        if "scopes" in raw:  # the registration file
            path.write_text(json.dumps({**raw, "clientId": "forgotten-by-the-server"}))
    assert cli("login", "--sso-session", "corp", "--no-browser", "--force").code == 0
    assert emulator.calls["RegisterClient"] == 2


def test_slow_down_adds_five_seconds_each_time(config, emulator):
    from ssohelper.signin.login import Interaction, ensure_login

    emulator.configure(slow_down=2, interval=1)
    sleeps: list[float] = []
    ui = Interaction(notify=lambda text: None, sleep=sleeps.append)
    ensure_login(CORP, ui, store=None)
    assert sleeps == [1, 6, 11]


@pytest.mark.parametrize(
    "knobs, code, words",
    [
        ({"deny": True}, errors.EXIT_LOGIN_FAILED, "was denied"),
        ({"approve_after_polls": None, "device_code_ttl": 0}, errors.EXIT_LOGIN_FAILED, "expired"),
    ],
)
def test_denied_or_expired_device_codes_fail_cleanly(cli, config, emulator, knobs, code, words):
    emulator.configure(**knobs)
    result = cli("login", "--sso-session", "corp", "--no-browser")
    assert result.code == code
    assert words in result.err and "ssohelper login --sso-session corp" in result.err
    assert "Traceback" not in result.err
    assert not tokencache.token_path(CORP) or not os.path.exists(tokencache.token_path(CORP))


@pytest.mark.parametrize("operation", ["RegisterClient", "StartDeviceAuthorization", "CreateToken"])
@pytest.mark.parametrize("status", [429, 500])
def test_throttling_and_server_errors_give_one_line(cli, config, emulator, monkeypatch, operation, status):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    emulator.fail_next(operation, count=5, status=status)
    result = cli("login", "--sso-session", "corp", "--no-browser")
    assert result.code == errors.EXIT_AWS
    last = result.err.strip().splitlines()[-1]
    assert last.startswith("ssohelper: SSO OIDC " + operation)
    assert ("throttling" if status == 429 else "HTTP 500") in last
    assert "Traceback" not in result.err


def test_a_closed_port_gives_one_line(cli, config, monkeypatch):
    from helpers import free_port

    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", url)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    result = cli("login", "--sso-session", "corp", "--no-browser")
    assert result.code == errors.EXIT_AWS
    said, error = result.err.strip().splitlines()  # which flow and why, then one line for the error
    assert said.startswith("Signing in with a device code: no display")
    assert (
        error == f"ssohelper: SSO OIDC RegisterClient: cannot reach {url}/client/register; "
        "check your network, proxy or endpoint settings"
    )


def test_ctrl_c_exits_130_and_writes_nothing(cli, config, emulator, monkeypatch, isolated_home):
    import ssohelper.signin.login as login_module

    emulator.configure(approve_after_polls=None)

    def interrupted(_seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(login_module.Interaction, "__init__", _with_sleep(interrupted))
    result = cli("login", "--sso-session", "corp", "--no-browser")
    assert result.code == errors.EXIT_INTERRUPTED
    assert "interrupted" in result.err
    cache = isolated_home / ".aws" / "sso" / "cache"
    assert not token_file(isolated_home, "corp").exists()
    assert not [p for p in cache.iterdir() if p.name.startswith(".tmp-")]


def _with_sleep(sleep):
    original = __import__("ssohelper.signin.login", fromlist=["Interaction"]).Interaction.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.sleep = sleep

    return init


def test_no_secret_reaches_stderr_even_with_debug(config, emulator, isolated_home):
    first = run_ssohelper("--debug", "login", "--sso-session", "corp", "--no-browser")
    assert first.returncode == 0, first.stderr
    raw = json.loads(token_file(isolated_home, "corp").read_text())
    process = run_ssohelper(
        "credential-process", "--debug", "--sso-session", "corp", "--account-id", ACCOUNT, "--role-name", ROLE
    )
    refreshed = run_ssohelper("login", "--debug", "--sso-session", "corp", "--no-browser", "--force")
    document = json.loads(process.stdout)
    secrets = [
        raw["accessToken"],
        raw["refreshToken"],
        raw["clientSecret"],
        document["SecretAccessKey"],
        document["SessionToken"],
        document["AccessKeyId"],
    ]
    assert "ssohelper debug: sso-oidc endpoint: http://127.0.0.1" in first.stderr
    assert "ssohelper debug: cache miss for s-corp%40" in process.stderr
    hit = run_ssohelper(
        "credential-process", "--debug", "--sso-session", "corp", "--account-id", ACCOUNT, "--role-name", ROLE
    )
    assert "ssohelper debug: cache hit" in hit.stderr
    for stderr in (first.stderr, process.stderr, refreshed.stderr, hit.stderr):
        for secret in secrets:
            assert secret not in stderr


def test_logout_revokes_and_forgets_everything(cli, config, emulator, isolated_home):
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    assert cli("credential-process", "--sso-session", "corp", "--account-id", ACCOUNT, "--role-name", ROLE).code == 0
    result = cli("logout", "--sso-session", "corp")
    assert result.code == 0, result.err
    assert "corp: signed out" in result.err and "1 cached role credential(s) removed" in result.err
    assert emulator.calls["Logout"] == 1
    assert list((isolated_home / ".aws" / "sso" / "cache").glob("*.json")) == []


def test_logout_of_a_token_the_server_forgot_still_removes_it(cli, config, emulator, isolated_home):
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    emulator.expire_tokens()
    result = cli("logout", "--all")
    assert result.code == 0
    assert "corp: already signed out; token removed" in result.err
    assert not token_file(isolated_home, "corp").exists()


@pytest.mark.parametrize(
    "args, words",
    [
        (["login", "--profile", "nope"], "profile 'nope' not found in ~/.aws/config"),
        (["login", "--sso-session", "other"], "no [sso-session other] section in ~/.aws/config"),
    ],
)
def test_config_errors_name_the_file_and_the_fix(cli, config, args, words):
    result = cli(*args)
    assert result.code == errors.EXIT_CONFIG
    assert words in result.err


def test_a_session_missing_its_region_is_named(cli, isolated_home):
    config = isolated_home / ".aws" / "config"
    config.parent.mkdir()
    config.write_text("[sso-session corp]\nsso_start_url = https://x/start\n")
    result = cli("login", "--sso-session", "corp")
    assert result.code == errors.EXIT_CONFIG
    assert result.err.strip() == "ssohelper: sso-session 'corp' in ~/.aws/config is missing 'sso_region'; add it"


def test_demo_runs_and_leaves_home_untouched(isolated_home):
    write_config(isolated_home)
    before = sorted(str(p) for p in isolated_home.rglob("*"))
    result = run_ssohelper("demo", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Demo complete" in result.stderr
    assert "Signing in with a device code: no browser can be opened here" in result.stderr
    assert "GetRoleCredentials was called 1 time(s)" in result.stderr
    assert sorted(str(p) for p in isolated_home.rglob("*")) == before


def test_the_browser_opens_only_with_a_display_and_without_no_browser(config, emulator, browser_log, monkeypatch):
    opened = browser_log  # the device flow here; tests/test_login_browser.py covers the browser flow
    assert run_ssohelper("login", "--sso-session", "corp", "--no-browser", "--use-device-code").returncode == 0
    assert not opened.exists()
    result = run_ssohelper("login", "--sso-session", "corp", "--force", "--use-device-code")
    assert result.returncode == 0, result.stderr
    deadline = time.time() + 10
    while not opened.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert opened.read_text().startswith(f"{emulator.url}/verify?user_code=")
    monkeypatch.delenv("DISPLAY")
    opened.unlink()
    assert run_ssohelper("login", "--sso-session", "corp", "--force", "--use-device-code").returncode == 0
    time.sleep(0.3)
    assert not opened.exists()


def run_on_terminal(args: list[str], until: str, timeout: float = 30) -> tuple[subprocess.Popen, str, int]:
    """Start ssohelper with stderr on a pseudo-terminal; read until ``until`` appears.

    Returns the process, what it printed, and the terminal's end (for the caller to close)."""
    import pty
    import select

    from helpers import popen_interruptible, ssohelper_cmd

    leader, follower = pty.openpty()
    process = popen_interruptible(
        ssohelper_cmd() + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower
    )
    os.close(follower)
    seen, deadline = b"", time.time() + timeout
    while until.encode() not in seen and time.time() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                seen += os.read(leader, 4096)
            except OSError:
                break
    return process, seen.decode(errors="replace"), leader


def test_on_a_terminal_it_shows_the_time_left_and_ctrl_c_exits_130(
    config, emulator, isolated_home, runner_ignores_sigint
):
    import signal

    emulator.configure(approve_after_polls=None, interval=1)
    process, seen, terminal = run_on_terminal(["login", "--sso-session", "corp", "--no-browser"], until="left")
    assert "Waiting for the code to be approved... 9:5" in seen  # no browser was opened: worded so
    assert "in the browser" not in seen
    process.send_signal(signal.SIGINT)
    try:
        assert process.wait(10) == errors.EXIT_INTERRUPTED
        assert b"ssohelper: interrupted" in os.read(terminal, 4096)
    finally:
        os.close(terminal)
    assert not token_file(isolated_home, "corp").exists()
    assert not list((isolated_home / ".aws" / "sso" / "cache").glob(".tmp-*"))


def test_with_nothing_configured_login_says_what_to_add(cli):
    result = cli("login")
    assert result.code == errors.EXIT_CONFIG
    assert result.err.strip() == (
        "ssohelper: no SSO session in ~/.aws/config; create one with: "
        "ssohelper configure --sso-session NAME --start-url URL --sso-region REGION"
    )


def test_logout_when_the_server_fails_still_forgets_the_token(cli, config, emulator, isolated_home, monkeypatch):
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    emulator.fail_next("Logout", count=1, status=500)
    result = cli("logout", "--sso-session", "corp")
    assert result.code == 0
    assert "corp: not signed out on the server (Logout: AWS answered HTTP 500" in result.err
    assert not token_file(isolated_home, "corp").exists()


def test_list_shows_every_account_and_role(cli, config, emulator):
    assert cli("list", "--sso-session", "corp").code == errors.EXIT_LOGIN_REQUIRED
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    table = cli("list", "--sso-session", "corp")
    assert table.code == 0
    assert [line.split() for line in table.out.splitlines()] == [
        ["ACCOUNT", "NAME", "ROLE"],
        ["111111111111", "dev", "Developer"],
        ["111111111111", "dev", "ReadOnly"],
        ["222222222222", "prod", "ReadOnly"],
    ]
    listed = json.loads(cli("list", "--profile", "dev", "--json").out)
    assert {"accountId": "222222222222", "accountName": "prod", "roleName": "ReadOnly"} in listed
    assert len(listed) == 3

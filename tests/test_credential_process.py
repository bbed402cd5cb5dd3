"""credential-process: the cache, locks, refresh and login-required paths, as SDKs run it."""

from __future__ import annotations

import json
import signal
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import ACCOUNT, ROLE, run_ssohelper, ssohelper_cmd, write_config

from ssohelper import errors
from ssohelper.cache import rolestore
from ssohelper.models import SsoSession
from ssohelper.tokens import tokencache

CORP = SsoSession(start_url="https://corp.awsapps.com/start", region="us-east-1", name="corp")
ARGS = ("credential-process", "--sso-session", "corp", "--account-id", ACCOUNT, "--role-name", ROLE)
ENTRY = rolestore.target_entry_name("corp", "https://corp.awsapps.com/start", ACCOUNT, ROLE)


def assert_valid_document(text: str) -> dict:
    assert text.endswith("\n") and text.count("\n") == 1
    document = json.loads(text)
    assert set(document) == {"Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration", "AccountId"}
    assert document["Version"] == 1 and document["AccountId"] == ACCOUNT
    assert document["AccessKeyId"].startswith("ASIA")
    assert time.strptime(document["Expiration"], "%Y-%m-%dT%H:%M:%SZ")
    return document


def test_aws_cli_and_boto3_run_it_and_the_second_call_is_cached(
    signed_in, isolated_home, moto_url, monkeypatch, aws_cli
):
    command = " ".join(ssohelper_cmd() + list(ARGS))
    write_config(isolated_home, extra=f"\n[profile proc]\ncredential_process = {command}\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    aws = subprocess.run(
        [*aws_cli, "sts", "get-caller-identity", "--profile", "proc"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert aws.returncode == 0, aws.stderr
    assert "Account" in aws.stdout
    assert signed_in.calls["GetRoleCredentials"] == 1
    script = "import boto3; c = boto3.Session(profile_name='proc').get_credentials();print(c.method, c.access_key)"
    boto = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert boto.returncode == 0, boto.stderr
    assert boto.stdout.startswith("custom-process ASIA")
    assert signed_in.calls["GetRoleCredentials"] == 1  # served from the cache


def test_files_are_private(signed_in):
    result = run_ssohelper(*ARGS)
    assert result.returncode == 0, result.stderr
    assert_valid_document(result.stdout)
    path = Path(rolestore.entry_path(ENTRY))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700  # ssohelper's own dir too
    assert stat.S_IMODE(Path(rolestore.lock_path(ENTRY)).parent.stat().st_mode) == 0o700


def test_parallel_cold_callers_make_one_call(signed_in):
    signed_in.configure(latency=0.2)
    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(lambda _: run_ssohelper(*ARGS, timeout=120), range(24)))
    assert [r.returncode for r in results] == [0] * 24, [r.stderr for r in results if r.returncode]
    documents = [assert_valid_document(r.stdout) for r in results]
    assert len({d["AccessKeyId"] for d in documents}) == 1
    assert signed_in.calls["GetRoleCredentials"] == 1


def test_a_stale_token_is_refreshed_once_without_a_browser(signed_in):
    token = tokencache.load_token(CORP)
    tokencache.save_token(CORP, type(token)(**{**token.__dict__, "expires_at": time.time() + 120}))
    result = run_ssohelper(*ARGS)
    assert result.returncode == 0, result.stderr
    assert_valid_document(result.stdout)
    assert signed_in.calls["CreateToken"] == 2  # the sign-in, then one refresh
    assert signed_in.calls["StartDeviceAuthorization"] == 1
    refreshed = tokencache.load_token(CORP)
    assert refreshed.access_token != token.access_token and refreshed.seconds_left(time.time()) > 3000


def test_a_token_the_portal_rejects_is_refreshed_and_retried_once(signed_in):
    signed_in.expire_tokens()
    result = run_ssohelper(*ARGS, "--debug")
    assert result.returncode == 0, result.stderr
    assert signed_in.calls["GetRoleCredentials"] == 2
    assert signed_in.calls["CreateToken"] == 2


def test_without_a_login_it_names_the_command_and_prints_nothing(config, emulator):
    result = run_ssohelper(*ARGS)
    assert result.returncode == errors.EXIT_LOGIN_REQUIRED
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "ssohelper: SSO session 'corp' is not signed in; run: ssohelper login --sso-session corp"
    )


def test_an_expired_login_without_refresh_token_needs_a_login(cli, config, emulator):
    emulator.configure(refresh_tokens=False)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    token = tokencache.load_token(CORP)
    tokencache.save_token(CORP, type(token)(**{**token.__dict__, "expires_at": time.time() - 5}))
    result = run_ssohelper(*ARGS)
    assert result.returncode == errors.EXIT_LOGIN_REQUIRED and result.stdout == ""
    assert "has expired; run: ssohelper login --sso-session corp" in result.stderr


def test_a_killed_lock_holder_never_blocks_the_next_caller(signed_in):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time\n"
                "from ssohelper.cache import locks, rolestore\n"
                f"with locks.file_lock(rolestore.lock_path({ENTRY!r}), timeout=5, what='test'):\n"
                "    print('locked', flush=True)\n"
                "    time.sleep(60)\n"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        blocked = run_ssohelper(*ARGS, "--lock-timeout", "0.5")
        assert blocked.returncode == errors.EXIT_BUSY and blocked.stdout == ""
        assert "waiting for another ssohelper process" in blocked.stderr
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        result = run_ssohelper(*ARGS, "--lock-timeout", "5")
        assert result.returncode == 0, result.stderr
        assert_valid_document(result.stdout)
    finally:
        holder.kill()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"ssohelper-role-credentials 1\n17",
        b"\x00\xff garbage",
        b'ssohelper-role-credentials 99\n9e99\n{"Version":1,"AccessKeyId":"x"}\n',
        b'ssohelper-role-credentials 1\n9e99\n["not", "a", "document"]\n',
        b'{"v": 1, "expires": 9e99}',
    ],
)
def test_a_broken_cache_entry_is_a_miss(signed_in, content):
    assert run_ssohelper(*ARGS).returncode == 0
    Path(rolestore.entry_path(ENTRY)).write_bytes(content)
    result = run_ssohelper(*ARGS)
    assert result.returncode == 0, result.stderr
    assert_valid_document(result.stdout)
    assert "Traceback" not in result.stderr
    assert signed_in.calls["GetRoleCredentials"] == 2


def test_a_native_profile_works_too(signed_in, cli):
    assert cli("login", "--profile", "legacy", "--no-browser").code == 0
    first = run_ssohelper("credential-process", "--profile", "dev")
    second = run_ssohelper("credential-process", "--profile", "legacy")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert_valid_document(first.stdout)
    assert signed_in.calls["GetRoleCredentials"] == 2  # two sessions: two cache entries
    assert run_ssohelper("credential-process", "--profile", "dev").stdout == first.stdout


@pytest.mark.parametrize("args", [ARGS, ("credential-process", "--profile", "dev")])
def test_a_cache_hit_imports_no_botocore_keyring_or_click(signed_in, args):
    assert run_ssohelper(*args).returncode == 0
    script = (
        "import sys\n"
        f"sys.argv = ['ssohelper', *{list(args)!r}]\n"
        "from ssohelper.__main__ import main\n"
        "code = main()\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('botocore', 'boto3', 'keyring', 'click')\n"
        "               or m in ('dataclasses', 'typing', 'datetime', 'ssohelper.models', 'ssohelper.ini.awsconfig')\n"
        "               or m.startswith('ssohelper.kinds'))\n"
        "print(code, heavy, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert result.stderr.strip() == "0 []"
    assert_valid_document(result.stdout)


def test_the_slow_path_needs_botocore_so_the_check_above_can_fail(signed_in):
    script = (
        "import sys\n"
        f"sys.argv = ['ssohelper', *{list(ARGS)!r}]\n"
        "from ssohelper.__main__ import main\n"
        "main()\n"
        "print('botocore' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert result.stderr.strip() == "True"


@pytest.mark.parametrize(
    "args, code",
    [
        (("credential-process", "--sso-session", "corp"), errors.EXIT_USAGE),
        (("credential-process", "--profile", "nope"), errors.EXIT_CONFIG),
    ],
)
def test_bad_invocations_fail_with_empty_stdout(config, args, code):
    result = run_ssohelper(*args)
    assert result.returncode == code and result.stdout == ""


@pytest.mark.parametrize("status, words", [(429, "throttling"), (500, "HTTP 500")])
def test_api_errors_leave_stdout_empty(signed_in, monkeypatch, status, words):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    signed_in.fail_next("GetRoleCredentials", count=3, status=status)
    result = run_ssohelper(*ARGS)
    assert result.returncode == errors.EXIT_AWS and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"ssohelper: GetRoleCredentials for {ROLE} in {ACCOUNT}:")
    assert words in result.stderr and signed_in.calls["GetRoleCredentials"] == 2


def test_a_role_without_access_is_a_clear_error(signed_in):
    result = run_ssohelper(
        "credential-process", "--sso-session", "corp", "--account-id", "222222222222", "--role-name", "Developer"
    )
    assert result.returncode == errors.EXIT_AWS and result.stdout == ""
    assert "you have no access" in result.stderr


@pytest.mark.parametrize("flow", ["browser", "device"])
def test_auto_login_signs_in_once_for_all_parallel_callers(config, emulator, http_browser, isolated_home, flow):
    """The flow is chosen as login chooses it: the browser here (a display), unless set to a code."""
    if flow == "device":
        settings = isolated_home / ".config" / "ssohelper" / "config"
        settings.parent.mkdir(parents=True)
        settings.write_text("[login]\nuse_device_code = true\n")
    opened = http_browser
    emulator.configure(latency=0.1)
    targets = [(ACCOUNT, ROLE), (ACCOUNT, "ReadOnly"), ("222222222222", "ReadOnly")] * 3
    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        results = list(
            pool.map(
                lambda t: run_ssohelper(
                    "credential-process",
                    "--sso-session",
                    "corp",
                    "--account-id",
                    t[0],
                    "--role-name",
                    t[1],
                    "--auto-login",
                    timeout=120,
                ),
                targets,
            )
        )
    assert [r.returncode for r in results] == [0] * len(targets), [r.stderr for r in results]
    assert emulator.calls["StartDeviceAuthorization"] == (1 if flow == "device" else 0)
    assert len(emulator.authorize_requests) == (1 if flow == "browser" else 0)
    assert emulator.calls["GetRoleCredentials"] == 3
    said = "confirm that the page shows this code" if flow == "device" else "Signing in with the browser"
    printed = [r for r in results if said in r.stderr]
    assert len(printed) == 1
    time.sleep(0.3)
    assert len(opened.read_text().splitlines()) == 1  # one browser tab, not nine


def test_auto_login_without_a_browser_or_terminal_asks_for_a_login(config, emulator):
    result = run_ssohelper(*ARGS, "--auto-login")
    assert result.returncode == errors.EXIT_LOGIN_REQUIRED and result.stdout == ""
    assert emulator.calls["StartDeviceAuthorization"] == 0


@pytest.mark.parametrize("extra", [("--profile", "dev"), ("--start-url", "https://x", "--sso-region", "r")])
def test_mixed_targets_are_usage_errors_even_with_a_warm_cache(signed_in, extra):
    assert run_ssohelper(*ARGS).returncode == 0
    result = run_ssohelper(*ARGS, *extra)
    assert result.returncode == errors.EXIT_USAGE and result.stdout == ""


def test_a_token_the_portal_revoked_makes_login_sign_in_again(signed_in, cli):
    signed_in.configure(refresh_tokens=False)
    assert cli("login", "--sso-session", "corp", "--no-browser", "--force").code == 0
    signed_in.expire_tokens()  # revoked on the server; the file still says it is valid
    result = run_ssohelper(*ARGS)
    assert result.returncode == errors.EXIT_LOGIN_REQUIRED
    again = cli("login", "--sso-session", "corp", "--no-browser")
    assert again.code == 0 and "Signed in to 'corp'" in again.err  # not "Already signed in"
    assert run_ssohelper(*ARGS).returncode == 0

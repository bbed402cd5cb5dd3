"""Network faults over real loopback HTTP and real subprocesses: every command, every fault.

Each cell must give exit 5 with one line on stderr naming the call, no traceback, and end
within its deadline: the subprocess timeout (well below what a dribbled answer would take
without the deadline) is what enforces it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ACCOUNT, ROLE, free_port, run_ssohelper

from ssohelper import errors
from ssohelper.errors import Busy

CALL_TIMEOUT = "1.5"
HANG = 25  # a dribbled answer would take minutes; the deadline ends it in CALL_TIMEOUT seconds

COMMANDS = {
    "login": (["login", "--sso-session", "corp", "--no-browser"], "StartDeviceAuthorization"),
    "credential-process": (
        ["credential-process", "--sso-session", "corp", "--account-id", ACCOUNT, "--role-name", ROLE],
        "GetRoleCredentials",
    ),
    "list": (["list", "--sso-session", "corp", "--refresh"], "ListAccounts"),
    "migrate": (
        ["migrate-profiles", "--sso-session", "corp", "--account-id", ACCOUNT, "--offline", "--dry-run"],
        "ListAccountRoles",
    ),
}
CAPTIVE_PORTAL = "<html><body>Please accept the terms of use</body></html>"


def inject(emulator, fault: str, operation: str, env: dict[str, str]) -> str:
    """Arrange ``fault`` for ``operation``; returns words the message must contain."""
    if fault == "429":
        emulator.fail_next(operation, count=50, status=429)
        return "throttling"
    if fault == "500":
        emulator.fail_next(operation, count=50, status=500)
        return "HTTP 500"
    if fault == "reset":
        emulator.fail_next(operation, count=50, kind="reset")
        return "connection dropped"
    if fault == "closed-port":
        closed = f"http://127.0.0.1:{free_port()}"
        env["AWS_ENDPOINT_URL_SSO"] = env["AWS_ENDPOINT_URL_SSO_OIDC"] = closed
        return "cannot reach"
    if fault == "dribble":
        emulator.configure(dribble_ms=300)
        return "timed out"
    assert fault == "malformed-200"
    emulator.fail_next(operation, count=50, status=200, body=CAPTIVE_PORTAL, content_type="text/html")
    return "not what the API promises"


@pytest.fixture
def signed_in(cli, config, emulator, isolated_home: Path):
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    (isolated_home / ".aws" / "credentials").write_text(
        "[old]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = example\n"
    )
    return emulator


@pytest.mark.parametrize("fault", ["429", "500", "reset", "closed-port", "dribble", "malformed-200"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_fault_matrix(signed_in, command: str, fault: str):
    args, operation = COMMANDS[command]
    env = dict(os.environ, SSOHELPER_CALL_TIMEOUT=CALL_TIMEOUT, AWS_MAX_ATTEMPTS="1")
    if command == "login":
        args = [*args, "--force"]
    words = inject(signed_in, fault, operation, env)
    result = run_ssohelper(*args, env=env, timeout=HANG)
    assert result.returncode == errors.EXIT_AWS, result.stderr
    assert result.stdout == "" or command == "login"
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("ssohelper: ") and words in message, result.stderr
    assert operation in message
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    if command != "login":  # login prints its progress first; the failure itself is one line
        assert result.stderr.count("\n") == 1, result.stderr


def test_a_dribbled_answer_is_cut_at_the_default_deadline_too(signed_in):
    """No SSOHELPER_CALL_TIMEOUT: the settings file's call_timeout_seconds is the deadline."""
    from ssohelper import paths

    settings = Path(paths.settings_file())
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text("[aws]\ncall_timeout_seconds = 1.5\n")
    signed_in.configure(dribble_ms=1000)
    args, _ = COMMANDS["credential-process"]
    result = run_ssohelper(*args, timeout=HANG)
    assert result.returncode == errors.EXIT_AWS
    assert "timed out after 1.5s" in result.stderr


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan"])
def test_a_bad_call_timeout_is_a_config_error(signed_in, value):
    args, _ = COMMANDS["credential-process"]
    result = run_ssohelper(*args, env=dict(os.environ, SSOHELPER_CALL_TIMEOUT=value))
    assert result.returncode == errors.EXIT_CONFIG
    assert "SSOHELPER_CALL_TIMEOUT must be a positive number of seconds" in result.stderr


def test_lock_waits_count_against_the_budget(signed_in):
    """A stuck lock holder: inside a budget the wait ends with it, whatever --lock-timeout says."""
    from test_login import CORP

    from ssohelper.aws import deadline
    from ssohelper.cache import rolestore
    from ssohelper.models import RoleTarget
    from ssohelper.roles.credential_process import ProcessOptions, fetch, target_entry

    target = RoleTarget(CORP, ACCOUNT, ROLE)
    code = (
        "import sys,time; from ssohelper.cache import locks;"
        "locks.acquire(sys.argv[1], timeout=5, what='x'); print('held', flush=True); time.sleep(60)"
    )
    lock = rolestore.lock_path(target_entry(target))
    holder = subprocess.Popen([sys.executable, "-c", code, lock], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with deadline.budget(0.5), pytest.raises(Busy, match=r"gave up after 0\.[45]"):
            fetch(target, ProcessOptions(lock_timeout=600))
    finally:
        holder.kill()
        holder.wait()
    assert deadline.remaining(60) == 60  # no budget outside the block


def test_a_spent_budget_stops_aws_calls_before_they_start():
    from ssohelper.aws import deadline

    with deadline.budget(0), pytest.raises(deadline.TimedOut, match="GetRoleCredentials: timed out"):
        deadline.run("GetRoleCredentials", lambda: 1)
    assert deadline.run("x", lambda: 1) == 1


@pytest.mark.parametrize(
    ("operation", "body", "problem"),
    [
        ("GetRoleCredentials", CAPTIVE_PORTAL, "no roleCredentials object"),
        ("GetRoleCredentials", "{}", "no roleCredentials object"),
        ("GetRoleCredentials", "null", "could not be read"),
        ("GetRoleCredentials", '{"roleCredentials": {"accessKeyId": "ASIA', "no roleCredentials object"),
        (
            "GetRoleCredentials",
            '{"roleCredentials": {"accessKeyId": "A", "secretAccessKey": "s", "sessionToken": "t", '
            '"expiration": "soon"}}',
            "could not be read",
        ),
        (
            "GetRoleCredentials",
            '{"roleCredentials": {"accessKeyId": "A", "secretAccessKey": "s", "sessionToken": "t", '
            '"expiration": 99999999999999999}}',
            "expiration is",
        ),
        (
            "GetRoleCredentials",
            '{"roleCredentials": {"accessKeyId": 5, "secretAccessKey": "s", "sessionToken": "t", "expiration": 1}}',
            "accessKeyId missing or not a string",
        ),
        *[
            (
                "GetRoleCredentials",
                '{"roleCredentials": {"accessKeyId": "A", "secretAccessKey": "s", "sessionToken": "t", '
                f'"expiration": {value}}}}}',
                "could not be read",  # botocore's own parsing chokes: still exit 5, not "unexpected"
            )
            for value in ("NaN", "Infinity")
        ],
        ("ListAccounts", "{}", "no accountList list"),
        ("ListAccounts", '{"accountList": [{"accountName": "x"}]}', "accountId missing"),
    ],
)
def test_answers_that_break_the_api_promise_are_aws_errors(signed_in, cli, operation, body, problem):
    signed_in.fail_next(operation, count=5, status=200, body=body)
    args = COMMANDS["credential-process" if operation == "GetRoleCredentials" else "list"][0]
    result = cli(*args)
    assert result.code == errors.EXIT_AWS, result.err
    assert result.err.count("\n") == 1 and operation in result.err and problem in result.err, result.err
    assert result.out == ""


@pytest.mark.parametrize(
    ("operation", "body", "problem"),
    [
        ("RegisterClient", "{}", "clientId missing"),
        (
            "RegisterClient",
            '{"clientId": "c", "clientSecret": "s", "clientSecretExpiresAt": "x"}',
            "could not be read",
        ),
        ("RegisterClient", '{"clientId": "c", "clientSecret": "s", "clientSecretExpiresAt": 0}', "clientSecretExpires"),
        ("StartDeviceAuthorization", "null", "could not be read"),
        ("StartDeviceAuthorization", CAPTIVE_PORTAL, "deviceCode missing"),
        ("StartDeviceAuthorization", '{"deviceCode": "d", "userCode": "u"}', "verificationUri missing"),
        ("CreateToken", '{"accessToken": "a", "expiresIn": 99999999999999}', "expiresIn is"),
        ("CreateToken", '{"expiresIn": 3600}', "accessToken missing"),
        ("CreateToken", '{"accessToken": "a", "expiresIn": NaN}', "could not be read"),
        ("CreateToken", '{"accessToken": "a", "expiresIn": -Infinity}', "could not be read"),
        (
            "StartDeviceAuthorization",
            '{"deviceCode": "d", "userCode": "u", "verificationUri": "v", "interval": Infinity}',
            "could not be read",
        ),
    ],
)
def test_login_checks_each_oidc_answer(cli, config, emulator, operation, body, problem):
    emulator.fail_next(operation, count=5, status=200, body=body)
    result = cli("login", "--sso-session", "corp", "--no-browser")
    assert result.code == errors.EXIT_AWS, result.err
    last = result.err.strip().splitlines()[-1]
    assert operation in last and problem in last, result.err
    assert not (Path(os.environ["HOME"]) / ".aws" / "sso" / "cache").exists() or not any(
        json.loads(p.read_text()).get("accessToken") == "a"
        for p in (Path(os.environ["HOME"]) / ".aws" / "sso" / "cache").glob("*.json")
    )


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_number_that_is_not_finite_is_a_bad_answer(value):
    from ssohelper.aws import answers

    with pytest.raises(answers.BadAnswer, match=r"CreateToken: .*expiresIn is"):
        answers.number("CreateToken", {"expiresIn": value}, "expiresIn", 1, 10)


def test_a_refresh_with_a_garbage_lifetime_is_refused(cli, config, emulator, isolated_home):
    emulator.configure(token_ttl=300)  # inside the 15-minute refresh window
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    emulator.fail_next("CreateToken", count=5, status=200, body='{"accessToken": "a", "expiresIn": 99999999999999}')
    result = cli("list", "--sso-session", "corp", "--refresh")
    assert result.code == 0  # the refresh failed, but the current token is still valid for 5 minutes
    token = isolated_home / ".aws" / "sso" / "cache" / (hashlib.sha1(b"corp").hexdigest() + ".json")
    assert json.loads(token.read_text())["accessToken"] != "a"


def test_faults_can_be_asked_for_over_http(signed_in, cli):
    """Other processes (a demo, a user's own tests) set faults through /_emulator/fail."""
    import urllib.request

    body = json.dumps({"operation": "ListAccounts", "status": 200, "body": "null", "count": 1}).encode()
    request = urllib.request.Request(f"{signed_in.url}/_emulator/fail", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
    result = cli("list", "--sso-session", "corp", "--refresh")
    assert result.code == errors.EXIT_AWS and "ListAccounts" in result.err
    assert cli("list", "--sso-session", "corp", "--refresh").code == 0  # count=1: the next call is normal


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"kind": "explode"}, "kind must be one of"),
        ({"status": 200}, "must be an HTTP error status"),
        ({"status": 700, "body": "x"}, "must be an HTTP status"),
    ],
)
def test_fault_arguments_are_checked(emulator, kwargs, words):
    with pytest.raises(ValueError, match=words):
        emulator.fail_next("ListAccounts", **kwargs)


def test_static_key_clients_get_the_same_retries_and_timeouts_as_the_sso_ones(monkeypatch):
    from botocore import UNSIGNED

    from ssohelper.aws import clients
    from ssohelper.migration.rewrite import StaticProfile

    profile = StaticProfile("old", "AKIAEXAMPLEEXAMPLE12", "secret", None, True, False, "eu-west-1")
    for env in ({}, {"AWS_RETRY_MODE": "adaptive", "AWS_MAX_ATTEMPTS": "5", "SSOHELPER_CALL_TIMEOUT": "7"}):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        signed = clients.make("sts", credentials=profile, region=profile.region).meta.config
        sso = clients.make("sso", region="eu-west-1").meta.config
        assert (
            signed.retries
            == sso.retries
            == {
                "mode": env.get("AWS_RETRY_MODE", "standard"),
                "total_max_attempts": int(env.get("AWS_MAX_ATTEMPTS", "3")),
            }
        )
        assert signed.read_timeout == sso.read_timeout == float(env.get("SSOHELPER_CALL_TIMEOUT", 30))
        assert signed.connect_timeout == sso.connect_timeout
        assert signed.signature_version is not UNSIGNED and sso.signature_version is UNSIGNED

"""exec, export and console: role credentials for tools that cannot use profiles."""

from __future__ import annotations

import json
import os
import shlex
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import ACCOUNT, ROLE, run_ssohelper, write_config

from ssohelper import errors
from ssohelper.ini import awsconfig
from ssohelper.roles import console

PROCESS_PROFILE = (
    "\n[profile proc]\n"
    f"credential_process = /opt/venv/bin/ssohelper credential-process --sso-session corp --account-id {ACCOUNT} "
    f"--role-name {ROLE}\nregion = eu-west-3\n"
)


@pytest.fixture
def signed_in(cli, isolated_home, emulator, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION")  # the environment's region would win over the profile's
    write_config(isolated_home, extra=PROCESS_PROFILE)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    return emulator


def test_a_process_profile_resolves_to_its_target(isolated_home):
    write_config(isolated_home, extra=PROCESS_PROFILE)
    target = awsconfig.load().resolve_target("proc")
    assert (target.session.name, target.account_id, target.role_name) == ("corp", ACCOUNT, ROLE)


def test_exec_passes_credentials_region_and_the_exit_code(signed_in, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "proc")
    script = 'echo "$AWS_ACCESS_KEY_ID $AWS_REGION ${AWS_PROFILE-unset} $SSOHELPER_EXEC_PROFILE"; exit 7'
    result = run_ssohelper("exec", "--", "sh", "-c", script)
    assert result.returncode == 7, result.stderr
    key, region, profile, marker = result.stdout.split()
    assert key.startswith("ASIA") and (region, profile, marker) == ("eu-west-3", "unset", "proc")
    assert signed_in.calls["GetRoleCredentials"] == 1
    again = run_ssohelper("exec", "--profile", "dev", "--", "sh", "-c", 'test -n "$AWS_SESSION_TOKEN"')
    assert again.returncode == 0 and signed_in.calls["GetRoleCredentials"] == 1  # the same cache entry


def test_exec_region_order_is_the_sdks(signed_in, monkeypatch):
    show = ["--", "sh", "-c", 'echo "$AWS_REGION $AWS_DEFAULT_REGION"']
    assert run_ssohelper("exec", "--profile", "proc", *show).stdout.split() == ["eu-west-3", "eu-west-3"]
    monkeypatch.setenv("AWS_REGION", "us-west-2")  # the environment wins over the profile
    assert run_ssohelper("exec", "--profile", "proc", *show).stdout.split() == ["us-west-2", "us-west-2"]
    given = run_ssohelper("exec", "--profile", "proc", "--region", "ap-south-1", *show)
    assert given.stdout.split() == ["ap-south-1", "ap-south-1"]  # --region wins over both
    monkeypatch.delenv("AWS_REGION")
    assert run_ssohelper("exec", "--profile", "dev", *show).stdout.split() == ["us-east-1", "us-east-1"]


@pytest.mark.parametrize("args", [["--regoin", "us-west-2"], ["--profil", "proc"], ["--nope"]])
def test_exec_takes_an_unknown_option_for_a_usage_error(signed_in, args):
    result = run_ssohelper("exec", *args, "--", "true")
    assert result.returncode == errors.EXIT_USAGE, result.stderr
    assert "command not found" not in result.stderr


def test_exec_without_a_command_starts_the_shell(signed_in, monkeypatch, tmp_path):
    shell = tmp_path / "myshell"
    shell.write_text('#!/bin/sh\necho "shell with $AWS_ACCESS_KEY_ID"\n')
    shell.chmod(0o755)
    monkeypatch.setenv("SHELL", str(shell))
    result = run_ssohelper("exec", "--profile", "proc")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("shell with ASIA")
    assert "exit it to return" in result.stderr


def test_exec_refuses_to_nest_unless_allowed(signed_in, monkeypatch):
    monkeypatch.setenv("SSOHELPER_EXEC_PROFILE", "dev")
    result = run_ssohelper("exec", "--profile", "dev", "--", "true")
    assert result.returncode == errors.EXIT_USAGE
    assert "already inside 'ssohelper exec' for profile 'dev'" in result.stderr
    assert run_ssohelper("exec", "--profile", "dev", "--allow-nested", "--", "true").returncode == 0


def test_exec_of_a_missing_program_says_so(signed_in):
    result = run_ssohelper("exec", "--profile", "dev", "--", "no-such-program-here")
    assert result.returncode == errors.EXIT_COMMAND_NOT_FOUND
    assert result.stderr.strip() == "ssohelper: command not found: no-such-program-here"


@pytest.mark.parametrize(
    ("body", "mode", "why"),
    [
        ("echo hi\n", 0o755, "Exec format error"),  # no #! line: execve says ENOEXEC
        ("#!/bin/sh\necho hi\n", 0o644, "Permission denied"),  # not executable: EACCES
    ],
)
def test_exec_of_a_program_that_cannot_run_exits_126_as_shells_do(signed_in, tmp_path, body, mode, why):
    script = tmp_path / "script"
    script.write_text(body)
    script.chmod(mode)
    result = run_ssohelper("exec", "--profile", "dev", "--", str(script))
    assert result.returncode == errors.EXIT_CANNOT_RUN == 126
    assert result.stderr.strip() == f"ssohelper: cannot run {script}: {why}"


def test_exec_passes_a_signal_through(signed_in, tmp_path):
    import signal
    import subprocess

    from helpers import ssohelper_cmd

    ready = tmp_path / "ready"
    child = subprocess.Popen(
        [*ssohelper_cmd(), "exec", "--profile", "dev", "--", "sh", "-c", f"touch {ready}; sleep 30"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 30
    while not ready.exists() and time.time() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=10) == -signal.SIGTERM  # sh itself died of it: ssohelper became sh


def test_export_json_and_process_are_valid_json(signed_in, cli):
    result = cli("export", "--profile", "proc", "--format", "json")
    assert result.code == 0
    document = json.loads(result.out)
    assert document["AccessKeyId"].startswith("ASIA") and document["Region"] == "eu-west-3"
    assert document["AccountId"] == ACCOUNT and document["Expiration"].endswith("Z")
    process = json.loads(cli("export", "--profile", "proc").out)
    assert process["Version"] == 1 and set(process) == {
        "Version",
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
    }
    assert result.err == ""  # nothing for people, and certainly no secret on stderr


@pytest.mark.parametrize(
    ("fmt", "pattern"),
    [
        ("env", "export {}={}"),
        ("env-no-export", "{}={}"),
        ("powershell", '$Env:{}="{}"'),
        ("windows-cmd", "set {}={}"),
        ("fish", 'set -gx {} "{}"'),
    ],
)
def test_export_line_formats(signed_in, cli, fmt, pattern):
    document = json.loads(cli("export", "--profile", "proc", "--format", "json").out)
    values = {
        "AWS_ACCESS_KEY_ID": document["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": document["SecretAccessKey"],
        "AWS_SESSION_TOKEN": document["SessionToken"],
        "AWS_CREDENTIAL_EXPIRATION": document["Expiration"],
        "AWS_REGION": "eu-west-3",
        "AWS_DEFAULT_REGION": "eu-west-3",
    }
    output = cli("export", "--profile", "proc", "--format", fmt).out
    assert output == "".join(pattern.format(name, value) + "\n" for name, value in values.items())


def test_export_env_evaluates_in_a_shell(signed_in):
    exported = run_ssohelper("export", "--profile", "dev", "--format", "env")
    assert exported.returncode == 0, exported.stderr
    import subprocess

    shell = subprocess.run(
        ["sh", "-c", exported.stdout + 'echo "$AWS_ACCESS_KEY_ID"'], capture_output=True, text=True, check=True
    )
    assert shell.stdout.startswith("ASIA")


def test_export_without_login_names_the_command(cli, config, emulator):
    result = cli("export", "--profile", "dev")
    assert result.code == errors.EXIT_LOGIN_REQUIRED and result.out == ""
    assert "run: ssohelper login --sso-session corp" in result.err


def test_console_print_carries_the_emulator_token(signed_in, cli, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", signed_in.url)
    result = cli("console", "--profile", "proc", "--print", "--duration", "60")
    assert result.code == 0, result.err
    url = urlsplit(result.out.strip())
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}" == signed_in.url and url.path == "/federation"
    assert query["Action"] == "login" and query["Issuer"] == "ssohelper"
    assert query["Destination"] == "https://console.aws.amazon.com/"
    assert signed_in.signin_tokens == [query["SigninToken"]]


def test_console_opens_the_browser(signed_in, browser_log, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", signed_in.url)
    result = run_ssohelper("console", "--profile", "dev", "--destination", "https://console.aws.amazon.com/s3/")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    (opened,) = Path(browser_log).read_text().splitlines()
    query = parse_qs(urlsplit(opened).query)
    assert query["SigninToken"] == signed_in.signin_tokens
    assert query["Destination"] == ["https://console.aws.amazon.com/s3/"]


def test_console_without_a_display_prints_the_url(signed_in, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", signed_in.url)
    result = run_ssohelper("console", "--profile", "dev")
    assert result.returncode == 0, result.stderr
    assert "No browser could be opened" in result.stderr
    assert parse_qs(urlsplit(result.stdout.strip()).query)["SigninToken"] == signed_in.signin_tokens


def test_the_federation_endpoint_refuses_credentials_it_did_not_issue(signed_in, monkeypatch):
    from ssohelper.models import RoleCredentials

    forged = RoleCredentials("ASIAFORGEDFORGEDFORG", "secret", "token", time.time() + 3600, ACCOUNT)
    with pytest.raises(errors.AwsError, match="refused the credentials"):
        console.signin_token(signed_in.url, forged, None)
    assert signed_in.signin_tokens == []


@pytest.mark.parametrize(
    ("region", "partition", "endpoint"),
    [
        ("eu-west-1", "aws", "https://signin.aws.amazon.com"),
        ("us-gov-west-1", "aws-us-gov", "https://signin.amazonaws-us-gov.com"),
        ("cn-north-1", "aws-cn", "https://signin.amazonaws.cn"),
    ],
)
def test_sign_in_endpoints_follow_the_partition(region, partition, endpoint):
    assert console.endpoints(region, {})[:2] == (partition, endpoint)
    assert console.endpoints(region, {"AWS_ENDPOINT_URL_SIGNIN": "http://127.0.0.1:9/"})[1] == "http://127.0.0.1:9"


def test_an_unknown_partition_asks_for_the_endpoint():
    region = "eusc-de-east-1"
    if console.partition_of(region) == "aws":
        pytest.fail("botocore does not know the sovereign-cloud partition; upgrade botocore")
    with pytest.raises(errors.ConfigError, match="set AWS_ENDPOINT_URL_SIGNIN"):
        console.endpoints(region, {})


def test_an_unreachable_sign_in_endpoint_is_one_line(signed_in, cli, monkeypatch):
    from helpers import free_port

    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", f"http://127.0.0.1:{free_port()}")
    result = cli("console", "--profile", "dev", "--print")
    assert result.code == errors.EXIT_AWS and result.out == ""
    assert result.err.startswith("ssohelper: console sign-in: cannot reach http://127.0.0.1:")
    assert len(result.err.strip().splitlines()) == 1


def test_exec_and_export_never_leak_to_stderr(signed_in):
    result = run_ssohelper("exec", "--profile", "dev", "--debug", "--", "sh", "-c", "exit 0")
    secret = json.loads(run_ssohelper("export", "--profile", "dev", "--format", "json").stdout)
    assert secret["SecretAccessKey"] not in result.stderr and secret["SessionToken"] not in result.stderr
    assert shlex.quote(secret["AccessKeyId"]) not in result.stderr
    assert os.environ.get("SSOHELPER_EXEC_PROFILE") is None


def test_the_partition_lookup_agrees_with_botocore():
    import botocore.session

    session = botocore.session.get_session()
    regions = ["eu-west-1", "us-gov-east-1", "cn-northwest-1", "eusc-de-east-1", "us-isob-east-1", "il-central-1"]
    for region in regions:
        assert console.partition_of(region) == session.get_partition_for_region(region), region


def test_a_dribbled_federation_answer_is_cut_at_the_call_deadline(signed_in, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", signed_in.url)
    assert run_ssohelper("export", "--profile", "dev").returncode == 0  # role credentials cached
    monkeypatch.setenv("SSOHELPER_CALL_TIMEOUT", "1.5")
    signed_in.configure(dribble_ms=1000)  # one byte a second: every read is quick, the answer never ends
    result = run_ssohelper("console", "--profile", "dev", "--print", timeout=20)
    assert result.returncode == errors.EXIT_AWS and result.stdout == ""
    assert result.stderr.startswith("ssohelper: console sign-in: timed out after 1.5s"), result.stderr
    assert signed_in.calls["GetRoleCredentials"] == 1  # only the federation call was made this time

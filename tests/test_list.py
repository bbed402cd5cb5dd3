"""`ssohelper list`: paging, one shared client in parallel, throttling, output formats, and
profiles whose credential_process runs ssohelper. All over loopback against the emulator."""

from __future__ import annotations

import json
import time

import pytest
from helpers import run_ssohelper, sigint_raises, write_config

from ssohelper import errors
from ssohelper.ini import awsconfig
from ssohelper.kinds.process import ssohelper_process_options

# 205 accounts: three ListAccounts pages of 100; roles listed out of order on purpose
MANY = {
    f"{900000000000 - n:012d}": {"name": f"acct-{n:03d}", "roles": ["Zeta", "Alpha", f"Role{n % 3}"]}
    for n in range(205)
}


def expected_rows() -> list[dict[str, str]]:
    return [
        {"accountId": account, "accountName": info["name"], "roleName": role}
        for account, info in sorted(MANY.items())
        for role in sorted(info["roles"])
    ]


@pytest.fixture
def signed_in(cli, config, emulator):
    emulator.configure(accounts=MANY)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    emulator.reset_calls()
    return emulator


def test_pages_accounts_and_lists_every_role_once_sorted(cli, signed_in):
    result = cli("list", "--sso-session", "corp", "--output", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == expected_rows()
    assert signed_in.calls["ListAccounts"] == 3
    assert signed_in.calls["ListAccountRoles"] == 205
    assert result.err == ""  # no progress line: stderr is not a terminal


def test_the_call_deadline_is_per_page_not_per_listing(cli, signed_in, monkeypatch):
    """Three pages at 0.4 s each take longer than the 1 s deadline, but no single call does."""
    monkeypatch.setenv("SSOHELPER_CALL_TIMEOUT", "1")
    signed_in.configure(latency=0.4)
    result = cli("list", "--sso-session", "corp", "--output", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == expected_rows()
    signed_in.configure(latency=1.5)
    result = cli("list", "--sso-session", "corp", "--output", "json", "--refresh")
    assert result.code == errors.EXIT_AWS and "timed out" in result.err, result.err


def test_throttled_calls_are_retried_and_counted(cli, signed_in):
    signed_in.fail_next("ListAccountRoles", count=4, status=429)
    signed_in.fail_next("ListAccounts", count=1, status=429)
    result = cli("list", "--sso-session", "corp", "--output", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == expected_rows()
    assert signed_in.calls["ListAccountRoles"] == 205 + 4
    assert signed_in.calls["ListAccounts"] == 3 + 1


def test_throttling_beyond_the_attempts_gives_one_line(cli, signed_in, monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    signed_in.fail_next("ListAccountRoles", count=200, status=429)
    result = cli("list", "--sso-session", "corp")
    assert result.code == errors.EXIT_AWS
    assert "AWS is throttling requests (TooManyRequestsException)" in result.err
    assert result.err.count("\n") == 1 and result.out == ""


def test_output_formats_follow_the_aws_cli(cli, signed_in):
    rows = expected_rows()
    table = cli("list", "--sso-session", "corp").out.splitlines()
    assert table[0].split() == ["ACCOUNT", "NAME", "ROLE"]
    assert [line.split() for line in table[1:]] == [list(row.values()) for row in rows]
    assert cli("list", "--sso-session", "corp", "--output", "table").out == "\n".join(table) + "\n"
    text = cli("list", "--sso-session", "corp", "--output", "text").out
    assert text == "".join("\t".join(row.values()) + "\n" for row in rows)
    assert json.loads(cli("list", "--sso-session", "corp", "--json").out) == rows
    wrong = cli("list", "--sso-session", "corp", "--output", "yaml")
    assert wrong.code == errors.EXIT_USAGE and "'yaml' is not one of" in wrong.err


def test_the_installed_script_lists_in_a_subprocess(signed_in):
    result = run_ssohelper("list", "--sso-session", "corp", "--output", "text")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(expected_rows())
    assert result.stderr == ""


PROCESS_PROFILES = """
[profile quoted]
credential_process = "/opt/my tools/ssohelper" credential-process --sso-session=corp
  --account-id 111111111111 --role-name Developer
[profile viaurl]
credential_process = python3 -m ssohelper credential-process --start-url https://x.awsapps.com/start
  --sso-region eu-west-1 --account-id 123456789012 --role-name R
[profile viaprofile]
credential_process = ssohelper credential-process --profile dev
[profile other]
credential_process = aws-vault export --format=json dev
"""


def test_a_profile_using_ssohelper_through_credential_process_is_accepted(cli, isolated_home, emulator):
    write_config(isolated_home, extra=PROCESS_PROFILES)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    result = cli("list", "--profile", "quoted", "--output", "json")
    assert result.code == 0, result.err
    assert {"accountId": "222222222222", "accountName": "prod", "roleName": "ReadOnly"} in json.loads(result.out)
    refused = cli("list", "--profile", "other")
    assert refused.code == errors.EXIT_CONFIG
    assert "profile 'other' in ~/.aws/config has no sso_session or sso_start_url, and no credential_process" in (
        refused.err
    )


@pytest.mark.parametrize(
    ("profile", "session", "account", "role"),
    [
        ("quoted", "corp", "111111111111", "Developer"),
        ("viaprofile", "corp", "111111111111", "Developer"),
        ("viaurl", "https://x.awsapps.com/start", "123456789012", "R"),
    ],
)
def test_the_config_model_resolves_credential_process_profiles(isolated_home, profile, session, account, role):
    write_config(isolated_home, extra=PROCESS_PROFILES)
    target = awsconfig.load().resolve_target(profile)
    assert (target.session.label, target.account_id, target.role_name) == (session, account, role)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("ssohelper credential-process --sso-session corp", {"--sso-session": "corp"}),
        (
            "'/a b/ssohelper' credential-process --sso-session=c --role-name R",
            {"--sso-session": "c", "--role-name": "R"},
        ),
        ("py -m ssohelper credential-process --profile p --debug", {"--profile": "p", "--debug": ""}),
        ("ssohelper.exe credential-process --account-id 1", {"--account-id": "1"}),
        ("aws-sso-util credential-process --profile p", None),
        ("ssohelper list --profile p", None),
        ("ssohelper 'unbalanced", None),
    ],
)
def test_credential_process_lines_are_split_shell_style(line, expected):
    assert ssohelper_process_options(line) == expected


def test_on_a_terminal_a_slow_listing_shows_progress_on_stderr(signed_in):
    import os

    from test_login import run_on_terminal

    signed_in.configure(latency=0.1)  # 3 pages + 13 rounds of 16 accounts: about 1.6 s
    process, seen, terminal = run_on_terminal(["list", "--sso-session", "corp", "--output", "json"], until="205/205")
    try:
        stdout, _ = process.communicate(timeout=30)
    finally:
        os.close(terminal)
    assert process.returncode == 0
    assert "Listing roles, accounts done: " in seen and "205/205" in seen
    assert json.loads(stdout) == expected_rows()  # stdout stays clean


def test_ctrl_c_during_a_listing_does_not_wait_for_the_running_calls(signed_in, runner_ignores_sigint):
    import os
    import signal
    import threading

    from ssohelper.listings import accounts
    from ssohelper.tokens import tokencache

    session = awsconfig.load().resolve_session(sso_session="corp")
    token = tokencache.load_token(session)
    assert token is not None
    signed_in.configure(latency=3)  # every ListAccountRoles call is still running at the Ctrl-C

    def ctrl_c_once_16_calls_run() -> None:  # not after a fixed time: a loaded machine starts them late
        deadline = time.time() + 30
        while signed_in.calls["ListAccountRoles"] < 16 and time.time() < deadline:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=ctrl_c_once_16_calls_run, daemon=True).start()
    with sigint_raises(), pytest.raises(KeyboardInterrupt):
        accounts.roles_by_account(session, token, list(MANY), workers=16)
    running = [t for t in threading.enumerate() if t.name.startswith("ssohelper-roles")]
    assert running  # returned at once: the calls in flight were left behind, not waited for
    for thread in running:
        thread.join(30)
    assert signed_in.calls["ListAccountRoles"] == 16  # the queued ones were cancelled, never started

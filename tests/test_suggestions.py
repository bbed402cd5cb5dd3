"""Every message that suggests a command is followed from the state that printed it, and the
suggested command must move forward (then the first command works).

A last test reads the product's source for suggestions ("run: ssohelper ...", "with: ssohelper
...") and fails when one appears whose command no test here follows.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from helpers import ACCOUNT, REPO, ROLE

from ssohelper import errors
from ssohelper.journal import backups

URL = "https://corp.awsapps.com/start"
SESSION = f"[sso-session corp]\nsso_start_url = {URL}\nsso_region = us-east-1\n"
KEYS = "[work]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMIK7MDENGEXAMPLEKEY\n"
FOLLOWED = {
    "login",
    "configure",
    "migrate-profiles",
    "exec",
    "rotate-key",  # followed in test_rotate_key.py
    "keys",  # followed in test_keys_retire.py
    "iam-users",  # followed in test_iam_users_apply.py
}  # the subcommands whose suggestions the tests here (or the file named) follow


def suggestion(text: str, **placeholders: str) -> list[str]:
    """The one ssohelper command ``text`` suggests, placeholders filled, as argv (no 'ssohelper')."""
    found = re.findall(r"(?:run|with): (ssohelper [^;\n]+)", text)
    assert len(found) == 1, text
    words = shlex.split(found[0].rstrip("."))
    words = [placeholders.get(word, word) for word in words]
    assert words[1] in FOLLOWED, words
    return words[1:]


def write(home: Path, config: str | None, credentials: str | None = None) -> Path:
    aws = home / ".aws"
    aws.mkdir(exist_ok=True)
    if config is not None:
        (aws / "config").write_text(config)
    if credentials is not None:
        (aws / "credentials").write_text(credentials)
    return aws


@pytest.mark.parametrize(
    "command",
    [
        ["list", "--sso-session", "corp"],
        ["credential-process", "--sso-session", "corp", "--account-id", ACCOUNT, "--role-name", ROLE],
        ["export", "--profile", "dev"],
    ],
)
def test_not_signed_in_suggests_login(cli, isolated_home, emulator, command):
    write(
        isolated_home,
        SESSION + f"[profile dev]\nsso_session = corp\nsso_account_id = {ACCOUNT}\nsso_role_name = {ROLE}\n",
    )
    first = cli(*command)
    assert first.code == errors.EXIT_LOGIN_REQUIRED
    followed = cli(*suggestion(first.err), "--no-browser")
    assert followed.code == 0, followed.err
    assert cli(*command).code == 0


def test_nothing_configured_suggests_configure(cli, isolated_home, emulator):
    first = cli("login")
    assert first.code == errors.EXIT_CONFIG
    followed = cli(*suggestion(first.err, NAME="corp", URL=URL, REGION="us-east-1"), "--no-browser", "--yes")
    assert followed.code == 0, followed.err
    assert cli("login", "--no-browser").code == 0 and cli("list").code == 0


def test_a_missing_session_suggests_configure(cli, isolated_home, emulator):
    write(isolated_home, "")
    first = cli("populate", "--sso-session", "nope", "--dry-run")
    assert first.code == errors.EXIT_CONFIG
    followed = cli(*suggestion(first.err, URL=URL, REGION="us-east-1"), "--no-browser", "--yes")
    assert followed.code == 0, followed.err
    assert cli("populate", "--sso-session", "nope", "--dry-run").code == 0


def test_migrate_to_a_new_session_suggests_the_login_that_adds_it(cli, isolated_home, emulator, moto_url, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    emulator.configure(accounts={"123456789012": {"name": "m", "email": "m@example.com", "roles": [ROLE]}})
    write(isolated_home, None, KEYS)
    command = [
        "migrate-profiles",
        "--sso-session",
        "corp",
        "--start-url",
        URL,
        "--sso-region",
        "us-east-1",
        "--dry-run",
    ]
    first = cli(*command)
    assert first.code == errors.EXIT_LOGIN_REQUIRED
    followed = cli(*suggestion(first.err), "--no-browser")
    assert followed.code == 0, followed.err
    again = cli(*command)
    assert again.code == 0, again.err
    assert "work" in again.out and "--sso-session corp --account-id 123456789012" in again.out


def test_audit_without_a_session_suggests_the_way_in(cli, isolated_home, emulator, moto_url, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    emulator.configure(accounts={"123456789012": {"name": "m", "email": "m@example.com", "roles": [ROLE]}})
    write(isolated_home, None, KEYS)
    first = cli("audit")
    assert first.code == errors.EXIT_FINDINGS
    followed = cli(*suggestion(first.out, NAME="corp", URL=URL, REGION="us-east-1"), "--no-browser")
    assert followed.code == 0, followed.err
    assert "--sso-session corp --account-id 123456789012 --role-name Developer" in followed.out  # the plan


def test_audit_with_a_session_suggests_migrate(cli, isolated_home, emulator, moto_url, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    emulator.configure(accounts={"123456789012": {"name": "m", "email": "m@example.com", "roles": [ROLE]}})
    write(isolated_home, SESSION, KEYS)
    assert cli("login", "--no-browser").code == 0
    first = cli("audit")
    followed = cli(*suggestion(first.out))
    assert followed.code == 0, followed.err
    assert "Dry run: nothing was changed." in followed.err


def test_undo_and_yes_suggestions_lead_back(cli, isolated_home, emulator):
    aws = write(isolated_home, SESSION, KEYS)
    before = (aws / "credentials").read_bytes()
    done = cli("migrate-profiles", "--map", f"work={ACCOUNT}:{ROLE}", "--yes")
    assert done.code == 0, done.err
    undo = cli(*suggestion(done.err))  # "Undo with: ..." off a terminal asks for --yes
    assert undo.code == errors.EXIT_NOT_APPLIED
    assert "rerun with --yes" in undo.err and "--dry-run" not in undo.err  # a dry run would only repeat this
    assert cli(*suggestion(done.err), "--yes").code == 0
    assert (aws / "credentials").read_bytes() == before
    assert backups.list_backups()[0].rolled_back


def test_a_session_to_choose_among_is_a_usage_error_naming_them(cli, isolated_home):
    write(isolated_home, SESSION + "[sso-session other]\nsso_start_url = https://o/start\nsso_region = eu-west-1\n")
    result = cli("login")
    assert result.code == errors.EXIT_USAGE
    assert "--sso-session NAME (one of: corp, other)" in result.err
    assert cli("populate", "--dry-run").code == errors.EXIT_USAGE


def test_a_static_key_aws_profile_does_not_block_login_list_or_status(cli, isolated_home, emulator, monkeypatch):
    write(isolated_home, SESSION, KEYS)
    monkeypatch.setenv("AWS_PROFILE", "work")
    login = cli("login", "--no-browser")
    assert login.code == 0, login.err
    assert "AWS_PROFILE=work uses no SSO; using the only sso-session, 'corp'" in login.err
    assert cli("list").code == 0
    assert cli("status").code == 0


def test_an_mfa_profile_off_a_terminal_suggests_exec_on_one(cli, isolated_home, emulator, moto_url, monkeypatch):
    from helpers import converse, write_config

    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    mfa = "\n[profile admin]\nrole_arn = arn:aws:iam::222222222222:role/Admin\nsource_profile = dev\n"
    write_config(isolated_home, extra=mfa + "mfa_serial = arn:aws:iam::111111111111:mfa/me\n")
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    command = ["credential-process", "--profile", "admin"]
    first = cli(*command)
    assert first.code == errors.EXIT_LOGIN_REQUIRED
    # "on a terminal": the code is asked for there
    converse(suggestion(first.err), [(b"MFA code for arn:aws:iam::111111111111:mfa/me", b"123456\n")])
    again = cli(*command)  # now from the cache, without a terminal
    assert again.code == 0, again.err
    assert again.out.startswith('{"Version":1,')


def test_every_suggestion_in_the_product_is_followed_here():
    """Each subcommand the product suggests must be one that a test above follows."""
    suggested = set()
    for path in (REPO / "ssohelper").rglob("*.py"):
        if "emulator" in path.parts:
            continue
        text = path.read_text()
        suggested |= set(re.findall(r"(?:run|with): ssohelper ([a-z-]+)", text))
        if "login_command()" in text:
            suggested.add("login")
    assert suggested, "no suggestions found: the pattern is stale"
    assert suggested <= FOLLOWED, suggested - FOLLOWED


def test_login_to_a_missing_session_suggests_configure(cli, isolated_home, emulator):
    first = cli("login", "--sso-session", "corp")
    assert first.code == errors.EXIT_CONFIG
    followed = cli(*suggestion(first.err, URL=URL, REGION="us-east-1"), "--no-browser", "--yes")
    assert followed.code == 0, followed.err
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0


def test_a_missing_profile_names_the_ones_there_or_suggests_configure(cli, isolated_home, emulator):
    write(
        isolated_home,
        SESSION + f"[profile dev]\nsso_session = corp\nsso_account_id = {ACCOUNT}\nsso_role_name = {ROLE}\n",
    )
    named = cli("export")
    assert named.code == errors.EXIT_CONFIG
    assert "profile 'default' not found in ~/.aws/config; name one with --profile or AWS_PROFILE: dev" in named.err
    write(isolated_home, "")
    first = cli("export")
    assert first.code == errors.EXIT_CONFIG
    given = ["--sso-session", "corp", "--start-url", URL, "--sso-region", "us-east-1", "--no-browser", "--yes"]
    one = ["--profile", "default", "--account-id", ACCOUNT, "--role-name", ROLE]
    followed = cli(*suggestion(first.err), *given, *one)
    assert followed.code == 0, followed.err
    assert cli("export").code == 0


@pytest.mark.parametrize(
    "command",
    [["exec", "--", "true"], ["export"], ["serve", "--port", "1"], ["console", "--print"]],
)
def test_a_static_key_profile_suggests_configuring_it_on_every_command_that_needs_a_role(
    cli, isolated_home, emulator, moto_url, monkeypatch, command
):
    """A fresh machine with static keys only: the hint names no option these commands lack, and leads on."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    write(isolated_home, None, KEYS.replace("[work]", "[default]"))
    first = cli(*command)
    assert first.code == errors.EXIT_CONFIG
    assert "--sso-session" not in first.err  # no option these commands have
    given = ["--sso-session", "corp", "--start-url", URL, "--sso-region", "us-east-1", "--no-browser", "--yes"]
    followed = cli(*suggestion(first.err), *given, "--account-id", ACCOUNT, "--role-name", ROLE)
    assert followed.code == 0, followed.err
    assert "aws_access_key_id" not in (isolated_home / ".aws" / "credentials").read_text()  # the keys moved out
    if command[0] == "export":
        again = cli(*command)
        assert again.code == 0, again.err
    if command[0] == "exec":  # exec replaces the process: run it as one
        from helpers import run_ssohelper

        ran = run_ssohelper(*command)
        assert ran.returncode == 0, ran.stderr


def test_nothing_at_all_suggests_configure_on_every_command_that_needs_a_role(cli, isolated_home, emulator):
    for command in (["exec", "--", "false"], ["export"], ["serve", "--port", "1"], ["console", "--print"]):
        first = cli(*command)
        assert first.code == errors.EXIT_CONFIG, command
        assert "--sso-session" not in first.err and suggestion(first.err)[0] == "configure"


def test_a_mistyped_session_or_profile_is_met_with_did_you_mean(cli, isolated_home, emulator, monkeypatch):
    write(
        isolated_home,
        SESSION + f"[profile work]\nsso_session = corp\nsso_account_id = {ACCOUNT}\nsso_role_name = {ROLE}\n",
    )
    session = cli("login", "--sso-session", "crop")
    assert session.code == errors.EXIT_CONFIG and "(did you mean 'corp'?)" in session.err
    populate = cli("populate", "--sso-session", "crop", "--dry-run")
    assert populate.code == errors.EXIT_CONFIG and "(did you mean 'corp'?)" in populate.err
    profile = cli("export", "--profile", "wrok")
    assert profile.code == errors.EXIT_CONFIG and "(did you mean 'work'?)" in profile.err
    # configure for a second session of the same start URL is refused: it is a typo, most likely
    second = cli("configure", "--sso-session", "crop", "--start-url", URL, "--sso-region", "us-east-1", "--yes")
    assert second.code == errors.EXIT_CONFIG and "[sso-session corp] in ~/.aws/config already signs in" in second.err
    assert "sso-session crop" not in (isolated_home / ".aws" / "config").read_text()
    monkeypatch.setenv("AWS_PROFILE", "wrok")
    login = cli("login", "--no-browser")
    assert login.code == errors.EXIT_CONFIG
    assert "AWS_PROFILE=wrok names no profile in ~/.aws/config (did you mean 'work'?); set it" in login.err

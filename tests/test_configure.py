"""`ssohelper configure`, the way in: from a HOME with only static keys to SSO profiles.

SSO is the bundled emulator, STS and IAM are moto in server mode (key discovery), and the
migrated profiles are checked with boto3 and the AWS CLI.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import subprocess
import uuid
from pathlib import Path

import boto3
import pytest
from helpers import converse, run_ssohelper

from ssohelper import errors
from ssohelper.journal import backups

MOTO_ACCOUNT = "123456789012"
URL = "https://corp.awsapps.com/start"
CONFIGURE = ["configure", "--sso-session", "corp", "--start-url", URL, "--sso-region", "us-east-1"]
PROFILES = ("default", "work", "ops")
SESSION_KEY = hashlib.sha1(b"corp").hexdigest()  # the token file of [sso-session corp]


def iam_key(moto_url: str) -> tuple[str, str]:
    iam = boto3.client(
        "iam", endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="admin", aws_secret_access_key="admin"
    )
    user = f"newcomer-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


@pytest.fixture
def newcomer(isolated_home: Path, emulator, moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Only ~/.aws/credentials, with three static-key profiles of IAM users in moto's account."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", moto_url)
    emulator.configure(accounts={MOTO_ACCOUNT: {"name": "main", "email": "m@example.com", "roles": ["Developer"]}})
    aws = isolated_home / ".aws"
    aws.mkdir()
    text = ""
    for name in PROFILES:
        key_id, secret = iam_key(moto_url)
        text += f"[{name}]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n\n"
    (aws / "credentials").write_text(text)
    return aws


def caller_with_boto3(profile: str, moto_url: str) -> str:
    session = boto3.Session(profile_name=profile)
    return session.client("sts", endpoint_url=moto_url).get_caller_identity()["Account"]


def caller_with_aws_cli(aws_cli: list[str], profile: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*aws_cli, "sts", "get-caller-identity", "--profile", profile, "--output", "text"],
        capture_output=True,
        text=True,
        timeout=60,
    )


def no_static_keys(aws: Path) -> bool:
    return all("aws_access_key_id" not in (aws / name).read_text() for name in ("config", "credentials"))


def test_from_static_keys_to_sso_in_one_command(newcomer, moto_url, emulator, aws_cli):
    before = (newcomer / "credentials").read_bytes()
    done = run_ssohelper(*CONFIGURE, "--migrate", "--yes")
    assert done.returncode == 0, done.stderr
    assert no_static_keys(newcomer)
    config = (newcomer / "config").read_text()
    assert config.startswith(f"[sso-session corp]\nsso_start_url = {URL}\nsso_region = us-east-1\n")
    for name in PROFILES:
        assert caller_with_boto3(name, moto_url) == MOTO_ACCOUNT
    cli_run = caller_with_aws_cli(aws_cli, "work")
    assert cli_run.returncode == 0 and MOTO_ACCOUNT in cli_run.stdout, cli_run.stderr
    assert emulator.calls["GetRoleCredentials"] == 1  # all three share one cached role
    assert len(backups.list_backups()) == 1  # one backup to roll back to

    again = run_ssohelper(*CONFIGURE, "--migrate", "--yes")
    assert again.returncode == 0, again.stderr
    assert "Nothing to change" in again.stderr
    assert len(backups.list_backups()) == 1

    undone = run_ssohelper("migrate-profiles", "--rollback", "--yes")
    assert undone.returncode == 0, undone.stderr
    assert (newcomer / "credentials").read_bytes() == before
    assert not (newcomer / "config").exists() or "sso-session" not in (newcomer / "config").read_text()


def test_a_session_of_that_name_with_another_url_is_refused(newcomer, cli):
    assert cli(*CONFIGURE, "--yes").code == 0  # the session alone
    config = (newcomer / "config").read_bytes()
    other = cli("configure", "--sso-session", "corp", "--start-url", "https://other.awsapps.com/start", "--yes")
    assert other.code == errors.EXIT_CONFIG
    assert f"sso_start_url {URL} (you gave https://other.awsapps.com/start)" in other.err
    assert "nothing was changed" in other.err
    assert (newcomer / "config").read_bytes() == config
    assert len(backups.list_backups()) == 1


def test_without_a_terminal_what_is_missing_is_a_usage_error(cli, newcomer):
    bare = cli("configure", "--yes")
    assert bare.code == errors.EXIT_USAGE
    assert "give --sso-session, --start-url, --sso-region (there is no terminal to ask on)" in bare.err
    some = cli("configure", "-s", "corp", "--sso-region", "us-east-1", "--profile", "dev", "--role-name", "R")
    assert some.code == errors.EXIT_USAGE and "give --start-url, --account-id (there is no" in some.err
    both = cli(*CONFIGURE, "--migrate", "--populate", "--yes")
    assert both.code == errors.EXIT_USAGE and "not --migrate and --populate" in both.err
    alone = cli(*CONFIGURE, "--profile", "dev", "--yes")
    assert alone.code == errors.EXIT_USAGE and "give --account-id, --role-name" in alone.err
    assert not (newcomer / "config").exists()


def test_one_profile_and_populate(cli, newcomer, moto_url):
    one = cli(*CONFIGURE, "--profile", "dev", "--account-id", MOTO_ACCOUNT, "--role-name", "Developer", "--yes")
    assert one.code == 0, one.err
    assert caller_with_boto3("dev", moto_url) == MOTO_ACCOUNT
    populated = cli("configure", "--sso-session", "corp", "--populate", "--yes")
    assert populated.code == 0, populated.err
    assert "[profile main.Developer]" in (newcomer / "config").read_text()
    assert len(backups.list_backups()) == 2


def test_the_same_path_on_a_terminal(newcomer, moto_url):
    seen = converse(
        ["configure", "--no-browser"],
        [
            (b"SSO session name", b"corp\n"),
            (b"SSO start URL", URL.encode() + b"\n"),
            (b"SSO region", b"us-east-1\n"),
            (b"Choice", b"1\n"),
            (b"Apply these changes?", b"y\n"),
        ],
    )
    assert b"1. Migrate the 3 profile(s) with static keys (default, work, ops)" in seen
    assert b"Migrated 3 profile(s)." in seen
    assert no_static_keys(newcomer)
    assert caller_with_boto3("ops", moto_url) == MOTO_ACCOUNT
    assert len(backups.list_backups()) == 1


def test_one_profile_picked_from_the_list_on_a_terminal(newcomer, emulator, moto_url):
    emulator.configure(
        accounts={MOTO_ACCOUNT: {"name": "main", "email": "m@example.com", "roles": ["Admin", "Developer"]}}
    )
    seen = converse(
        [*CONFIGURE, "--no-browser"],
        [(b"Choice", b"3\n"), (b"Role number", b"1\n"), (b"Profile name", b"\n"), (b"Apply these changes?", b"y\n")],
    )
    assert b"1. 123456789012 (main) Admin" in seen
    config = (newcomer / "config").read_text()
    assert "[profile main.Admin]" in config and "--role-name Admin" in config
    assert caller_with_boto3("main.Admin", moto_url) == MOTO_ACCOUNT


def test_migrate_to_a_new_session_signs_in_on_a_terminal(newcomer, moto_url):
    seen = converse(
        ["migrate-profiles", "--sso-session", "corp", "--start-url", URL, "--sso-region", "us-east-1"],
        [(b"Apply these changes?", b"y\n")],
    )
    assert b"not signed in" in seen and b"signing in now" in seen and b"Signed in to 'corp'" in seen
    assert no_static_keys(newcomer)
    assert caller_with_boto3("work", moto_url) == MOTO_ACCOUNT


def test_a_start_url_or_region_that_is_not_one_is_refused(cli, newcomer):
    url = cli("configure", "--sso-session", "corp", "--start-url", "URL", "--sso-region", "us-east-1", "--yes")
    assert url.code == errors.EXIT_USAGE and "start URL 'URL' is not an https:// URL" in url.err
    region = cli("configure", "--sso-session", "corp", "--start-url", URL, "--sso-region", "REGION", "--yes")
    assert region.code == errors.EXIT_USAGE and "region 'REGION' is not an AWS region name" in region.err
    assert not (newcomer / "config").exists()
    spaced = [*CONFIGURE[:-1], " us-east-1 ", "--yes", "--no-browser"]
    assert cli(*spaced).code == 0
    assert "sso_region = us-east-1\n" in (newcomer / "config").read_text()
    again = cli(*spaced)  # the same session, not one "with another region"
    assert again.code == 0 and "Nothing to change" in again.err, again.err


def test_a_typo_on_the_terminal_is_asked_again(newcomer):
    converse(
        ["configure", "--no-browser"],
        [
            (b"SSO session name", b"corp\n"),
            (b"SSO start URL", b"htps://corp.awsapps.com/start\n"),
            (b"is not an https:// URL", URL.encode() + b"\n"),
            (b"SSO region", b"eu-west1\n"),
            (b"is not an AWS region name", b"eu-west-1 \n"),
            (b"Choice", b"4\n"),
            (b"Apply these changes?", b"y\n"),
        ],
    )
    assert (
        (newcomer / "config")
        .read_text()
        .startswith(f"[sso-session corp]\nsso_start_url = {URL}\nsso_region = eu-west-1\n")
    )


def test_a_sign_in_to_another_start_url_is_not_reused(cli, newcomer):
    typo = "https://crop.awsapps.com/start"
    first = cli("configure", "--sso-session", "corp", "--start-url", typo, "--sso-region", "us-east-1", "--dry-run")
    assert first.code == 0 and not (newcomer / "config").exists(), first.err
    fixed = cli(*CONFIGURE, "--yes", "--no-browser")
    assert fixed.code == 0, fixed.err
    assert "Already signed in" not in fixed.err and "Signed in to 'corp'" in fixed.err
    token = json.loads(next((newcomer / "sso" / "cache").glob(f"{SESSION_KEY}.json")).read_text())
    assert token["startUrl"] == URL


def test_a_session_name_no_reader_takes_back_is_refused_where_typed(cli, newcomer):
    before = (newcomer / "credentials").read_bytes()
    spaced = cli("configure", "--sso-session", "my corp", "--start-url", URL, "--sso-region", "us-east-1")
    assert spaced.code == errors.EXIT_USAGE, spaced.err
    assert "session name 'my corp' can't be used" in spaced.err and "no spaces" in spaced.err
    for command in (["--migrate", "--yes"], ["--profile", "work", "--account-id", MOTO_ACCOUNT, "--role-name", "R"]):
        again = cli("configure", "--sso-session", "my corp", "--start-url", URL, "--sso-region", "us-east-1", *command)
        assert again.code == errors.EXIT_USAGE, again.err
    login = cli("login", "--sso-session", 'a"b', "--start-url", URL, "--sso-region", "us-east-1")
    assert login.code == errors.EXIT_USAGE and "can't be used" in login.err
    migrate = cli("migrate-profiles", "--sso-session", "my corp", "--start-url", URL, "--sso-region", "us-east-1")
    assert migrate.code == errors.EXIT_USAGE and "can't be used" in migrate.err
    profile = cli(*CONFIGURE, "--profile", "my work", "--account-id", MOTO_ACCOUNT, "--role-name", "Developer")
    assert profile.code == errors.EXIT_USAGE and "profile name 'my work' can't be used" in profile.err
    assert not (newcomer / "config").exists() and (newcomer / "credentials").read_bytes() == before
    assert backups.list_backups() == []


def test_a_session_name_typed_at_the_prompt_is_asked_again(newcomer):
    seen = converse(
        ["configure", "--no-browser"],
        [
            (b"SSO session name", b"my corp\n"),
            (b"can't be used", b"corp\n"),
            (b"SSO start URL", URL.encode() + b"\n"),
            (b"SSO region", b"us-east-1\n"),
            (b"Choice", b"4\n"),
            (b"Apply these changes?", b"y\n"),
        ],
    )
    assert b"no spaces" in seen
    assert (newcomer / "config").read_text().startswith("[sso-session corp]\n")


def _keyed(path: Path) -> set[str]:
    """The sections of a credentials file that still hold an access key."""
    import configparser

    parser = configparser.RawConfigParser()
    parser.read(path)
    return {name for name in parser.sections() if parser.has_option(name, "aws_access_key_id")}


def _identity(aws_cli: list[str], profile: str) -> tuple[str, str]:
    """How botocore gets the profile's credentials, and the caller ARN the AWS CLI sees with them."""
    import botocore.session

    method = botocore.session.Session(profile=profile).get_credentials().method
    run = subprocess.run(
        [*aws_cli, "sts", "get-caller-identity", "--profile", profile, "--query", "Arn", "--output", "text"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    return method, run.stdout.strip()


def test_one_profile_over_a_static_key_profile_moves_its_keys_out(cli, newcomer, aws_cli):
    before = (newcomer / "credentials").read_bytes()
    assert _identity(aws_cli, "work")[0] == "shared-credentials-file"
    iam_user = _identity(aws_cli, "work")[1]
    assert ":user/newcomer-" in iam_user
    done = cli(*CONFIGURE, "--profile", "work", "--account-id", MOTO_ACCOUNT, "--role-name", "Developer", "--yes")
    assert done.code == 0, done.err
    assert "Migrated 1 profile(s)." in done.err
    credentials = _keyed(newcomer / "credentials")
    assert "work" not in credentials and {"default", "ops"} <= credentials
    method, arn = _identity(aws_cli, "work")
    assert method == "custom-process" and arn != iam_user
    assert _identity(aws_cli, "ops")[1] != arn  # the others are left as they were
    assert len(backups.list_backups()) == 1
    undone = cli("migrate-profiles", "--rollback", "--yes")
    assert undone.code == 0, undone.err
    assert (newcomer / "credentials").read_bytes() == before


def test_one_profile_picked_on_a_terminal_over_a_static_key_profile_moves_its_keys_out(newcomer, aws_cli):
    seen = converse(
        [*CONFIGURE, "--no-browser"],
        [(b"Choice", b"3\n"), (b"Role number", b"1\n"), (b"Profile name", b"ops\n"), (b"Apply these changes?", b"y\n")],
    )
    assert b"Migrated 1 profile(s)." in seen
    assert "ops" not in _keyed(newcomer / "credentials")
    assert _identity(aws_cli, "ops")[0] == "custom-process"


def test_configure_migrate_that_leaves_keys_behind_exits_9_and_names_the_command_that_finishes(
    cli, newcomer, emulator, moto_url
):
    emulator.configure(
        accounts={MOTO_ACCOUNT: {"name": "main", "email": "m@example.com", "roles": ["Admin", "Developer"]}}
    )
    partly = cli(*CONFIGURE, "--migrate", "--yes")
    assert partly.code == errors.EXIT_KEYS_LEFT, partly.err
    maps = " ".join(f"--map {name}={MOTO_ACCOUNT}:ROLE_NAME" for name in PROFILES)
    finish = f"ssohelper migrate-profiles default work ops --sso-session corp --start-url {URL} --sso-region us-east-1"
    assert f"3 profile(s) keep their static keys (default, work, ops); move them with: {finish} {maps}" in partly.err
    words = shlex.split(partly.err.rsplit("move them with: ", 1)[1].replace("ROLE_NAME", "Developer"))
    finished = cli(*words[1:], "--yes")
    assert finished.code == 0, finished.err
    assert no_static_keys(newcomer)
    assert caller_with_boto3("work", moto_url) == MOTO_ACCOUNT

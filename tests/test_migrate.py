"""migrate-profiles end to end: moto server for STS and IAM, the emulator for SSO, the real AWS CLI."""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from helpers import ssohelper_cmd

from ssohelper import errors
from ssohelper.journal import backups, masking
from ssohelper.migration import planner
from ssohelper.migration.discovery import account_from_key_id
from ssohelper.roles import launcher

MOTO_ACCOUNT = "123456789012"
CONSOLE_SCRIPT = shlex.quote(ssohelper_cmd()[0])  # this installation's ssohelper


def exe() -> str:
    """What credential_process runs: the launcher in the (isolated) data dir, which starts this installation."""
    return shlex.quote(launcher.path())


@pytest.fixture
def moto(moto_url, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", moto_url)
    return moto_url


def iam_user_key(moto_url: str) -> tuple[str, str, str]:
    iam = boto3.client(
        "iam", endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="admin", aws_secret_access_key="admin"
    )
    user = f"dev-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return user, key["AccessKeyId"], key["SecretAccessKey"]


def key_status(moto_url: str, user: str, key_id: str) -> str:
    iam = boto3.client(
        "iam", endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="admin", aws_secret_access_key="admin"
    )
    (meta,) = [k for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"] if k["AccessKeyId"] == key_id]
    return meta["Status"]


@pytest.fixture
def legacy_setup(isolated_home, emulator, moto, cli):
    """A user with an IAM key in ~/.aws/credentials, and an SSO login with one role in that account."""
    emulator.configure(accounts={MOTO_ACCOUNT: {"name": "moto", "email": "m@example.com", "roles": ["Developer"]}})
    user, key_id, secret = iam_user_key(moto)
    aws = isolated_home / ".aws"
    aws.mkdir()
    (aws / "config").write_text(
        "# my config\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n"
        "[profile work]\n# the old way\nregion = us-east-1\noutput = json\n"
    )
    (aws / "credentials").write_text(
        f"[work]\n; from 2019\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"
    )
    os.chmod(aws / "credentials", 0o640)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    return {"user": user, "key_id": key_id, "secret": secret, "aws": aws}


def test_migrate_discovers_rewrites_and_the_aws_cli_works(legacy_setup, emulator, cli, aws_cli):
    aws = legacy_setup["aws"]
    before = {name: (aws / name).read_bytes() for name in ("config", "credentials")}
    result = cli("migrate-profiles", "--sso-session", "corp", "--yes")
    assert result.code == 0, result.err
    rows = [line.split() for line in result.out.splitlines()]
    assert ["work", MOTO_ACCOUNT, "Developer", "process", "account", "from", "STS,", "only", "role"] in rows
    assert legacy_setup["secret"] not in result.out + result.err  # the diff masks key material
    config, credentials = (aws / "config").read_text(), (aws / "credentials").read_text()
    assert (
        f"credential_process = {exe()} credential-process --sso-session corp "
        f"--account-id {MOTO_ACCOUNT} --role-name Developer"
    ) in config
    assert "# the old way" in config and "; from 2019" in credentials
    assert "aws_access_key_id" not in credentials
    assert stat.S_IMODE((aws / "credentials").stat().st_mode) == 0o640  # mode kept
    cli_run = subprocess.run(
        [*aws_cli, "sts", "get-caller-identity", "--profile", "work"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli_run.returncode == 0, cli_run.stderr
    assert emulator.calls["GetRoleCredentials"] == 1  # the AWS CLI went through ssohelper
    (backup,) = backups.list_backups()
    assert stat.S_IMODE(os.stat(backup.directory).st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in Path(backup.directory).iterdir())

    rolled = cli("migrate-profiles", "--rollback", "--yes")
    assert rolled.code == 0, rolled.err
    assert {name: (aws / name).read_bytes() for name in before} == before
    assert cli("migrate-profiles", "--rollback", "--yes").code == errors.EXIT_NOT_APPLIED  # nothing left to undo


def test_deactivate_keys_after_the_profile_works(legacy_setup, moto, cli):
    result = cli("migrate-profiles", "--sso-session", "corp", "--yes", "--deactivate-keys")
    assert result.code == 0, result.err
    masked = legacy_setup["key_id"][:4] + "****" + legacy_setup["key_id"][-4:]
    assert f"work: key {masked} deactivated" in result.err
    assert key_status(moto, legacy_setup["user"], legacy_setup["key_id"]) == "Inactive"


def test_a_rollback_after_deactivate_keys_says_so_and_reactivates_when_asked(legacy_setup, moto, cli):
    assert cli("migrate-profiles", "--sso-session", "corp", "--yes", "--deactivate-keys").code == 0
    user, key_id = legacy_setup["user"], legacy_setup["key_id"]
    assert key_status(moto, user, key_id) == "Inactive"
    rolled = cli("migrate-profiles", "--rollback", "--yes")
    assert rolled.code == 0, rolled.err
    assert "warning: the keys restored for work were deactivated after this migration and are Inactive" in rolled.err
    assert "reactivate them with: ssohelper migrate-profiles --reactivate-keys" in rolled.err
    assert key_status(moto, user, key_id) == "Inactive"  # never silently
    assert legacy_setup["secret"] in (legacy_setup["aws"] / "credentials").read_text()
    again = cli("migrate-profiles", "--reactivate-keys")  # the suggestion, followed
    assert again.code == 0, again.err
    assert f"work: key {key_id[:4]}****{key_id[-4:]} reactivated" in again.err
    assert key_status(moto, user, key_id) == "Active"
    assert cli("migrate-profiles", "--reactivate-keys").code == errors.EXIT_NOT_APPLIED  # nothing left to do


def test_keys_come_back_after_a_rollback_that_also_took_the_session_section_away(legacy_setup, moto, cli):
    """The migration added [sso-session corp]; its rollback removes it again, and the suggested
    --reactivate-keys still signs in through that session (as the migration recorded it)."""
    aws, user, key_id = legacy_setup["aws"], legacy_setup["user"], legacy_setup["key_id"]
    (aws / "config").write_text("[profile work]\nregion = us-east-1\n")
    migrated = cli(
        "migrate-profiles",
        "--sso-session",
        "corp",
        "--start-url",
        "https://corp.awsapps.com/start",
        "--sso-region",
        "us-east-1",
        "--yes",
        "--deactivate-keys",
    )
    assert migrated.code == 0, migrated.err
    assert cli("migrate-profiles", "--rollback", "--yes").code == 0
    assert "sso-session" not in (aws / "config").read_text()
    again = cli("migrate-profiles", "--reactivate-keys")
    assert again.code == 0, again.err
    assert key_status(moto, user, key_id) == "Active"


def test_rollback_with_reactivate_keys(legacy_setup, moto, cli):
    assert cli("migrate-profiles", "--sso-session", "corp", "--yes", "--deactivate-keys").code == 0
    rolled = cli("migrate-profiles", "--rollback", "--reactivate-keys", "--yes")
    assert rolled.code == 0, rolled.err
    assert key_status(moto, legacy_setup["user"], legacy_setup["key_id"]) == "Active"


def test_keys_stay_when_the_new_profile_does_not_work(legacy_setup, moto, cli, emulator):
    emulator.fail_next("GetRoleCredentials", count=50, status=500)
    result = cli("migrate-profiles", "--sso-session", "corp", "--yes", "--deactivate-keys")
    assert result.code == 0
    assert "not deactivated: botocore did not get role credentials" in result.err
    assert key_status(moto, legacy_setup["user"], legacy_setup["key_id"]) == "Active"


def test_rollback_refuses_after_a_later_edit_unless_forced(legacy_setup, cli):
    aws = legacy_setup["aws"]
    original = (aws / "config").read_bytes()
    assert cli("migrate-profiles", "--sso-session", "corp", "--yes").code == 0
    with open(aws / "config", "a") as handle:
        handle.write("[profile later]\nregion = eu-west-1\n")
    refused = cli("migrate-profiles", "--rollback")
    assert refused.code == errors.EXIT_NOT_APPLIED and "changed after the migration" in refused.err
    assert cli("migrate-profiles", "--rollback", "--force", "--yes").code == 0
    assert (aws / "config").read_bytes() == original
    assert "(rolled back)" in cli("migrate-profiles", "--list-backups").out


def test_dry_run_and_no_terminal_change_nothing(legacy_setup, cli):
    aws = legacy_setup["aws"]
    before = (aws / "credentials").read_bytes()
    dry = cli("migrate-profiles", "--sso-session", "corp", "--dry-run")
    assert dry.code == 0 and f"+credential_process = {exe()} credential-process" in dry.out
    assert "-aws_secret_access_key = " in dry.out and legacy_setup["secret"] not in dry.out
    refused = cli("migrate-profiles", "--sso-session", "corp")
    assert refused.code == errors.EXIT_NOT_APPLIED and "--yes" in refused.err
    assert (aws / "credentials").read_bytes() == before and backups.list_backups() == []


def test_an_account_without_sso_access_is_skipped_with_keys_intact(legacy_setup, emulator, cli):
    emulator.configure(accounts={"999999999999": {"name": "x", "email": "x@example.com", "roles": ["R"]}})
    before = (legacy_setup["aws"] / "credentials").read_bytes()
    result = cli("migrate-profiles", "--sso-session", "corp", "--yes")
    assert result.code == errors.EXIT_KEYS_LEFT  # keys stay behind: never a silent success
    assert f"work: skipped, keys kept: you have no SSO access to account {MOTO_ACCOUNT}" in result.out
    assert "Nothing to migrate." in result.err
    assert (legacy_setup["aws"] / "credentials").read_bytes() == before


def test_offline_discovery_decodes_the_account_from_the_key():
    assert account_from_key_id("ASIAY34FZKBOKMUTVV7A") == "609629065308"
    assert account_from_key_id("AKIAIOSFODNN7EXAMPLE") is not None
    assert account_from_key_id("not-a-key") is None


def test_map_and_offline_need_no_sts(isolated_home, cli, emulator):
    emulator.configure(accounts={"609629065308": {"name": "a", "email": "a@example.com", "roles": ["Admin"]}})
    aws = isolated_home / ".aws"
    aws.mkdir()
    (aws / "config").write_text("[sso-session corp]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n")
    (aws / "credentials").write_text(
        "[a]\naws_access_key_id = ASIAY34FZKBOKMUTVV7A\naws_secret_access_key = s\n"
        "[b]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n"
    )
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    result = cli(
        "migrate-profiles",
        "--sso-session",
        "corp",
        "--offline",
        "--role-name",
        "Admin",
        "--map",
        "b=222222222222:ReadOnly",
        "--style",
        "native",
        "--yes",
    )
    assert result.code == 0, result.err
    config = (aws / "config").read_text()
    assert "[sso-session corp]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n" in config
    assert "[profile a]\nsso_session = corp\nsso_account_id = 609629065308\nsso_role_name = Admin\n" in config
    assert "[profile b]\nsso_session = corp\nsso_account_id = 222222222222\nsso_role_name = ReadOnly\n" in config


def test_files_changed_after_the_plan_are_not_written(legacy_setup):
    plan = planner.make_plan(planner.Request(sso_session="corp"))
    credentials = legacy_setup["aws"] / "credentials"
    credentials.write_text(credentials.read_text() + "[new]\nregion = x\n")
    changed = credentials.read_bytes()
    with pytest.raises(errors.NotApplied, match="changed since the plan"):
        backups.apply(plan.changes)
    assert credentials.read_bytes() == changed and backups.list_backups() == []


def test_a_failed_second_write_restores_the_first(legacy_setup, monkeypatch):
    plan = planner.make_plan(planner.Request(sso_session="corp"))
    config = legacy_setup["aws"] / "config"
    before = config.read_bytes()
    real = backups.replace

    def failing(path: str, data: bytes) -> None:
        if path.endswith("credentials"):
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(backups, "replace", failing)
    with pytest.raises(errors.ConfigError, match=r"cannot write \(No space left on device\); nothing was changed"):
        backups.apply(plan.changes)
    assert config.read_bytes() == before


@pytest.mark.parametrize(
    "config_text, words",
    [
        ("[profile a]\nregion = x\n[profile a]\nregion = y\n", "line 3"),
        ("region = x\n[profile a]\n", "line 1"),
        ("[default]\ns3 =\n  bad_syntax @ s3v4\n", "without '='"),
    ],
)
def test_bad_config_files_are_named_and_untouched(isolated_home, cli, config_text, words):
    aws = isolated_home / ".aws"
    aws.mkdir()
    (aws / "config").write_text(config_text)
    (aws / "credentials").write_text("[z]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n")
    result = cli(
        "migrate-profiles",
        "--sso-session",
        "corp",
        "--offline",
        "--role-name",
        "R",
        "--yes",
        "--start-url",
        "https://x/start",
        "--sso-region",
        "us-east-1",
    )
    assert result.code == errors.EXIT_CONFIG
    assert "~/.aws/config" in result.err and words in result.err
    assert (aws / "config").read_text() == config_text


def test_non_utf8_credentials_are_refused(isolated_home, cli):
    aws = isolated_home / ".aws"
    aws.mkdir()
    (aws / "credentials").write_bytes(b"[z]\naws_access_key_id = \xff\xfe\n")
    result = cli(
        "migrate-profiles",
        "--sso-session",
        "corp",
        "--offline",
        "--role-name",
        "R",
        "--yes",
        "--start-url",
        "https://x/start",
        "--sso-region",
        "us-east-1",
    )
    assert result.code == errors.EXIT_CONFIG
    assert "~/.aws/credentials line 2: not UTF-8" in result.err


def test_the_process_line_runs_the_launcher_whatever_path_finds_unless_told(monkeypatch, tmp_path):
    other = tmp_path / "bin"
    other.mkdir()
    (other / "ssohelper").write_text("#!/bin/sh\n")
    (other / "ssohelper").chmod(0o755)
    monkeypatch.setenv("PATH", f"{other}{os.pathsep}{os.environ['PATH']}")
    command, note = planner.credential_command()
    assert command == exe() and os.path.isabs(command) and command in note and launcher.interpreter() in note
    monkeypatch.setenv("PATH", f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}")
    assert planner.credential_command()[0] == exe()  # even when PATH finds this very installation
    assert planner.credential_command("ssohelper")[0] == "ssohelper"
    assert not os.path.exists(launcher.path())  # written when a plan naming it is applied, not before


def test_where_no_launcher_can_start_this_install_the_line_names_its_console_script(monkeypatch):
    monkeypatch.setattr(launcher, "usable", lambda *args: False)  # e.g. a venv path with a space
    command, note = planner.credential_command()
    assert command == CONSOLE_SCRIPT and os.path.isabs(command) and command in note


def test_a_symlinked_config_stays_a_symlink_and_no_empty_credentials_file_appears(isolated_home, cli, tmp_path):
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "aws-config").write_text(
        "[profile a]\naws_access_key_id = ASIAY34FZKBOKMUTVV7A\naws_secret_access_key = s\n"
    )
    (isolated_home / ".aws").mkdir()
    (isolated_home / ".aws" / "config").symlink_to(dotfiles / "aws-config")
    result = cli(
        "migrate-profiles",
        "--sso-session",
        "corp",
        "--start-url",
        "https://x/start",
        "--sso-region",
        "eu-west-1",
        "--offline",
        "--map",
        "a=609629065308:Admin",
        "--yes",
    )
    assert result.code == 0, result.err
    assert (isolated_home / ".aws" / "config").is_symlink()
    assert "credential_process" in (dotfiles / "aws-config").read_text()
    assert not (isolated_home / ".aws" / "credentials").exists()


def test_the_diff_masks_key_material_even_in_comments(isolated_home, cli):
    secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"
    aws = isolated_home / ".aws"
    aws.mkdir()
    (aws / "credentials").write_text(
        f"[a]\n# old: aws_secret_access_key = {secret}\n"
        f"aws_access_key_id = ASIAY34FZKBOKMUTVV7A\naws_secret_access_key = {secret}\n"
        f"aws_secret_access_key_backup = {secret}\n"
    )
    result = cli(
        "migrate-profiles",
        "--sso-session",
        "corp",
        "--start-url",
        "https://x/start",
        "--sso-region",
        "eu-west-1",
        "--offline",
        "--map",
        "a=609629065308:Admin",
        "--dry-run",
    )
    assert result.code == 0, result.err
    assert secret not in result.out and "ASIAY34FZKBOKMUTVV7A" not in result.out
    assert "wJal****EKEY" in result.out


def test_odd_profile_names_get_a_header_botocore_reads_back(tmp_path):
    from botocore.configloader import build_profile_map, raw_config_parse

    from ssohelper.ini.editor import parse_ini
    from ssohelper.migration.rewrite import rewrite_config, survey
    from ssohelper.models import AccountRole

    name = 'dev\'s "big" box'
    credentials = parse_ini(f"[{name}]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n", "credentials")
    config = parse_ini("", "config")
    (profile,) = survey(config, credentials).static
    text = rewrite_config(config, {profile.name: AccountRole("111111111111", "R")}, sso_session="corp")
    (tmp_path / "config").write_text(text)
    profiles = build_profile_map(raw_config_parse(str(tmp_path / "config")))["profiles"]
    assert "credential_process" in profiles[name]


def test_on_a_terminal_the_user_picks_the_role_and_confirms(legacy_setup, emulator, moto):
    from helpers import converse

    emulator.configure(
        accounts={MOTO_ACCOUNT: {"name": "moto", "email": "m@example.com", "roles": ["Admin", "Developer", "ReadOnly"]}}
    )
    seen = converse(
        ["migrate-profiles", "--sso-session", "corp"],
        [(b"Role number", b"3\n"), (b"Apply these changes?", b"y\n")],
    )
    assert b"1. Admin" in seen and b"3. ReadOnly" in seen
    config = (legacy_setup["aws"] / "config").read_text()
    assert f"--account-id {MOTO_ACCOUNT} --role-name ReadOnly" in config


def test_declining_on_a_terminal_changes_nothing(legacy_setup, monkeypatch, cli):
    import click

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr(click, "confirm", lambda *args, **kwargs: False)
    before = (legacy_setup["aws"] / "credentials").read_bytes()
    result = cli("migrate-profiles", "--sso-session", "corp")
    assert result.code == errors.EXIT_NOT_APPLIED and "you declined" in result.err
    assert (legacy_setup["aws"] / "credentials").read_bytes() == before


@pytest.mark.parametrize(
    "line, expected",
    [
        (
            "+credential_process = /opt/homebrew/bin/ssohelper credential-process --sso-session corp",
            "+credential_process = /opt/homebrew/bin/ssohelper credential-process --sso-session corp",
        ),
        ("--- /home/someuser/dotfiles/awsconfig", "--- /home/someuser/dotfiles/awsconfig"),
        (" [profile ThisIsAVeryLongTeamNameTeam]", " [profile ThisIsAVeryLongTeamNameTeam]"),
        ("-aws_secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY", "-aws_secret_access_key = wJal****EKEY"),
        (" # old: wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY", " # old: wJal****EKEY"),
    ],
)
def test_diff_masking_hides_key_material_only(line, expected):
    assert masking.mask_line(line) == expected


def test_a_config_with_a_byte_order_mark_is_refused_as_botocore_does(isolated_home, cli):
    aws = isolated_home / ".aws"
    aws.mkdir()
    (aws / "config").write_text("\ufeff[profile a]\naws_access_key_id = ASIAY34FZKBOKMUTVV7A\n")
    result = cli(
        "migrate-profiles",
        "--sso-session",
        "corp",
        "--start-url",
        "https://x/start",
        "--sso-region",
        "eu-west-1",
        "--offline",
        "--role-name",
        "Admin",
        "--yes",
    )
    assert result.code == errors.EXIT_CONFIG and "~/.aws/config line 1" in result.err


@pytest.mark.parametrize(
    "options, reason",
    [
        (("--role-name", "Developer"), f"you have no SSO access to account {MOTO_ACCOUNT}"),
        (
            ("--account-id", MOTO_ACCOUNT, "--role-name", "Developer"),
            f"you have no SSO access to account {MOTO_ACCOUNT}",
        ),
        (("--role-name", "Admin"), f"you have no role Admin in account {MOTO_ACCOUNT} (you have: Developer)"),
    ],
)
def test_role_name_and_account_id_still_check_sso_access(legacy_setup, emulator, cli, options, reason):
    if "Admin" not in options:
        emulator.configure(accounts={"999999999999": {"name": "x", "email": "x@example.com", "roles": ["Developer"]}})
    before = (legacy_setup["aws"] / "credentials").read_bytes()
    result = cli("migrate-profiles", "--sso-session", "corp", *options, "--yes")
    assert result.code == errors.EXIT_KEYS_LEFT, result.err  # keys left behind is not a success
    assert f"work: skipped, keys kept: {reason}" in result.out and "Nothing to migrate." in result.err
    account = MOTO_ACCOUNT if "Admin" in options else "ACCOUNT_ID"  # an account without access is no help
    finish = f"ssohelper migrate-profiles work --sso-session corp --map work={account}:ROLE_NAME"
    assert f"1 profile(s) keep their static keys (work); move them with: {finish}" in result.err
    assert (legacy_setup["aws"] / "credentials").read_bytes() == before


def test_a_typo_in_a_map_profile_name_is_a_usage_error(legacy_setup, cli):
    result = cli("migrate-profiles", "--sso-session", "corp", "--map", "wrok=111111111111:Developer", "--yes")
    assert result.code == errors.EXIT_USAGE
    assert result.err.strip() == ("ssohelper: --map names 'wrok': no such profile in the config or credentials file")
    assert backups.list_backups() == []


@pytest.mark.parametrize(
    ("session", "role"),
    [("my corp", "Admin"), ("a$b;c", "Read&Write"), ("it's", "x`id`"), ("corp", "Developer")],
)
def test_credential_process_lines_quote_every_word_for_botocore_and_sh(session, role):
    from botocore.compat import compat_shell_split

    from ssohelper.kinds.process import process_command, ssohelper_process_options
    from ssohelper.models import AccountRole

    program = planner.credential_command()[0]
    line = process_command(program, session, AccountRole("111111111111", role))
    tail = ["credential-process", "--sso-session", session, "--account-id", "111111111111", "--role-name", role]
    assert compat_shell_split(line)[-len(tail) :] == tail  # botocore's ProcessProvider split
    assert ssohelper_process_options(line) == {
        "--sso-session": session,
        "--account-id": "111111111111",
        "--role-name": role,
    }
    # the Go SDK runs the line with `sh -c`: the same words must reach the program
    echoed = subprocess.run(["sh", "-c", line.replace(program, "printf '%s\\n'", 1)], capture_output=True, text=True)
    assert echoed.stdout.splitlines() == tail
    if session == "corp":
        assert line.endswith("--sso-session corp --account-id 111111111111 --role-name Developer")  # plain stays plain


def test_force_without_rollback_is_a_usage_error(isolated_home, cli):
    result = cli("migrate-profiles", "--sso-session", "corp", "--force")
    assert result.code == errors.EXIT_USAGE
    assert result.err.strip() == "ssohelper: --force goes with --rollback"


def test_an_sts_answer_without_an_account_skips_the_profile_with_one_reason(legacy_setup, cli, monkeypatch):
    from test_bounded import raw_server

    body = (
        b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
        b"<Arn>arn:aws:iam::123456789012:user/dev</Arn><UserId>AIDAEXAMPLE</UserId></GetCallerIdentityResult>"
        b"<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
    )

    def no_account(connection) -> None:  # type: ignore[no-untyped-def]
        connection.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        )

    with raw_server(no_account) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", url)
        result = cli("migrate-profiles", "--sso-session", "corp", "--yes")
    assert result.code == errors.EXIT_KEYS_LEFT, result.err  # the profile keeps its keys: not a success
    reason = (
        "STS did not confirm its account (STS GetCallerIdentity for profile 'work': the answer is not what the API "
        "promises (Account missing or not a string)"
    )
    assert f"work: skipped, keys kept: {reason}" in result.out
    assert "unexpected" not in result.err

"""`ssohelper populate`: generated profiles for every account and role, over loopback."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import botocore.session
import pytest
from helpers import run_ssohelper

from ssohelper import errors, paths
from ssohelper.migration.generated import profile_names
from ssohelper.models import AccountRole

ACCOUNTS = {
    "111111111111": {"name": "dev", "roles": ["Developer", "ReadOnly"]},
    "222222222222": {"name": "My Prod!", "roles": ["ReadOnly"]},
    "333333333333": {"name": "sandbox", "roles": ["Admin", "ReadOnly"]},
}
CONFIG = """# my settings
[default]
region = eu-central-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1

; written by hand, keeps its name
[profile dev.ReadOnly]
region = ap-south-1
output = json
"""


@pytest.fixture
def home(isolated_home, emulator, cli) -> Path:
    emulator.configure(accounts=ACCOUNTS)
    config = isolated_home / ".aws" / "config"
    config.parent.mkdir()
    config.write_text(CONFIG)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    emulator.reset_calls()
    return isolated_home


def config_text(home: Path) -> str:
    return (home / ".aws" / "config").read_text()


def sections(text: str) -> dict[str, str]:
    """[header] -> its body, for the generated part of a config."""
    parts = re.split(r"^\[(.+)\]\n", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def backups() -> list[str]:
    try:
        return os.listdir(paths.backup_dir())
    except FileNotFoundError:
        return []


def test_populate_writes_a_marked_profile_for_every_role_and_botocore_reads_them(cli, home, emulator):
    result = cli("populate", "--sso-session", "corp", "--yes")
    assert result.code == 0, result.err
    assert "4 to create, 0 to update, 0 to remove, 0 unchanged" in result.out
    assert "region = us-east-1 (the sso_region of sso-session 'corp')" in result.err
    assert "dev.ReadOnly: skipped: a profile of that name that populate did not write exists" in result.err
    text = config_text(home)
    assert text.startswith(CONFIG)  # everything that was there, byte for byte
    found = sections(text)
    assert set(found) - set(sections(CONFIG)) == {
        "profile dev.Developer",
        "profile My-Prod.ReadOnly",
        "profile sandbox.Admin",
        "profile sandbox.ReadOnly",
    }
    body = found["profile sandbox.Admin"]
    assert body.startswith("ssohelper_generated = populate\ncredential_process = ")
    assert body.rstrip("\n").endswith(
        "credential-process --sso-session corp --account-id 333333333333 --role-name Admin\nregion = us-east-1"
    )
    profile = botocore.session.Session(profile="My-Prod.ReadOnly").get_scoped_config()
    assert profile["region"] == "us-east-1" and "--account-id 222222222222" in profile["credential_process"]
    assert emulator.calls["ListAccounts"] == 1 and emulator.calls["ListAccountRoles"] == 3


def test_a_second_run_changes_zero_bytes(cli, home):
    assert cli("populate", "--sso-session", "corp", "--yes").code == 0
    before, stat, saved = (home / ".aws" / "config").read_bytes(), (home / ".aws" / "config").stat(), backups()
    again = cli("populate", "--sso-session", "corp", "--yes")
    assert again.code == 0
    assert "0 to create, 0 to update, 0 to remove, 4 unchanged" in again.out
    assert "Nothing to change." in again.err
    assert (home / ".aws" / "config").read_bytes() == before
    assert (home / ".aws" / "config").stat().st_mtime_ns == stat.st_mtime_ns
    assert backups() == saved


def test_prune_removes_exactly_the_stale_generated_profiles(cli, home, emulator):
    assert cli("populate", "--sso-session", "corp", "--yes").code == 0
    with open(home / ".aws" / "config", "a") as handle:  # generated for another session: not ours to prune
        handle.write(
            "\n[profile elsewhere]\nssohelper_generated = populate\n"
            "sso_session = other\nsso_account_id = 333333333333\nsso_role_name = Admin\n"
        )
        handle.write("\n[profile mine]\nsso_session = corp\nsso_account_id = 333333333333\nsso_role_name = Admin\n")
    emulator.configure(accounts={k: v for k, v in ACCOUNTS.items() if k != "333333333333"})
    kept = cli("populate", "--sso-session", "corp", "--yes")
    assert kept.code == 0 and "Nothing to change." in kept.err
    assert "sandbox.Admin: stale: Admin in 333333333333 is gone; --prune removes it" in kept.err
    before = sections(config_text(home))
    pruned = cli("populate", "--sso-session", "corp", "--prune", "--yes")
    assert pruned.code == 0, pruned.err
    assert "0 to create, 0 to update, 2 to remove, 2 unchanged" in pruned.out
    after = sections(config_text(home))
    assert set(before) - set(after) == {"profile sandbox.Admin", "profile sandbox.ReadOnly"}
    assert {name: before[name] for name in after} == after  # nothing else changed


def test_style_and_region_changes_update_generated_profiles_only(cli, home):
    assert cli("populate", "--sso-session", "corp", "--yes").code == 0
    result = cli("populate", "--sso-session", "corp", "--style", "native", "--region", "eu-west-2", "--yes")
    assert result.code == 0, result.err
    assert "region = eu-west-2 (from --region)" in result.err
    found = sections(config_text(home))
    assert found["profile dev.Developer"] == (
        "ssohelper_generated = populate\nregion = eu-west-2\nsso_session = corp\n"
        "sso_account_id = 111111111111\nsso_role_name = Developer\n\n"
    )
    assert found["profile dev.ReadOnly"] == sections(CONFIG)["profile dev.ReadOnly"] + "\n"


def test_dry_run_writes_nothing(cli, home):
    result = cli("populate", "--sso-session", "corp", "--dry-run")
    assert result.code == 0
    assert "+[profile sandbox.Admin]" in result.out and "Dry run: nothing was changed." in result.err
    assert config_text(home) == CONFIG
    assert backups() == []


def test_rollback_restores_the_config(cli, home):
    assert cli("populate", "--sso-session", "corp", "--yes").code == 0
    assert config_text(home) != CONFIG
    assert cli("populate", "--rollback").code == 8  # off a terminal it needs --yes, as migrate-profiles
    result = cli("populate", "--rollback", "--yes")
    assert result.code == 0, result.err
    assert config_text(home) == CONFIG


def test_without_a_terminal_it_needs_yes(home):
    result = run_ssohelper("populate", "--sso-session", "corp")
    assert result.returncode == errors.EXIT_NOT_APPLIED
    assert result.stderr.endswith(
        "not applied: rerun with --yes to apply without a terminal (review it with --dry-run)\n"
    )
    assert config_text(home) == CONFIG


def test_start_url_creates_the_missing_session(cli, home, emulator):
    # another instance than corp's (a second session for corp's URL is refused: test_configure)
    url = ["--start-url", "https://other.awsapps.com/start", "--sso-region", "us-east-1"]
    result = cli("populate", "--sso-session", "new", *url)
    assert result.code == errors.EXIT_LOGIN_REQUIRED  # the listing needs a sign-in to that session
    suggested = "ssohelper login --sso-session new --start-url https://other.awsapps.com/start --sso-region us-east-1"
    assert f"run: {suggested}" in result.err
    missing = cli("populate", "--sso-session", "nope")
    assert missing.code == errors.EXIT_CONFIG
    assert "no [sso-session nope] in ~/.aws/config; create it with: ssohelper configure --sso-session nope" in (
        missing.err
    )
    assert cli(*suggested.split()[1:], "--no-browser").code == 0  # the suggestion adds the section and signs in
    assert "[sso-session new]" in config_text(home)
    result = cli(
        "populate", "--sso-session", "new", *url, "--template", "{sso_session}-{account_id}-{role_name}", "--yes"
    )
    assert result.code == 0, result.err
    found = sections(config_text(home))
    assert found["sso-session new"].startswith(
        "sso_start_url = https://other.awsapps.com/start\nsso_region = us-east-1\n"
    )
    assert "--sso-session new --account-id 333333333333 --role-name Admin" in found["profile new-333333333333-Admin"]


def test_the_only_session_is_used_without_sso_session(cli, home, emulator):
    result = cli("populate", "--dry-run")
    assert result.code == 0, result.err
    assert "--sso-session corp --account-id" in result.out


def test_a_bad_template_is_a_usage_error(cli, home):
    result = cli("populate", "--sso-session", "corp", "--template", "{account}.{role_name}")
    assert result.code == errors.EXIT_USAGE
    assert "it can use {account_id}, {account_name}, {role_name}, {sso_session}" in result.err


def access(*items: tuple[str, str, str]) -> list[AccountRole]:
    return [AccountRole(account, role, account_name=name) for account, name, role in items]


@pytest.mark.parametrize(
    ("template", "items", "names"),
    [
        ("{account_name}.{role_name}", [("1", "dev", "A"), ("2", "dev", "B")], ["dev.A", "dev.B"]),
        # the same name twice: all of them get the account id, whatever their order
        ("{account_name}.{role_name}", [("2", "dev", "A"), ("1", "dev", "A")], ["dev.A-2", "dev.A-1"]),
        # still the same within one account: the role name too
        ("{account_name}", [("1", "dev", "A"), ("1", "dev", "B"), ("2", "x", "C")], ["dev-1-A", "dev-1-B", "x"]),
        # characters a profile name can't hold, and a name made only of them
        ("{account_name}.{role_name}", [("1", " Prod / EU ", "Role+1")], ["Prod-EU.Role-1"]),
        ("{account_name}", [("1", "???", "R")], ["1.R"]),
    ],
)
def test_profile_names(template, items, names):
    assert list(profile_names(access(*items), template, "corp")) == names


def test_generated_process_profiles_give_credentials_to_botocore(cli, home):
    assert cli("populate", "--sso-session", "corp", "--yes").code == 0
    script = "import boto3; print(boto3.Session(profile_name='sandbox.Admin').get_credentials().method)"
    result = subprocess.run(["python", "-c", script], capture_output=True, text=True, timeout=60, env=dict(os.environ))
    assert result.stdout.strip() == "custom-process", result.stderr


def test_dry_run_never_prints_a_neighbouring_profiles_static_keys(cli, home):
    key_id, secret = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    neighbour = f"\n[profile legacy]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"
    (home / ".aws" / "config").write_text(CONFIG + neighbour)  # generated profiles follow it: context lines
    result = cli("populate", "--sso-session", "corp", "--dry-run")
    assert result.code == 0, result.err
    assert " aws_secret_access_key = wJal****EKEY" in result.out  # shown as context, masked
    assert secret not in result.out + result.err and key_id not in result.out + result.err


def test_a_failure_placing_the_secrets_after_the_apply_is_only_a_warning(cli, home, monkeypatch):
    from ssohelper.tokens import vault

    def broken(**_: object) -> None:
        raise OSError("keyring backend went away")

    monkeypatch.setattr(vault, "settle_configured", broken)
    result = cli("populate", "--sso-session", "corp", "--yes")
    assert result.code == 0, result.err
    assert "[profile sandbox.Admin]" in config_text(home)  # the apply stands
    warning = [line for line in result.err.splitlines() if "warning" in line]
    assert warning == [
        "ssohelper: warning: the change is applied, but placing the sign-in secrets failed "
        "(keyring backend went away); 'ssohelper status' places them again"
    ]


def test_the_line_populate_writes_runs_the_launcher_as_botocore_and_sh_run_it(cli, home):
    import configparser
    import json
    import shlex
    import stat

    from botocore.credentials import ProcessProvider

    from ssohelper.roles import launcher

    assert cli("populate", "--sso-session", "corp", "--yes").code == 0
    parser = configparser.RawConfigParser()
    parser.read(home / ".aws" / "config")
    line = parser.get("profile sandbox.Admin", "credential_process")
    assert shlex.split(line)[0] == launcher.path()  # not the console script, whose imports cost 0.6x a start
    written = Path(launcher.path())
    assert stat.S_IMODE(written.stat().st_mode) == 0o755 and stat.S_IMODE(written.parent.stat().st_mode) == 0o700
    assert written.read_text().startswith(f"#!{launcher.interpreter()} -IS\n")
    os.environ["PATH"] = "/usr/bin:/bin"  # a new shell, without the venv (monkeypatch restores it)
    provider = ProcessProvider("sandbox.Admin", load_config=lambda: botocore.session.Session().full_config)
    credentials = provider.load()  # a miss: the launcher goes on to the CLI, with site-packages
    assert credentials.method == "custom-process" and credentials.access_key.startswith("ASIA")
    shell = subprocess.run(["sh", "-c", line], capture_output=True, text=True, timeout=60)  # a hit, as Go runs it
    assert shell.returncode == 0, shell.stderr
    assert json.loads(shell.stdout)["AccessKeyId"] == credentials.access_key

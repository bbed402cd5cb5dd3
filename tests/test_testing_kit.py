"""ssohelper.testing, the pytest plugin users test their own tools with: a user's test file with
no conftest gets the sso_emulator fixture from the installed entry point, and its profile resolves
through botocore's own SSO provider, in boto3 and the AWS CLI; the user's own ~/.aws is untouched."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from helpers import run_ssohelper

from ssohelper.testing import PROFILE, SESSION

USERS_TEST = """
import os

import boto3  # imported before the fixture runs: botocore fixes its SSO cache directory now
import botocore.session


def test_my_tool_sees_the_accounts_and_gets_role_credentials(sso_emulator):
    sso_emulator.set_accounts({"123456789012": ["Dev"], "210987654321": ["Ops", "Audit"]})
    session = boto3.Session(profile_name=sso_emulator.profile)
    credentials = session.get_credentials()
    assert credentials.method == "sso"  # botocore's own SSO provider
    frozen = credentials.get_frozen_credentials()
    assert frozen.access_key.startswith("ASIA") and frozen.token
    assert sso_emulator.emulator.calls["GetRoleCredentials"] == 1
    sso = boto3.client("sso")  # the default session, in the isolated environment
    listed = sso.list_accounts(accessToken=sso_emulator.access_token)["accountList"]
    assert sorted(account["accountId"] for account in listed) == ["123456789012", "210987654321"]
    roles = sso.list_account_roles(accessToken=sso_emulator.access_token, accountId="210987654321")
    assert [role["roleName"] for role in roles["roleList"]] == ["Ops", "Audit"]
    assert botocore.session.Session().get_config_variable("profile") is None
    assert os.environ["HOME"] != REAL_HOME and "AWS_ACCESS_KEY_ID" not in os.environ
    assert sso_emulator.config_file.is_relative_to(os.environ["HOME"])
"""


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(path.relative_to(root)): (path.read_bytes() if path.is_file() else b"", path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
    }


def test_a_users_test_file_with_no_conftest_uses_the_fixture_and_leaves_their_aws_alone(tmp_path):
    plugins = {entry.name: entry.value for entry in importlib.metadata.entry_points(group="pytest11")}
    assert plugins.get("ssohelper") == "ssohelper.testing", "reinstall: pip install -e . registers the plugin"
    real_home = tmp_path / "real-home"
    aws = real_home / ".aws"
    (aws / "sso" / "cache").mkdir(parents=True)
    (aws / "config").write_text(f"[profile {PROFILE}]\nsso_session = mine\nregion = eu-west-1\n")
    (aws / "credentials").write_text("[default]\naws_access_key_id = AKIAUSERSOWNKEY00000\n")
    # a stale token where botocore would look if it read the real home: the portal would refuse it
    token = '{"accessToken": "users-own", "expiresAt": "2099-01-01T00:00:00Z"}'
    (aws / "sso" / "cache" / (hashlib.sha1(SESSION.encode()).hexdigest() + ".json")).write_text(token)
    before = snapshot(real_home)
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_my_tool.py").write_text(USERS_TEST.replace("REAL_HOME", repr(str(real_home))))
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "PYTEST_", "XDG_"))}
    env.update(HOME=str(real_home), AWS_PROFILE="mine", AWS_ACCESS_KEY_ID="AKIAUSERSOWNKEY00000")
    env.update(AWS_SECRET_ACCESS_KEY="users-own-secret", AWS_ENDPOINT_URL="http://127.0.0.1:9")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_tool.py"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr
    assert snapshot(real_home) == before


@pytest.fixture
def users_environment(monkeypatch):
    """What a user's shell may hold before the fixture isolates the test."""
    monkeypatch.setenv("AWS_PROFILE", "mine")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUSERSOWNKEY00000")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
    monkeypatch.setenv("XDG_CONFIG_HOME", "/nonexistent")


def test_the_environment_is_isolated_and_points_at_the_emulator(users_environment, sso_emulator, tmp_path):
    home = tmp_path / "home"
    assert sso_emulator.home == home and os.environ["HOME"] == str(home)
    assert os.environ["XDG_CONFIG_HOME"] == str(home / ".config")
    assert os.environ["AWS_CONFIG_FILE"] == str(home / ".aws" / "config")
    assert os.environ["AWS_ENDPOINT_URL_SSO"] == os.environ["AWS_ENDPOINT_URL_SSO_OIDC"] == sso_emulator.url
    assert not {"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_ENDPOINT_URL_STS"} & set(os.environ)
    tokens = list((home / ".aws" / "sso" / "cache").glob("*.json"))
    assert any(sso_emulator.access_token in path.read_text() for path in tokens)


def test_the_profile_names_the_first_account_and_role_and_follows_set_accounts(sso_emulator):
    config = sso_emulator.config_file.read_text()
    assert "sso_account_id = 111111111111" in config and "sso_role_name = Developer" in config
    sso_emulator.set_accounts({"123456789012": {"name": "dev", "roles": ["Dev"]}, "210987654321": ["Ops"]})
    config = sso_emulator.config_file.read_text()
    assert "sso_account_id = 123456789012" in config and "sso_role_name = Dev" in config
    assert config.count(f"[profile {PROFILE}]") == 1
    listed = boto3.client("sso").list_accounts(accessToken=sso_emulator.access_token)["accountList"]
    assert [(account["accountId"], account["accountName"]) for account in listed] == [
        ("123456789012", "dev"),
        ("210987654321", "210987654321"),
    ]
    with pytest.raises(TypeError, match="list of role names"):
        sso_emulator.set_accounts({"123456789012": "Dev"})
    with pytest.raises(ValueError, match="at least one account with a role"):
        sso_emulator.set_accounts({"123456789012": []})


def test_boto3_resolves_the_profile_through_botocores_sso_provider(sso_emulator):
    credentials = boto3.Session(profile_name=sso_emulator.profile).get_credentials()
    assert credentials.method == "sso"
    assert credentials.get_frozen_credentials().access_key.startswith("ASIA")
    assert sso_emulator.emulator.calls["GetRoleCredentials"] == 1


def test_the_aws_cli_resolves_the_profile(sso_emulator, aws_cli):
    done = subprocess.run(
        [*aws_cli, "configure", "list", "--profile", sso_emulator.profile], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    access_key = next(line.split() for line in done.stdout.splitlines() if line.split()[:1] == ["access_key"])
    assert access_key[2] == "sso", done.stdout  # the AWS CLI's own SSO provider gave them
    assert sso_emulator.emulator.calls["GetRoleCredentials"] == 1


def test_ssohelper_serves_the_profile_too(sso_emulator):
    done = run_ssohelper("credential-process", "--profile", sso_emulator.profile)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["AccessKeyId"].startswith("ASIA")

"""The ``aws login`` kind: a profile with ``login_session`` (AWS CLI v2's ``aws login``).

botocore's login provider resolves it after ~/.aws/credentials and before credential_process.
ssohelper recognises it (never as static keys or as a profile without credentials), audit and
status report it, and migrate-profiles leaves it alone.
"""

from __future__ import annotations

import json

import pytest
from helpers import write_config
from test_kinds import KEYS, OURS, claiming_provider

from ssohelper import errors
from ssohelper.kinds import Profile, registry

SESSION = "arn:aws:iam::111111111111:user/alice"
LOGIN = {"login_session": SESSION, "region": "eu-west-1"}
KEY = KEYS["aws_access_key_id"]

CASES = [
    pytest.param(LOGIN, None, ("login", "login", ()), id="login"),
    pytest.param({**LOGIN, **KEYS}, None, ("login", "login", ("config-file-keys",)), id="shadows-config-keys"),
    pytest.param({**LOGIN, **OURS}, None, ("login", "login", ("ssohelper-process",)), id="shadows-process"),
    pytest.param(
        LOGIN, KEYS, ("credentials-file-keys", "shared-credentials-file", ("login",)), id="credentials-file-first"
    ),
]


@pytest.mark.parametrize("config, credentials, expected", CASES)
def test_a_login_profile_is_its_own_kind_in_botocores_order(config, credentials, expected):
    found = registry.describe(Profile("p", config, credentials))
    assert (found.kind, found.resolves_through, found.shadowed) == expected


@pytest.mark.parametrize("config, credentials, expected", CASES)
def test_botocore_resolves_it_through_the_login_provider(tmp_path, monkeypatch, config, credentials, expected):
    assert claiming_provider(tmp_path, monkeypatch, config, credentials) == expected[1]


def test_it_names_no_sso_role_and_migrate_leaves_it_alone():
    profile = Profile("console", {**LOGIN, **KEYS})
    assert registry.sso_kind(profile) is None
    assert registry.left_alone(profile) == "signs in with aws login (login_session)"


@pytest.fixture
def console(isolated_home):
    """A login profile that still has an old key in the config file (shadowed by login_session)."""
    write_config(
        isolated_home,
        extra=f"\n[profile console]\nlogin_session = {SESSION}\naws_access_key_id = {KEY}\naws_secret_access_key = s\n",
    )
    return isolated_home / ".aws" / "config"


def test_migrate_never_rewrites_it(console, cli):
    before = console.read_bytes()
    result = cli("migrate-profiles", "console", "--sso-session", "corp", "--offline", "--role-name", "Dev", "--yes")
    assert result.code == 0, result.err
    assert "console: left alone: signs in with aws login (login_session)" in result.out
    assert "Nothing to migrate." in result.err
    assert console.read_bytes() == before


def test_audit_reports_it_and_its_shadowed_key(console, cli):
    result = cli("audit")
    assert result.code == errors.EXIT_FINDINGS  # the key is still in the file
    lines = result.out.splitlines()
    assert "not migrated: it signs in with aws login (login_session)" in lines[0]
    assert (
        "profile 'console' resolves through botocore's login provider (aws login (login_session)); "
        "never used while it does: config-file-keys"
    ) in lines
    assert not any(line.startswith("to move them to SSO") for line in lines)
    document = json.loads(cli("audit", "--output", "json").out)
    found = {"profile": "console", "kind": "login", "resolves_through": "login", "shadowed": ["config-file-keys"]}
    assert found in document["profiles"] and document["migrate_command"] is None


def test_status_reports_it(console, cli):
    lines = cli("status").out.splitlines()
    assert (
        "profile console: aws login (login_session), through botocore's login provider; shadows config-file-keys"
    ) in lines
    rows = [line.split("\t") for line in cli("status", "--output", "text").out.splitlines()]
    assert ["profile", "console", "login", "login", "config-file-keys"] in rows

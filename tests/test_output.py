"""One output language: --output json|table|text, its defaults, and the JSON schemas the README documents."""

from __future__ import annotations

import json
import re

import pytest
from helpers import ACCOUNT, ROLE, run_ssohelper, write_config

from ssohelper import errors

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
STATUS_KEYS = {"sessions", "secure_keyring", "keyring_backend", "role_store", "role_cache", "config_path", "profiles"}
SESSION_KEYS = {
    "name",
    "start_url",
    "region",
    "token_path",
    "state",
    "expires_at",
    "seconds_left",
    "can_refresh",
    "secrets_store",
    "secrets_reason",
    "warnings",
    "error",
    "roles",
}
ROLE_KEYS = {"account_id", "role_name", "expires_at", "seconds_left", "store"}
PLAN_KEYS = {"command", "sso_session", "session_added", "files", "profiles"}
KEYS = "[work]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMIK7MDENGEXAMPLEKEY\n"


@pytest.fixture
def signed_in(cli, isolated_home, emulator):
    write_config(isolated_home)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    assert cli("export", "--profile", "dev").code == 0  # one cached role
    return isolated_home


@pytest.mark.parametrize("command", [["list"], ["status"], ["audit"], ["migrate-profiles", "--dry-run"]])
def test_json_with_another_output_is_a_usage_error(cli, signed_in, command):
    result = cli(*command, "--json", "--output", "table")
    assert result.code == errors.EXIT_USAGE
    assert "--json means --output json; give one of them, not --json with --output table" in result.err
    assert result.out == ""


def test_the_default_is_the_aws_cli_v2s(cli, signed_in, monkeypatch):
    """--output, else AWS_DEFAULT_OUTPUT, else the output of the profile in use (--profile's
    too), else json; values the AWS CLI refuses are refused; one JSON indent (4, as the CLI)."""
    monkeypatch.delenv("AWS_DEFAULT_OUTPUT")
    listed = cli("list").out
    assert listed.startswith('[\n    {\n        "accountId"') and json.loads(listed)[0]["accountId"] == ACCOUNT
    assert cli("status").out.startswith('{\n    "sessions": [\n        {')  # the same indent everywhere
    config = signed_in / ".aws" / "config"
    config.write_text(config.read_text() + "\n[default]\noutput = table\n")
    assert cli("list").out.startswith("ACCOUNT")
    text = config.read_text().replace("[profile dev]\n", "[profile dev]\noutput = text\n")
    config.write_text(text)
    assert cli("list", "--profile", "dev").out.split("\t")[0] == ACCOUNT  # --profile's own output
    monkeypatch.setenv("AWS_PROFILE", "dev")
    assert "\tcorp\t" in cli("status").out  # text: tab-separated rows
    monkeypatch.setenv("AWS_DEFAULT_OUTPUT", "json")  # the environment wins over the config
    assert json.loads(cli("list").out)[0]["accountId"] == ACCOUNT
    assert cli("list", "--output", "table").out.startswith("ACCOUNT")  # the option wins over both
    monkeypatch.setenv("AWS_DEFAULT_OUTPUT", "yaml")  # the AWS CLI's, not printed here: json
    assert json.loads(cli("status").out)["sessions"]
    monkeypatch.setenv("AWS_DEFAULT_OUTPUT", "jsno")
    typo = cli("list")
    assert typo.code == errors.EXIT_USAGE and "AWS_DEFAULT_OUTPUT='jsno' is not an output format" in typo.err
    monkeypatch.delenv("AWS_DEFAULT_OUTPUT")
    config.write_text(text.replace("output = text", "output = tabel"))
    bad = cli("list")
    assert bad.code == errors.EXIT_CONFIG and "profile 'dev' in ~/.aws/config: output = tabel is not" in bad.err


def test_status_json_schema(signed_in):
    result = run_ssohelper("status", "--output", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == STATUS_KEYS
    assert document["secure_keyring"] is None and document["role_store"] == "file"
    corp = next(s for s in document["sessions"] if s["name"] == "corp")
    assert all(set(item) == SESSION_KEYS for item in document["sessions"])
    assert corp["state"] == "signed-in" and RFC3339_UTC.match(corp["expires_at"])
    assert isinstance(corp["seconds_left"], int) and corp["error"] is None
    (role,) = corp["roles"]
    assert set(role) == ROLE_KEYS and isinstance(role["seconds_left"], int) and RFC3339_UTC.match(role["expires_at"])
    assert (role["account_id"], role["role_name"], role["store"]) == (ACCOUNT, ROLE, "file")
    assert all(set(item) == {"profile", "kind", "resolves_through", "shadowed"} for item in document["profiles"])
    assert document["profiles"]


def test_status_json_for_a_session_not_signed_in(cli, isolated_home):
    write_config(isolated_home)
    corp = json.loads(cli("status", "--output", "json").out)["sessions"][0]
    assert (corp["state"], corp["expires_at"], corp["seconds_left"], corp["secrets_store"]) == (
        "signed-out",
        None,
        None,
        None,
    )


def test_status_text_is_tab_separated_rows(cli, signed_in):
    rows = [line.split("\t") for line in cli("status", "--output", "text").out.splitlines()]
    assert rows[0][:3] == ["session", "corp", "signed-in"] and rows[0][5:] == ["true", "file"]
    assert rows[1][:4] == ["role", "corp", ACCOUNT, ROLE] and rows[1][-1] == "file"


def test_audit_output_forms(cli, isolated_home):
    (isolated_home / ".aws").mkdir()
    (isolated_home / ".aws" / "credentials").write_text(KEYS)
    table = cli("audit", "--output", "table")
    assert table.code == errors.EXIT_FINDINGS and "long-term key AKIA****MPLE: profile 'work'" in table.out
    rows = [line.split("\t") for line in cli("audit", "--output", "text").out.splitlines()]
    assert rows == [
        ["key", "long-term", "AKIA****MPLE", "work", "credentials file", "~/.aws/credentials", "true", "", "", ""]
    ]
    document = json.loads(cli("audit", "--json").out)
    assert document["long_term_keys"] == 1 and document["keys"][0]["iam"] is None


def test_dry_run_plans_as_data_without_secrets(cli, isolated_home, emulator):
    write_config(isolated_home)
    (isolated_home / ".aws" / "credentials").write_text(KEYS)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    result = cli("migrate-profiles", "--map", f"work={ACCOUNT}:{ROLE}", "--dry-run", "--output", "json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert set(document) >= PLAN_KEYS and document["command"] == "migrate-profiles"
    (work,) = document["profiles"]
    assert work["profile"] == "work" and work["action"] == "migrate" and work["access_key_id"] == "AKIA****MPLE"
    assert "wJalr" not in result.out and "AKIAIOSFODNN7EXAMPLE" not in result.out
    text = cli("migrate-profiles", "--map", f"work={ACCOUNT}:{ROLE}", "--dry-run", "--output", "text").out
    assert text == f"work\t{ACCOUNT}\t{ROLE}\tmigrate\n"
    populated = json.loads(cli("populate", "--dry-run", "--output", "json").out)
    assert populated["command"] == "populate" and populated["session_added"] is False
    assert {p["action"] for p in populated["profiles"]} == {"create"}
    configured = cli(
        "configure",
        "--sso-session",
        "new",
        "--start-url",
        "https://n/start",
        "--sso-region",
        "eu-west-1",
        "--dry-run",
        "--yes",
        "--output",
        "json",
        "--no-browser",
    )
    assert configured.code == 0, configured.err
    plan = json.loads(configured.out)
    assert plan["command"] == "configure" and plan["session_added"] is True and plan["files"][0]["changed"] is True
    assert "[sso-session new]" not in (isolated_home / ".aws" / "config").read_text()


def test_configure_migrate_with_nothing_to_migrate_prints_one_document(cli, isolated_home, emulator):
    (isolated_home / ".aws").mkdir()
    url = ["--start-url", "https://n/start", "--sso-region", "eu-west-1"]
    result = cli("configure", "-s", "new", *url, "--migrate", "--dry-run", "--yes", "--output", "json", "--no-browser")
    assert result.code == 0, result.err
    document = json.loads(result.out)  # one document, not two
    assert document["command"] == "migrate-profiles" and document["session_added"] is True
    assert document["profiles"] == []

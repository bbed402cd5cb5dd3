"""Names from the server are input: control characters, NUL, newlines and brackets never reach
a file or a terminal raw; they are replaced (account names) or left out (role names), with a
warning naming them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ssohelper import errors, names, paths

HOSTILE = {
    "111111111111": {"name": "dev\n[profile evil]\x1b[31m", "roles": ["Developer", "Bad\x00Role", "two\nlines"]},
    "222222222222": {"name": "prod", "roles": ["ReadOnly", "[x]"]},
    "12345": {"name": "short", "roles": ["Admin"]},
}


@pytest.fixture
def signed_in(cli, config, emulator):
    emulator.configure(accounts=HOSTILE)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    return emulator


def test_list_replaces_unsafe_account_names_and_leaves_out_unsafe_roles(cli, signed_in):
    result = cli("list", "--sso-session", "corp", "--output", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == [
        {"accountId": "111111111111", "accountName": "dev__profile evil___31m", "roleName": "Developer"},
        {"accountId": "222222222222", "accountName": "prod", "roleName": "ReadOnly"},
    ]
    warnings = [line for line in result.err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 5, result.err
    assert (
        "account 111111111111: its name dev\\n\\x5bprofile evil\\x5d\\x1b\\x5b31m has unsafe characters" in result.err
    )
    assert "a role named Bad\\x00Role has unsafe characters; left out" in result.err
    assert "a role named two\\nlines has unsafe characters; left out" in result.err
    assert "an account ID 12345 from the portal is not 12 digits; left out" in result.err
    for raw in ("\x00", "\x1b", "two\nlines"):
        assert raw not in result.err and raw not in result.out


def test_the_table_on_a_terminal_gets_no_escape_sequences(cli, signed_in):
    result = cli("list", "--sso-session", "corp", "--output", "table", "--refresh")
    assert result.code == 0
    assert "\x1b" not in result.out and "\x00" not in result.out


def test_populate_writes_no_unsafe_name_into_the_config(cli, signed_in):
    result = cli("populate", "--sso-session", "corp", "--yes")
    assert result.code == 0, result.err
    text = Path(paths.aws_config_file()).read_text()
    assert "\x00" not in text and "\x1b" not in text and "[profile evil]" not in text
    assert "[x]" not in text and "two" not in text and "12345" not in text
    assert "sso_role_name = Developer" in text or "--role-name Developer" in text
    assert "warning: account 111111111111: a role named Bad\\x00Role has unsafe characters; left out" in result.err


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("plain name", "plain name"), ("a\tb", "a_b"), ("x\u2028y", "x_y"), ("a=b;c#d", "a_b_c_d"), ("\x85", "_")],
)
def test_account_names_are_cleaned_character_by_character(raw, clean):
    warned: list[str] = []
    assert names.account_name("111111111111", raw, warned) == clean
    assert bool(warned) == (raw != clean)


def test_role_names_and_ids_are_checked_not_rewritten():
    warned: list[str] = []
    assert names.role_name_ok("1", "AWSAdministratorAccess", warned) and not warned
    assert not names.role_name_ok("1", "", warned)
    assert not names.role_name_ok("1", "x" * 300, warned)
    assert not names.account_id_ok("１２３４５６７８９０１２", warned)  # full-width digits are not digits here
    assert len(warned) == 3 and errors.EXIT_OK == 0


def test_migrates_role_discovery_leaves_out_unsafe_role_names_too(signed_in):
    from ssohelper.ini import awsconfig
    from ssohelper.listings import accounts
    from ssohelper.tokens import tokencache

    session = awsconfig.load().resolve_session(sso_session="corp")
    token = tokencache.load_token(session)
    assert token is not None
    warned: list[str] = []
    found = accounts.roles_by_account(session, token, ["111111111111", "222222222222"], warnings=warned)
    assert found == {"111111111111": ["Developer"], "222222222222": ["ReadOnly"]}
    assert len(warned) == 3 and all("has unsafe characters; left out" in line for line in warned)

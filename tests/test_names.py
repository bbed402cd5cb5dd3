"""Names from the server are input: control characters, NUL, newlines and brackets never reach
a file or a terminal raw; they are replaced (account names) or left out (role names), with a
warning naming them."""

from __future__ import annotations

import csv
import io
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


# Bidi controls, zero-width and other invisible characters: an account named "prod\u202eved"
# shows as "proddev" reversed; none may reach a terminal, ~/.aws/config or a CSV as it came.
INVISIBLE = (
    [chr(c) for c in range(0x202A, 0x202F)]  # LRE RLE PDF LRO RLO
    + [chr(c) for c in range(0x2066, 0x206A)]  # LRI RLI FSI PDI
    + ["\u200e", "\u200f", "\u061c"]  # LRM RLM ALM
    + ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\u3164", "\u115f", "\u034f"]
    + ["\u2028", "\u2029", "\x85", "\x1b", "\x7f", "\u00a0", "\ue000"]
)
BIDI_ACCOUNTS = {
    "111111111111": {"name": "prod\u202eved", "roles": ["Developer", "Dev\u202eOps", "Read\u200bOnly"]},
    "222222222222": {"name": "\u200bstaging\u2066\ufeff", "roles": ["ReadOnly", "Admin\u2069"]},
    "333333333333": {"name": "=cmd|' /C calc'!A0", "roles": ["Viewer"]},
}


def no_invisible(text: str) -> bool:
    return not any(char in text for char in INVISIBLE)


@pytest.mark.parametrize("char", INVISIBLE)
def test_each_invisible_or_reordering_character_is_replaced_in_names_and_refused_in_roles(char):
    warned: list[str] = []
    assert names.account_name("111111111111", f"a{char}b", warned) == "a_b"
    assert not names.role_name_ok("111111111111", f"Role{char}", warned)
    assert len(warned) == 2 and all(no_invisible(line) for line in warned)
    assert names.printable(f"x{char}", ini=False) == "x_"


@pytest.mark.parametrize("name", ["prod", "Prod Account (EU)", "Produktion é", "本番", "a-b_c.d@e+f", "x" * 256])
def test_printable_names_of_any_script_pass_unchanged(name):
    warned: list[str] = []
    assert names.account_name("111111111111", name, warned) == name and not warned
    assert names.is_printable(name) and names.printable(name) == name


def test_a_bidi_or_zero_width_name_never_reaches_the_terminal_or_the_config(cli, config, emulator):
    emulator.configure(accounts=BIDI_ACCOUNTS)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    shown = [cli("list", "--sso-session", "corp", "--output", fmt, "--refresh") for fmt in ("json", "table", "text")]
    assert all(result.code == 0 for result in shown), shown[0].err
    assert json.loads(shown[0].out) == [
        {"accountId": "111111111111", "accountName": "prod_ved", "roleName": "Developer"},
        {"accountId": "222222222222", "accountName": "_staging__", "roleName": "ReadOnly"},
        {"accountId": "333333333333", "accountName": "_cmd|' /C calc'!A0", "roleName": "Viewer"},
    ]
    assert "prod_ved" in shown[1].out and "_staging__" in shown[2].out
    assert "its name prod\\u202eved has unsafe characters; shown as prod_ved" in shown[0].err
    assert "a role named Dev\\u202eOps has unsafe characters; left out" in shown[0].err
    assert "a role named Read\\u200bOnly has unsafe characters; left out" in shown[0].err
    populated = cli("populate", "--sso-session", "corp", "--template", "{account_name}-{role_name}", "--yes")
    assert populated.code == 0, populated.err
    written = Path(paths.aws_config_file()).read_text(encoding="utf-8")
    assert "[profile prod_ved-Developer]" in written and "[profile _staging__-ReadOnly]" in written
    for text in [written, populated.out, populated.err] + [r.out + r.err for r in shown]:
        assert no_invisible(text), ascii(text)


def test_populate_prints_only_its_plan_on_stdout_and_every_warning_on_stderr(cli, config, emulator):
    emulator.configure(accounts=BIDI_ACCOUNTS)
    Path(paths.aws_config_file()).write_text(
        Path(paths.aws_config_file()).read_text() + "\n[profile prod_ved.Developer]\nregion = eu-west-1\n"
    )
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    result = cli("populate", "--sso-session", "corp", "--dry-run")
    assert result.code == 0, result.err
    table, diff = result.out.split("\n\n", 1)  # the plan: a table, then the diff
    plan = table.splitlines()
    assert plan[0].split() == ["PROFILE", "ACCOUNT", "ROLE", "ACTION"]
    assert plan[-1] == "2 to create, 0 to update, 0 to remove, 0 unchanged"
    assert all(line.endswith("  create") for line in plan[1:-1]) and len(plan) == 4
    assert diff.startswith("--- ") and all(line[:1] in "-+ @" for line in diff.splitlines()), diff
    assert "warning" not in result.out and "skipped" not in result.out
    assert "warning: account 111111111111: its name prod\\u202eved has unsafe characters" in result.err
    assert "prod_ved.Developer: skipped: a profile of that name that populate did not write exists" in result.err
    assert "region = us-east-1" in result.err and "Dry run: nothing was changed." in result.err


def test_a_numeric_or_non_text_account_name_is_a_warning_not_a_crash(cli, config, emulator):
    emulator.configure(
        accounts={
            "111111111111": {"name": 123456, "roles": ["Developer"]},
            "222222222222": {"name": ["not", "a", "name"], "roles": ["ReadOnly"]},
            "333333333333": {"name": 1.5, "roles": ["Admin"]},
        }
    )
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    result = cli("list", "--sso-session", "corp", "--output", "json")
    assert result.code == 0, result.err
    assert [row["accountName"] for row in json.loads(result.out)] == ["123456", "", "1.5"]
    assert "warning: account 111111111111: its name is a number, not text; shown as 123456" in result.err
    assert "warning: account 222222222222: its name is list, not text; left blank" in result.err
    assert "Traceback" not in result.err and "unexpected" not in result.err


def test_a_listing_cached_by_an_older_version_is_made_printable_when_read(cli, config, emulator):
    from ssohelper.cache import listing
    from ssohelper.ini import awsconfig

    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    session = awsconfig.load().resolve_session(sso_session="corp")
    rows = [("111111111111", "prod\u202eved", "Developer"), ("111111111111", "prod\u202eved", "Dev\u200bOps")]
    assert listing.store(session.name, session.start_url, rows)
    result = cli("list", "--sso-session", "corp", "--output", "text")
    assert result.code == 0 and result.out == "111111111111\tprod_ved\tDeveloper\n", ascii(result.out)


def test_the_org_audit_shows_no_bidi_name_and_its_csv_runs_no_formula(cli, config, emulator, moto_url, monkeypatch):
    from orgworld import AUDIT_ROLE, PlantedKey, PlantedUser, build

    org = build(moto_url, {"hostile": [PlantedUser("=1+2", (PlantedKey("=1+2", age_days=3),))]})
    (account_id,) = org.accounts
    hostile = {account_id: {"name": "@prod\u202eved\u200b", "roles": [AUDIT_ROLE]}}
    emulator.configure(accounts=hostile, sts_endpoint=org.moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", org.moto_url)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    runs = {fmt: cli("audit", "--org", "--role-name", AUDIT_ROLE, "--output", fmt) for fmt in ("csv", "json", "table")}
    assert all(result.code == errors.EXIT_FINDINGS for result in runs.values()), runs["csv"].err
    (row,) = csv.DictReader(io.StringIO(runs["csv"].out))
    assert (row["account_name"], row["user"], row["finding"]) == ("'@prod_ved_", "'=1+2", "access-key")
    assert json.loads(runs["json"].out)["accounts"][0]["account_name"] == "@prod_ved_"  # JSON is data, not a sheet
    assert "=1+2" in runs["table"].out
    assert "its name @prod\\u202eved\\u200b has unsafe characters; shown as @prod_ved_" in runs["csv"].err
    for result in runs.values():
        assert no_invisible(result.out + result.err), ascii(result.out + result.err)


def test_a_server_error_message_with_bidi_characters_reaches_stderr_made_printable(cli, config, emulator):
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    body = json.dumps({"__type": "ForbiddenException", "message": "no access to prod\u202eved\u200b here"})
    emulator.fail_next("ListAccounts", 1, 403, body=body)
    result = cli("list", "--sso-session", "corp", "--refresh")
    assert result.code == errors.EXIT_AWS and result.out == ""
    assert "no access to prod_ved_ here" in result.err and no_invisible(result.err), ascii(result.err)

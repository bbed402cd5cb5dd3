"""Golden tests for migrate-profiles: hand-written before/after files in tests/data/migrate/<case>/.

Each case dir holds ``config`` and ``credentials`` (absent = empty file), the hand-written
``expected_config`` and ``expected_credentials`` (absent = empty file), and ``expected.json``:

    {"style": "process" | "native",
     "static": [names in survey order], "skipped": [names], "dependents": {"base": ["child"]},
     "where": {name: "config" | "credentials" | "both"}, "key_ids": {name: access key id},
     "only": [names] (optional: passed to survey), "new_session": [url, region] (optional)}

Besides the exact comparison, generic properties are checked on every case: no static key is
left in a migrated profile, comments survive in order, untouched sections are byte-identical,
botocore reads both outputs and sees credential_process (or native sso_* keys), and an empty
target map changes nothing.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.configloader import build_profile_map, raw_config_parse

from ssohelper.ini.editor import parse_ini
from ssohelper.migration.rewrite import rewrite_config, rewrite_credentials, survey
from ssohelper.models import AccountRole

CASES_DIR = Path(__file__).resolve().parent / "data" / "migrate"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "expected.json").is_file())
ACCOUNT, ROLE, SESSION = "111111111111", "Developer", "corp"
STATIC_KEYS = {"aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_security_token"}
PROCESS = f"ssohelper credential-process --sso-session {SESSION} --account-id {ACCOUNT} --role-name {ROLE}"
_HEADER_RE = re.compile(r"\s*\[(?P<name>[^\]]+)\]\s*$")


def _read(path: Path) -> str:
    """Bytes decoded as UTF-8, so CRLF and a missing final newline are kept exactly."""
    return path.read_bytes().decode("utf-8") if path.exists() else ""


@dataclass(frozen=True)
class Case:
    name: str
    config: str
    credentials: str
    expected_config: str
    expected_credentials: str
    meta: dict[str, Any]

    @property
    def style(self) -> str:
        return self.meta["style"]

    @property
    def migrated(self) -> list[str]:
        return list(self.meta["static"])

    @property
    def new_session(self) -> tuple[str, str] | None:
        found = self.meta.get("new_session")
        return (found[0], found[1]) if found else None


@functools.cache
def load(name: str) -> Case:
    d = CASES_DIR / name
    return Case(
        name,
        _read(d / "config"),
        _read(d / "credentials"),
        _read(d / "expected_config"),
        _read(d / "expected_credentials"),
        json.loads((d / "expected.json").read_text(encoding="utf-8")),
    )


def docs(case: Case) -> tuple[Any, Any]:
    return parse_ini(case.config, "config"), parse_ini(case.credentials, "credentials")


@functools.cache
def surveyed(name: str) -> Any:
    case = load(name)
    return survey(*docs(case), only=tuple(case.meta.get("only", ())))


@functools.cache
def rewritten(name: str) -> tuple[str, str]:
    """The rewrite of every profile the survey found static, as migrate-profiles does it."""
    case = load(name)
    targets = {profile.name: AccountRole(ACCOUNT, ROLE) for profile in surveyed(name).static}
    return rewrite_both(case, targets)


def rewrite_both(case: Case, targets: dict[str, AccountRole]) -> tuple[str, str]:
    """Both files' new texts, as planner.make_plan makes them (each document edited in place)."""
    config, credentials = docs(case)
    config_text = rewrite_config(
        config, targets, sso_session=SESSION, style=case.style, command="ssohelper", new_session=case.new_session
    )
    return config_text, rewrite_credentials(credentials, targets)


def config_section(profile: str) -> str:
    return "default" if profile == "default" else f"profile {profile}"


def lines_of(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def differences(want: str, got: str) -> str:
    """Line-by-line repr of the first differences, so CRLF and missing newlines are visible."""
    want_lines, got_lines = lines_of(want), lines_of(got)
    out = []
    for i in range(max(len(want_lines), len(got_lines))):
        w = want_lines[i] if i < len(want_lines) else "<none>"
        g = got_lines[i] if i < len(got_lines) else "<none>"
        if w != g:
            out.append(f"line {i + 1}: expected {w!r}\n         got      {g!r}")
    return "\n".join(out[:8])


def botocore_parse(tmp_path: Path, filename: str, text: str) -> dict[str, dict[str, Any]]:
    path = tmp_path / filename
    path.write_bytes(text.encode("utf-8"))
    return raw_config_parse(str(path))


def blocks(text: str) -> dict[str, list[str]]:
    """Section name -> its lines, from the header up to the next header, trailing blanks dropped.

    The text before the first header is the block named "" (the preamble)."""
    found: dict[str, list[str]] = {"": []}
    current = ""
    for line in lines_of(text):
        stripped = line.strip()
        header = None if stripped.startswith(("#", ";")) else _HEADER_RE.match(line)
        if header:
            current = header["name"].strip()
            found[current] = []
        found[current].append(line)
    for block in found.values():
        while block and not block[-1].strip():
            block.pop()
    return found


def comments(text: str) -> list[str]:
    return [line.rstrip("\r\n") for line in lines_of(text) if line.strip().startswith(("#", ";"))]


def test_cases_exist() -> None:
    required = {
        "keys_in_credentials_only",
        "keys_in_config",
        "profile_in_both_files",
        "default_profile",
        "source_profile_chain",
        "s3_block",
        "crlf",
        "comments_everywhere",
        "already_sso_untouched",
        "no_final_newline",
    }
    assert required <= set(CASES)
    assert any(load(name).style == "native" for name in CASES)


# --- survey -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CASES)
def test_survey_finds_the_static_profiles_in_order(name: str) -> None:
    case = load(name)
    found = surveyed(name)
    assert [profile.name for profile in found.static] == case.migrated
    for profile in found.static:
        where = case.meta["where"][profile.name]
        assert (profile.in_config, profile.in_credentials) == (
            where in ("config", "both"),
            where in ("credentials", "both"),
        ), profile.name
        assert profile.access_key_id == case.meta["key_ids"][profile.name]
        assert sorted(profile.dependents) == sorted(case.meta["dependents"].get(profile.name, []))


@pytest.mark.parametrize("name", CASES)
def test_survey_lists_the_profiles_it_leaves_alone(name: str) -> None:
    skipped = surveyed(name).skipped
    assert sorted(profile for profile, _ in skipped) == sorted(load(name).meta["skipped"])
    assert all(isinstance(reason, str) and reason.strip() for _, reason in skipped)


# --- golden files -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CASES)
def test_config_matches_golden(name: str) -> None:
    want, got = load(name).expected_config, rewritten(name)[0]
    assert got == want, f"{name}/expected_config differs:\n{differences(want, got)}"


@pytest.mark.parametrize("name", CASES)
def test_credentials_match_golden(name: str) -> None:
    want, got = load(name).expected_credentials, rewritten(name)[1]
    assert got == want, f"{name}/expected_credentials differs:\n{differences(want, got)}"


# --- generic properties -------------------------------------------------------------------------


@pytest.mark.parametrize("name", CASES)
def test_no_static_key_left_in_a_migrated_profile(name: str, tmp_path: Path) -> None:
    config_text, credentials_text = rewritten(name)
    config = botocore_parse(tmp_path, "config", config_text)
    credentials = botocore_parse(tmp_path, "credentials", credentials_text)
    for profile in load(name).migrated:
        assert not STATIC_KEYS & set(config.get(config_section(profile), {})), profile
        assert not STATIC_KEYS & set(credentials.get(profile, {})), profile


@pytest.mark.parametrize("name", CASES)
def test_comments_are_kept_in_order(name: str) -> None:
    case = load(name)
    config_text, credentials_text = rewritten(name)
    assert comments(config_text) == comments(case.config)
    assert comments(credentials_text) == comments(case.credentials)


def _assert_untouched_blocks(before: str, after: str, touched: set[str]) -> None:
    old, new = blocks(before), blocks(after)
    newline = "\r\n" if "\r\n" in before else "\n"
    for section, block in old.items():
        if section in touched:
            continue
        assert section in new, f"[{section}] disappeared"
        want, got = list(block), list(new[section])
        if want and not want[-1].endswith(("\n", "\r")) and got and got[-1] == want[-1] + newline:
            want[-1] += newline  # the file's last line got a newline because a section followed
        assert got == want, f"[{section}] changed:\n{differences(''.join(want), ''.join(got))}"


@pytest.mark.parametrize("name", CASES)
def test_untouched_sections_are_byte_identical(name: str) -> None:
    case = load(name)
    config_text, credentials_text = rewritten(name)
    _assert_untouched_blocks(case.config, config_text, {config_section(p) for p in case.migrated})
    _assert_untouched_blocks(case.credentials, credentials_text, set(case.migrated))


@pytest.mark.parametrize("name", CASES)
def test_botocore_sees_the_new_credential_source(name: str, tmp_path: Path) -> None:
    case = load(name)
    config_text, credentials_text = rewritten(name)
    after = build_profile_map(botocore_parse(tmp_path, "config", config_text))
    credentials = botocore_parse(tmp_path, "credentials", credentials_text)
    for profile in case.migrated:
        seen = after["profiles"][profile]
        assert not STATIC_KEYS & set(seen) and not STATIC_KEYS & set(credentials.get(profile, {}))
        if case.style == "process":
            assert seen["credential_process"] == PROCESS, profile
            assert not [key for key in seen if key.startswith("sso_")], profile
        else:
            assert (seen["sso_session"], seen["sso_account_id"], seen["sso_role_name"]) == (SESSION, ACCOUNT, ROLE), (
                profile
            )
            assert "credential_process" not in seen, profile
    if case.new_session:
        url, region = case.new_session
        session = after["sso_sessions"][SESSION]
        assert (session["sso_start_url"], session["sso_region"]) == (url, region)


@pytest.mark.parametrize("name", CASES)
def test_botocore_view_of_other_profiles_is_unchanged(name: str, tmp_path: Path) -> None:
    case = load(name)
    config_text, credentials_text = rewritten(name)
    before = build_profile_map(botocore_parse(tmp_path, "config.before", case.config))
    after = build_profile_map(botocore_parse(tmp_path, "config", config_text))
    for profile, values in before["profiles"].items():
        if profile not in case.migrated:
            assert after["profiles"][profile] == values, profile
    for session, values in before["sso_sessions"].items():
        assert after["sso_sessions"][session] == values, session
    creds_before = botocore_parse(tmp_path, "credentials.before", case.credentials)
    creds_after = botocore_parse(tmp_path, "credentials", credentials_text)
    for profile, values in creds_before.items():
        if profile not in case.migrated:
            assert creds_after[profile] == values, profile


@pytest.mark.parametrize("name", CASES)
def test_a_second_survey_finds_nothing_left_to_migrate(name: str) -> None:
    config_text, credentials_text = rewritten(name)
    again = survey(parse_ini(config_text, "config"), parse_ini(credentials_text, "credentials"))
    assert not {profile.name for profile in again.static} & set(load(name).migrated)


@pytest.mark.parametrize("name", CASES)
def test_empty_target_map_changes_nothing(name: str) -> None:
    case = load(name)
    config_text, credentials_text = rewrite_both(case, {})
    assert config_text.encode("utf-8") == case.config.encode("utf-8")
    assert credentials_text.encode("utf-8") == case.credentials.encode("utf-8")

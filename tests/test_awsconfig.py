"""The config reader agrees with botocore, and paths agree with platformdirs."""

from __future__ import annotations

import os
import sys

import pytest
from helpers import DATA

from ssohelper import paths
from ssohelper.errors import ConfigError
from ssohelper.ini import awsconfig
from ssohelper.models import SsoSession

CONFIGS = DATA / "config"
# botocore rejects these (a test below checks that it does); we must too, naming the line.
REJECTED = {
    "bad_nested": "the 's3' block has a line without '='",
    "bom": "line 1: starts with a UTF-8 byte order mark (BOM), which botocore cannot read",
    "duplicate_key": "line 3: 'region' appears twice in [default]",
    "duplicate_section": "line 4: section [profile dev] appears twice",
    "key_before_section": "line 1: key 'region' before any [section]",
    "latin1": "not UTF-8",
    "pasted_secret": "line 3: not a [section], key = value, or comment line",
    "unnamed_section": "line 1: text before any [section]",
}
PARSED = sorted(p.name for p in CONFIGS.iterdir() if p.name not in REJECTED and p.name != "README.md")


def test_every_config_file_is_in_the_readme_table():
    table = (CONFIGS / "README.md").read_text()
    assert len(PARSED) > 10
    for name in [*PARSED, *REJECTED]:
        assert f"| {name} |" in table or f" {name}," in table or f", {name} |" in table


@pytest.mark.parametrize("name", PARSED)
def test_reader_sees_what_botocore_sees(name):
    from botocore.configloader import build_profile_map, raw_config_parse

    path = str(CONFIGS / name)
    expected = build_profile_map(raw_config_parse(path))
    ours = awsconfig.load(path, os.devnull)
    assert ours.profiles == expected["profiles"]
    assert ours.sso_sessions == expected["sso_sessions"]


@pytest.mark.parametrize("name, words", sorted(REJECTED.items()))
def test_reader_rejects_what_botocore_rejects(name, words):
    from botocore.configloader import raw_config_parse
    from botocore.exceptions import ConfigParseError

    path = str(CONFIGS / name)
    with pytest.raises(ConfigParseError):
        raw_config_parse(path)
    with pytest.raises(ConfigError) as caught:
        awsconfig.load(path, os.devnull)
    assert str(caught.value).startswith(path) and words in str(caught.value)
    assert "\n" not in str(caught.value) and "PASTED" not in str(caught.value)


@pytest.mark.parametrize(
    "name, profile, expected",
    [
        (
            "sso",
            "dev",
            SsoSession(
                "https://corp.awsapps.com/start",
                "us-east-1",
                "corp",
                ("sso:account:access", "codewhisperer:completions"),
            ),
        ),
        ("sso", "legacy", SsoSession("https://corp.awsapps.com/start", "us-east-1")),
        ("section_names", "single quoted", SsoSession("https://my.awsapps.com/start", "us-west-1", "my corp")),
        ("crlf", "dev", SsoSession("https://corp.awsapps.com/start", "us-east-1", "corp")),
    ],
)
def test_fixture_profiles_resolve_to_their_sessions(name, profile, expected):
    assert awsconfig.load(str(CONFIGS / name), os.devnull).resolve_session(profile=profile) == expected


def test_odd_section_names_are_read_as_botocore_reads_them():
    config = awsconfig.load(str(CONFIGS / "section_names"), os.devnull)
    assert sorted(config.profiles) == ["padded", "single quoted", "with space", "y"]
    nested = awsconfig.load(str(CONFIGS / "nested"), os.devnull).profiles["default"]
    assert nested["s3"] == {
        "max_concurrent_requests": "20",
        "addressing_style": "virtual",
        "multipart_threshold": "64MB",
    }
    assert nested["output"] == "yaml"


def write(path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    "text, profile, expected",
    [
        (
            "[sso-session corp]\nsso_start_url = https://a/start\nsso_region = eu-west-1\n"
            "sso_registration_scopes = sso:account:access, extra:scope\n[profile dev]\nsso_session = corp\n",
            "dev",
            SsoSession("https://a/start", "eu-west-1", "corp", ("sso:account:access", "extra:scope")),
        ),
        (
            "[default]\nsso_start_url = https://b/start\nsso_region = us-west-2\n",
            "default",
            SsoSession("https://b/start", "us-west-2"),
        ),
        (
            '[profile "with space"]\nsso_session = s\n[sso-session s]\nsso_start_url = u\nsso_region = r\n',
            "with space",
            SsoSession("u", "r", "s"),
        ),
    ],
)
def test_profiles_resolve_to_their_sso_session(tmp_path, text, profile, expected):
    config = awsconfig.load(write(tmp_path / "config", text), os.devnull)
    assert config.resolve_session(profile=profile) == expected


def test_aws_profile_picks_the_default_profile(tmp_path, monkeypatch):
    path = write(tmp_path / "config", "[profile x]\nsso_start_url = u\nsso_region = r\n")
    monkeypatch.setenv("AWS_PROFILE", "x")
    assert awsconfig.load(path, os.devnull).resolve_session() == SsoSession("u", "r")


def test_a_profile_without_sso_says_what_to_add(tmp_path):
    path = write(tmp_path / "config", "[profile static]\nregion = us-east-1\n")
    with pytest.raises(ConfigError, match=r"profile 'static' .* has no sso_session or sso_start_url"):
        awsconfig.load(path, os.devnull).resolve_session(profile="static")


def test_a_missing_role_is_named(tmp_path):
    path = write(tmp_path / "config", "[profile p]\nsso_start_url = u\nsso_region = r\nsso_account_id = 1\n")
    with pytest.raises(ConfigError, match=r"profile 'p' .* is missing 'sso_role_name'"):
        awsconfig.load(path, os.devnull).resolve_target("p")


def test_environment_variables_choose_the_files(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "c"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "k"))
    assert paths.aws_config_file() == str(tmp_path / "c")
    assert paths.aws_credentials_file() == str(tmp_path / "k")


def test_cache_and_config_dirs_agree_with_platformdirs():
    import platformdirs

    assert paths.user_cache_dir() == platformdirs.user_cache_dir("ssohelper", appauthor=False)
    assert paths.user_config_dir() == platformdirs.user_config_dir("ssohelper", appauthor=False)
    assert paths.user_data_dir() == platformdirs.user_data_dir("ssohelper", appauthor=False)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG runtime dirs are a Linux thing")
def test_role_credentials_prefer_the_runtime_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert paths.role_cache_dir() == str(tmp_path / "ssohelper" / "credentials")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "missing"))
    assert paths.role_cache_dir().startswith(paths.user_cache_dir())


def test_parse_errors_never_echo_the_line(tmp_path):
    secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"
    path = write(tmp_path / "credentials", f"[dev]\naws_secret_access_key {secret}\n")
    with pytest.raises(ConfigError) as caught:
        awsconfig.load(os.devnull, path)
    assert "line 2" in str(caught.value) and secret not in str(caught.value)

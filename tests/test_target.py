"""One rule for the fast and the slow path: both resolve every argument form the same way."""

from __future__ import annotations

import os
import time

import pytest
from helpers import ACCOUNT, ROLE, write_config

from ssohelper import errors, fastpath, settings, target
from ssohelper.cache import rolestore
from ssohelper.cache.memo import memo_path
from ssohelper.cli.process import credential_process
from ssohelper.ini import profiles
from ssohelper.models import RoleCredentials, SsoSession, Token
from ssohelper.tokens import tokencache

URL = "https://corp.awsapps.com/start"
S = ["--account-id", ACCOUNT, "--role-name", ROLE]
NAMED = rolestore.target_entry_name("corp", "https://corp.awsapps.com/start", ACCOUNT, ROLE)
LEGACY = rolestore.entry_name(f"u-{URL}", ACCOUNT, ROLE)
CORP = SsoSession(start_url=URL, region="us-east-1", name="corp")

# (argv, the entry both must serve, or the exit code both must give). Both sessions' tokens
# have expired (no refresh token), so a miss that reaches the token ends in "login required".
FORMS = [
    pytest.param(["--sso-session", "corp", *S], NAMED, id="sso-session"),
    pytest.param(["--start-url", URL, "--sso-region", "us-east-1", *S], LEGACY, id="start-url"),
    pytest.param(["--profile", "dev"], NAMED, id="profile-sso_session"),
    pytest.param(["--profile", "legacy"], LEGACY, id="profile-legacy-start-url"),
    pytest.param(["--profile", "proc"], NAMED, id="profile-credential_process"),
    pytest.param(["--profile", "via-profile"], NAMED, id="profile-credential_process-profile"),
    pytest.param(["--profile", "loop"], errors.EXIT_CONFIG, id="profile-credential_process-loop"),
    pytest.param(["--sso-session", "gone", *S], errors.EXIT_CONFIG, id="missing-session"),
    pytest.param(["--profile", "nobody"], errors.EXIT_CONFIG, id="missing-profile"),
    pytest.param(["--profile", "dev", "--account-id", ACCOUNT], errors.EXIT_USAGE, id="mixed-targets"),
    pytest.param(["--sso-session", "corp", "--start-url", URL, *S], errors.EXIT_USAGE, id="session-and-url"),
    pytest.param(["--start-url", URL, *S], errors.EXIT_USAGE, id="url-without-region"),
    pytest.param(["--sso-session", "corp", "--role-name", ROLE], errors.EXIT_USAGE, id="no-account"),
    pytest.param(["--sso-session=corp", f"--account-id={ACCOUNT}", f"--role-name={ROLE}"], NAMED, id="opt=value"),
    pytest.param(["-s", "corp", *S], NAMED, id="short-session"),
    pytest.param(["-scorp", *S], NAMED, id="short-attached"),
    pytest.param(["-p", "legacy"], LEGACY, id="short-profile"),
    pytest.param(["--profile", "dev", "--auto-login"], NAMED, id="auto-login"),
    pytest.param(["--profile", "dev", "--min-ttl", "10"], NAMED, id="min-ttl-below-left"),
    pytest.param(["--profile", "dev", "--min-ttl", "30"], errors.EXIT_LOGIN_REQUIRED, id="min-ttl-above-left"),
    pytest.param(["--profile", "dev", "--min-ttl", "-5"], errors.EXIT_USAGE, id="negative-min-ttl"),
    pytest.param(["--profile", "dev", "--lock-timeout", "-1"], errors.EXIT_USAGE, id="negative-lock-timeout"),
    pytest.param(
        ["--sso-session", "corp", "--account-id", "12345", "--role-name", ROLE], errors.EXIT_USAGE, id="short-account"
    ),
]


PROCESS_PROFILES = f"""
[profile proc]
credential_process = /opt/bin/ssohelper credential-process --sso-session corp --account-id {ACCOUNT} --role-name {ROLE}
[profile via-profile]
credential_process = ssohelper credential-process --profile dev
[profile loop]
credential_process = ssohelper credential-process --profile via-profile
"""


@pytest.fixture
def warm(isolated_home):
    """Both entries cached with 20 minutes left; their sessions' token files exist but have expired.
    Beside the native profiles, three that run ssohelper as their credential_process."""
    config = write_config(isolated_home, extra=PROCESS_PROFILES)
    for session in (CORP, SsoSession(start_url=URL, region="us-east-1")):
        tokencache.save_token(session, Token(URL, "us-east-1", "expired-access", time.time() - 60))
    for name in (NAMED, LEGACY):
        creds = RoleCredentials("ASIA" + name[:4].upper().ljust(16, "X"), "s", "t", time.time() + 20 * 60, ACCOUNT)
        assert rolestore.FileStore().write(name, rolestore.encode_entry(creds))
    return config


@pytest.mark.parametrize("argv, expected", FORMS)
def test_fast_and_slow_paths_agree(warm, cli, capsys, argv, expected):
    capsys.readouterr()
    fast = fastpath.serve_cached(argv)
    fast_out = capsys.readouterr().out
    slow = cli("credential-process", *argv)
    if isinstance(expected, str):
        document = rolestore.decode_entry(rolestore.FileStore().read(expected), now=time.time(), min_ttl=0)
        assert fast == 0 and fast_out == document + "\n"
        assert slow.code == 0 and slow.out == fast_out, slow.err
    else:
        assert fast is None and fast_out == ""  # not answered here: the slow path reports
        assert slow.code == expected and slow.out == "", slow.err
        assert "Traceback" not in slow.err and len(slow.err.strip().splitlines()) <= 3


def test_the_fast_path_knows_exactly_the_commands_options():
    declared = {opt for param in credential_process.params for opt in param.opts + param.secondary_opts}
    known = set(settings.VALUE_OPTIONS) | {s for s in settings.VALUE_OPTIONS.values() if s} | set(settings.FLAGS)
    assert declared == known


def test_a_removed_session_stops_the_cache_hit_on_both_paths(warm, cli, isolated_home):
    argv = ["--sso-session", "corp", *S]
    assert fastpath.serve_cached(argv) == 0  # remembered
    write_config(isolated_home, extra="").write_text("[profile other]\nregion = us-east-1\n")
    assert fastpath.serve_cached(argv) is None
    assert cli("credential-process", *argv).code == errors.EXIT_CONFIG


@pytest.mark.parametrize("argv", [["--sso-session", "corp", *S], ["--profile", "legacy"]])
def test_a_deleted_token_file_stops_the_cache_hit_on_both_paths(warm, cli, argv):
    """A logout by any tool (aws sso logout too) deletes the token file: cached roles stop."""
    session = CORP if "corp" in argv else SsoSession(start_url=URL, region="us-east-1")
    os.remove(tokencache.token_path(session))
    assert fastpath.serve_cached(argv) is None
    result = cli("credential-process", *argv)
    assert result.code == errors.EXIT_LOGIN_REQUIRED and result.out == ""
    assert f"is not signed in; run: {session.login_command()}" in result.err
    assert rolestore.FileStore().read(NAMED if "corp" in argv else LEGACY) is None  # forgotten


def test_a_profile_is_looked_up_once_per_config_version(warm, monkeypatch):
    from ssohelper.ini import read

    parsed = []
    real = read.read_sections
    monkeypatch.setattr(read, "read_sections", lambda path: parsed.append(path) or real(path))
    assert target.resolve({"--profile": "dev"}).entry_name == NAMED
    assert target.resolve({"--profile": "dev"}).entry_name == NAMED
    assert len(parsed) == 1
    with open(warm, "a") as handle:
        handle.write("\n[profile added]\nregion = eu-west-1\n")
    assert target.resolve({"--profile": "dev"}).entry_name == NAMED
    assert len(parsed) == 2


def test_a_tampered_memo_is_ignored(warm):
    assert target.resolve({"--profile": "dev"}).entry_name == NAMED
    memo = memo_path("p", "dev")
    with open(memo, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    lines[3] = "elsewhere"
    lines[1] = "/not/the/config"
    with open(memo, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    assert target.resolve({"--profile": "dev"}).entry_name == NAMED


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--profile", "dev"], {"--profile": "dev"}),
        (["-p", "dev", "--debug"], {"--profile": "dev", "--debug": ""}),
        (["--min-ttl=5", "-sS"], {"--min-ttl": "5", "--sso-session": "S"}),
        (["--help"], None),
        (["--profile"], None),
        (["--profile="], None),
        (["--bogus", "x"], None),
        (["-x"], None),
    ],
)
def test_argument_lists_parse_or_are_left_to_click(argv, expected):
    assert settings.parse(argv) == expected


@pytest.mark.parametrize("name", ["corp", None])
def test_the_fast_and_slow_paths_name_the_same_files_and_locks(name, isolated_home):
    import hashlib

    from ssohelper import paths
    from ssohelper.models import RoleTarget
    from ssohelper.roles import credential_process
    from ssohelper.signin import login

    url = "https://corp.awsapps.com/start"
    session = SsoSession(url, "us-east-1", name)
    fast = profiles.RoleRef(name, url, "us-east-1", ACCOUNT, ROLE)
    key = hashlib.sha1((name or url).encode()).hexdigest()  # the AWS CLI's rule
    assert paths.session_key(session.name, session.start_url) == tokencache.token_key(session) == key
    assert fast.token_file == tokencache.token_path(session) == os.path.join(paths.sso_cache_dir(), key + ".json")
    assert fast.entry_name == credential_process.target_entry(RoleTarget(session, ACCOUNT, ROLE))
    locks = {rolestore.lock_path(fast.entry_name), tokencache.lock_path(session), login.signin_lock_path(session)}
    assert {os.path.dirname(p) for p in locks} == {paths.lock_dir()}
    assert sorted(os.path.basename(p).split("-", 1)[0] for p in locks) == ["role", "session", "signin"]

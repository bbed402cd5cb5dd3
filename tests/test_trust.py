"""Trust nothing another user can write: cache entries, memos, locks and tokens.

The tests run as root, so "another user" is simulated by chown to uid 65534 (nobody).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from helpers import ACCOUNT, ROLE, run_ssohelper

from ssohelper import errors, paths, target
from ssohelper.cache import fileio, rolestore
from ssohelper.cache.memo import memo_path
from ssohelper.models import SsoSession, Token
from ssohelper.tokens import tokencache

CORP = SsoSession(start_url="https://corp.awsapps.com/start", region="us-east-1", name="corp")
ARGS = ("credential-process", "--sso-session", "corp", "--account-id", ACCOUNT, "--role-name", ROLE)
ENTRY = rolestore.target_entry_name("corp", "https://corp.awsapps.com/start", ACCOUNT, ROLE)
OTHER = 65534
ATTACKER_KEY = "ASIAATTACKERATTACKER"
ATTACKER_ENTRY = (
    f"{rolestore.HEADER}\n9e99\n"
    f'{{"Version":1,"AccessKeyId":"{ATTACKER_KEY}","SecretAccessKey":"evil","SessionToken":"evil",'
    f'"Expiration":"2099-01-01T00:00:00Z","AccountId":"{ACCOUNT}"}}\n'
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="uids and mode bits are POSIX")


@pytest.fixture
def shared_runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A world-writable XDG_RUNTIME_DIR, as when it points at /tmp."""
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    runtime.chmod(0o1777)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    return runtime


def _own_dirs(runtime: Path) -> Path:
    credentials = runtime / "ssohelper" / "credentials"
    credentials.mkdir(parents=True, mode=0o700)
    (runtime / "ssohelper").chmod(0o700)
    credentials.chmod(0o700)
    return credentials


def plant(runtime: Path, how: str) -> Path:
    """Put the attacker's entry where the victim's cache entry for ENTRY is looked up."""
    elsewhere = runtime / "attacker.cred"
    elsewhere.write_text(ATTACKER_ENTRY)
    if how == "foreign dirs":  # the attacker got there first and made the directories
        credentials = runtime / "ssohelper" / "credentials"
        credentials.mkdir(parents=True)
        for directory in (credentials.parent, credentials):
            directory.chmod(0o755)
            os.chown(directory, OTHER, OTHER)
    elif how == "credentials dir is a link":
        (runtime / "ssohelper").mkdir(mode=0o700)
        theirs = runtime / "theirs"
        theirs.mkdir(mode=0o755)
        os.chown(theirs, OTHER, OTHER)
        (runtime / "ssohelper" / "credentials").symlink_to(theirs)
        credentials = theirs
    else:
        credentials = _own_dirs(runtime)
    entry = credentials / f"{ENTRY}.cred"
    if how == "symlink":
        entry.symlink_to(elsewhere)  # even to a file of the victim's own: never followed
        return entry
    entry.write_text(ATTACKER_ENTRY)
    entry.chmod(0o644)
    if how in ("foreign dirs", "foreign file", "credentials dir is a link"):
        os.chown(entry, OTHER, OTHER)
    elif how == "world-writable dir":
        credentials.chmod(0o777)
    elif how == "group-writable dir":
        credentials.chmod(0o770)
        os.chown(credentials, os.getuid(), OTHER)
    elif how == "world-writable file":
        entry.chmod(0o666)
    return entry


PLANTS = [
    "foreign dirs",
    "foreign file",
    "world-writable dir",
    "group-writable dir",
    "world-writable file",
    "symlink",
    "credentials dir is a link",
]


@pytest.mark.parametrize("how", PLANTS)
def test_a_planted_role_entry_never_serves_the_attackers_keys(config, emulator, shared_runtime, how):
    plant(shared_runtime, how)
    result = run_ssohelper(*ARGS, "--debug")
    assert result.returncode == errors.EXIT_LOGIN_REQUIRED, result.stderr
    assert result.stdout == "" and ATTACKER_KEY not in result.stderr
    assert "is not signed in; run: ssohelper login --sso-session corp" in result.stderr
    assert "another user could have written it" in result.stderr


def test_the_planted_entry_would_be_served_without_the_checks(config, emulator, shared_runtime):
    """The same entry, the victim's own in a private directory: served (so the test above can fail)."""
    tokencache.save_token(CORP, Token(CORP.start_url, CORP.region, "signed-in", time.time() + 3600))
    entry = _own_dirs(shared_runtime) / f"{ENTRY}.cred"
    entry.write_text(ATTACKER_ENTRY)
    entry.chmod(0o600)
    result = run_ssohelper(*ARGS)
    assert result.returncode == 0 and ATTACKER_KEY in result.stdout


@pytest.mark.parametrize("how", ["foreign dirs", "foreign file", "symlink"])
def test_signed_in_it_fetches_its_own_credentials_instead(cli, config, emulator, shared_runtime, how):
    planted = plant(shared_runtime, how)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    for _ in range(2):
        result = run_ssohelper(*ARGS)
        assert result.returncode == 0, result.stderr
        assert ATTACKER_KEY not in result.stdout and json.loads(result.stdout)["AccessKeyId"].startswith("ASIA")
    assert ATTACKER_KEY in (shared_runtime / "attacker.cred").read_text()  # never written through a link
    if how == "foreign dirs":  # nothing is written in their directory: each call is a fetch
        assert ATTACKER_KEY in planted.read_text() and emulator.calls["GetRoleCredentials"] == 2
    else:  # in the user's own directory, the planted entry is replaced by the user's own
        assert not planted.is_symlink() and planted.stat().st_uid == os.getuid()
        assert emulator.calls["GetRoleCredentials"] == 1


def test_group_write_is_fine_for_the_users_own_private_group(tmp_path):
    """umask 002 systems: `aws sso login` leaves ~/.aws/sso/cache 0775, group = the user's own."""
    directory = tmp_path / "cache"
    directory.mkdir()
    directory.chmod(0o775)
    (directory / "entry").write_text("x")
    (directory / "entry").chmod(0o664)
    assert fileio.read_trusted(str(directory / "entry")) == b"x"  # root:root here
    os.chown(directory, os.getuid(), OTHER)
    with pytest.raises(fileio.Untrusted, match="writable by its group"):
        fileio.read_trusted(str(directory / "entry"))


def test_a_planted_target_memo_is_ignored(config):
    options = {"--profile": "dev"}
    assert target.resolve(options).account_id == ACCOUNT  # writes the memo
    memo = Path(memo_path("p", "dev"))
    lines = memo.read_text().split("\n")
    lines[6] = "999999999999"
    memo.write_text("\n".join(lines))
    assert target.resolve(options).account_id == "999999999999"  # a memo of the user's is believed
    os.chown(memo, OTHER, OTHER)
    assert target.resolve(options).account_id == ACCOUNT


def test_ensure_private_dir_refuses_a_directory_of_someone_else(tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o755)
    os.chown(theirs, OTHER, OTHER)
    with pytest.raises(fileio.Untrusted, match="belongs to uid 65534"):
        fileio.ensure_private_dir(str(theirs))
    loose = tmp_path / "loose"
    loose.mkdir()
    loose.chmod(0o777)
    with pytest.raises(fileio.Untrusted, match="writable by everyone"):
        fileio.ensure_private_dir(str(loose))
    loose.chmod(0o755)
    fileio.ensure_private_dir(str(loose))  # readable by others: tightened
    assert loose.stat().st_mode & 0o777 == 0o700
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError):
        fileio.ensure_private_dir(str(tmp_path / "file"))
    with pytest.raises(NotADirectoryError):
        fileio.ensure_private_dir(str(tmp_path / "file" / "sub"))


@pytest.fixture
def token(cli, config, emulator) -> Path:
    """A real sign-in's token file; the user's own, so it works (the control for the test below)."""
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    path = Path(tokencache.token_path(CORP))
    result = run_ssohelper(*ARGS, "--min-ttl", "3600")  # longer than the role lasts: never cached
    assert result.returncode == 0, result.stderr
    return path


@pytest.mark.parametrize("how", ["foreign file", "symlink", "foreign dir", "world-writable dir"])
def test_a_planted_token_file_is_refused_naming_the_path(token, emulator, how):
    if how == "foreign file":
        os.chown(token, OTHER, OTHER)
    elif how == "symlink":
        moved = token.with_name("elsewhere")
        token.rename(moved)
        token.symlink_to(moved)
    elif how == "foreign dir":
        os.chown(token.parent, OTHER, OTHER)
    else:
        token.parent.chmod(0o777)
    result = run_ssohelper(*ARGS, "--min-ttl", "3600")
    assert result.returncode == errors.EXIT_CONFIG, result.stderr
    assert result.stdout == "" and emulator.calls["GetRoleCredentials"] == 1
    refused = str(token.parent) if "dir" in how else str(token)
    assert f"ssohelper: refusing to use {refused} " in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_planted_lock_file_is_not_used(tmp_path, monkeypatch):
    """A lock file another user made (they could hold it forever): work without the lock."""
    from ssohelper.cache import locks

    lock = tmp_path / "locks" / "role-x.lock"
    lock.parent.mkdir(mode=0o700)
    lock.write_text("")
    os.chown(lock, OTHER, OTHER)
    locks.acquire(str(lock), timeout=0.1, what="test")
    assert str(lock) not in locks._held
    os.chown(lock, os.getuid(), os.getgid())
    locks.acquire(str(lock), timeout=0.1, what="test")
    assert str(lock) in locks._held
    locks.release(str(lock))


def test_paths_follow_the_runtime_dir(shared_runtime):
    assert paths.role_cache_dir() == str(shared_runtime / "ssohelper" / "credentials")


def test_logout_removes_a_token_file_it_refuses_to_use(token, cli):
    os.chown(token, OTHER, OTHER)
    result = cli("logout", "--sso-session", "corp")
    assert result.code == 0, result.err
    assert not token.exists() and "refusing to use" in result.err


def test_the_repr_of_tokens_and_credentials_shows_no_secret():
    from ssohelper.models import RoleCredentials, Token

    token = Token("https://x", "us-east-1", "ACCESS-TOKEN-SECRET", 1.0, "cid", "CLIENT-SECRET", 2.0, "REFRESH-SECRET")
    creds = RoleCredentials("ASIAEXAMPLEKEY", "SECRET-KEY", "SESSION-TOKEN", 1.0, "111111111111")
    shown = repr(token) + repr(creds)
    for secret in ("ACCESS-TOKEN-SECRET", "CLIENT-SECRET", "REFRESH-SECRET", "SECRET-KEY", "SESSION-TOKEN"):
        assert secret not in shown
    assert "https://x" in shown and "cid" in shown


def test_a_cache_dir_under_another_users_directory_is_not_used(config, emulator, shared_runtime, cli):
    """The attacker makes the app directory in a shared runtime dir first: nothing below it is
    created, used or chmodded, and credentials are still fetched (without a cache)."""
    theirs = shared_runtime / "ssohelper"
    theirs.mkdir(mode=0o777)
    theirs.chmod(0o777)
    os.chown(theirs, OTHER, OTHER)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    result = run_ssohelper("credential-process", "--profile", "dev")
    assert result.returncode == 0 and result.stdout.startswith('{"Version":1,'), result.stderr
    assert os.listdir(theirs) == []
    with pytest.raises(fileio.Untrusted, match="belongs to uid 65534"):
        fileio.ensure_private_dir(str(theirs / "credentials"))


def test_a_fifo_where_the_config_should_be_is_refused_at_once(isolated_home):
    config = isolated_home / ".aws" / "config"
    config.parent.mkdir()
    os.mkfifo(config)
    for args in (("credential-process", "--profile", "dev"), ("status",), ("list",), ("audit",)):
        result = run_ssohelper(*args, timeout=20)
        assert result.returncode == errors.EXIT_CONFIG, (args, result.stderr)
        assert "not a regular file" in result.stderr, (args, result.stderr)

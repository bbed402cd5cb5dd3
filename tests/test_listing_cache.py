"""The listing cache: per session, 0600 and trusted as the role cache is, its age shown,
--refresh, a max age, dropped on logout, never used by populate; shell completion from it."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run_ssohelper

from ssohelper import paths
from ssohelper.cache import listing

ACCOUNTS = {
    "111111111111": {"name": "dev", "roles": ["Developer", "ReadOnly"]},
    "222222222222": {"name": "prod", "roles": ["ReadOnly"]},
}
ROWS = [
    {"accountId": "111111111111", "accountName": "dev", "roleName": "Developer"},
    {"accountId": "111111111111", "accountName": "dev", "roleName": "ReadOnly"},
    {"accountId": "222222222222", "accountName": "prod", "roleName": "ReadOnly"},
]


def portal_calls(emulator) -> int:
    return emulator.calls["ListAccounts"] + emulator.calls["ListAccountRoles"]


@pytest.fixture
def listed(cli, config, emulator):
    """Signed in, and listed once: the cache holds the listing."""
    emulator.configure(accounts=ACCOUNTS)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    first = cli("list", "--sso-session", "corp", "--output", "json")
    assert first.code == 0 and json.loads(first.out) == ROWS
    assert "cached" not in first.err
    emulator.reset_calls()
    return emulator


def cache_file() -> Path:
    return Path(listing.path_for("corp", "https://corp.awsapps.com/start"))


def test_a_second_list_answers_from_the_cache_with_its_age(cli, listed):
    again = cli("list", "--sso-session", "corp", "--output", "json")
    assert again.code == 0 and json.loads(again.out) == ROWS
    assert portal_calls(listed) == 0
    assert "(cached 0 s ago; --refresh asks the portal again)" in again.err
    refreshed = cli("list", "--sso-session", "corp", "--output", "json", "--refresh")
    assert json.loads(refreshed.out) == ROWS and "cached" not in refreshed.err
    assert portal_calls(listed) == 1 + 2


def test_the_cache_file_is_private(listed):
    path = cache_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_listing_older_than_the_max_age_is_fetched_again(cli, listed):
    document = json.loads(cache_file().read_text())
    document["fetched_at"] -= 61 * 60
    cache_file().write_text(json.dumps(document))
    result = cli("list", "--sso-session", "corp", "--output", "json")
    assert "cached" not in result.err and portal_calls(listed) == 3
    assert "(cached 0 s ago" in cli("list", "--sso-session", "corp").err  # stored again
    settings = Path(paths.settings_file())
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text("[list]\ncache_max_age_minutes = 120\n")
    document["fetched_at"] = json.loads(cache_file().read_text())["fetched_at"] - 61 * 60
    cache_file().write_text(json.dumps(document))
    assert "(cached 61 min ago" in cli("list", "--sso-session", "corp").err
    settings.write_text("[list]\ncache_max_age_minutes = 0\n")  # off
    listed.reset_calls()
    assert "cached" not in cli("list", "--sso-session", "corp").err and portal_calls(listed) == 3
    settings.write_text("[list]\ncache_max_age_minutes = soon\n")
    bad = cli("list", "--sso-session", "corp")
    assert bad.code == 4 and "cache_max_age_minutes must be a number of minutes" in bad.err


@pytest.mark.parametrize("what", ["file", "directory"])
def test_a_cache_another_user_could_write_is_not_used(listed, what):
    target = cache_file() if what == "file" else cache_file().parent
    target.chmod(0o666 if what == "file" else 0o777)
    result = run_ssohelper("list", "--sso-session", "corp", "--output", "json", "--debug")
    assert json.loads(result.stdout) == ROWS and portal_calls(listed) == 3
    assert "is writable by everyone" in result.stderr


def test_garbage_in_the_cache_is_a_miss(cli, listed):
    cache_file().write_text('{"format": "ssohelper-listing 1", "rows": [[1]]}')
    result = cli("list", "--sso-session", "corp", "--output", "json")
    assert result.code == 0 and json.loads(result.out) == ROWS and portal_calls(listed) == 3


def test_logout_drops_the_listing_and_so_does_a_gone_token(cli, listed):
    assert cache_file().exists()
    assert cli("logout", "--sso-session", "corp").code == 0
    assert not cache_file().exists()
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    assert cli("list", "--sso-session", "corp").code == 0 and cache_file().exists()
    Path(paths.sso_token_file("corp", "")).unlink()  # `aws sso logout` removes only the token
    result = cli("list", "--sso-session", "corp")
    assert result.code != 0 and "cached" not in result.err


def test_populate_and_prune_ask_the_portal_not_the_cache(cli, listed):
    listed.configure(accounts={"111111111111": ACCOUNTS["111111111111"]})  # prod is gone; the cache still has it
    result = cli("populate", "--sso-session", "corp", "--prune", "--dry-run")
    assert result.code == 0, result.err
    assert portal_calls(listed) == 2
    assert "222222222222" not in result.out


def test_shell_completion_offers_account_ids_names_and_roles_from_the_cache(listed):
    def complete(words: str) -> list[str]:
        env = dict(os.environ, _SSOHELPER_COMPLETE="bash_complete", COMP_WORDS=words, COMP_CWORD="3")
        result = run_ssohelper(env=env)
        return [line.split(",", 1)[1] for line in result.stdout.splitlines()]

    assert complete("ssohelper credential-process --account-id ") == ["111111111111", "222222222222"]
    assert complete("ssohelper credential-process --account-id pro") == ["222222222222"]  # by account name
    assert complete("ssohelper credential-process --role-name R") == ["ReadOnly"]
    assert complete("ssohelper migrate-profiles --role-name ") == ["Developer", "ReadOnly"]
    assert portal_calls(listed) == 0


def test_list_from_the_cache_imports_no_botocore(listed):
    code = (
        "import sys; from ssohelper.cli.app import run; "
        "code = run(['list', '--sso-session', 'corp', '--output', 'text']); "
        "print('botocore' in sys.modules, code, file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.count("\n") == 3
    assert result.stderr.strip().endswith("False 0"), result.stderr
    assert portal_calls(listed) == 0


def test_after_the_start_url_changes_no_cache_of_the_old_instance_is_served(cli, listed, config):
    """A session renamed to another instance (its sso_start_url edited): its old role credentials
    and accounts belong to the old instance, and neither the fast path nor list may serve them."""
    args = ["credential-process", "--sso-session", "corp", "--account-id", "111111111111", "--role-name", "Developer"]
    old = run_ssohelper(*args)
    assert old.returncode == 0, old.stderr
    assert run_ssohelper(*args).stdout == old.stdout  # a cache hit while nothing changed
    config.write_text(config.read_text().replace("https://corp.awsapps.com/start", "https://other.awsapps.com/start"))
    again = run_ssohelper(*args)
    assert old.stdout not in again.stdout
    assert again.returncode == 3 and "ssohelper login --sso-session corp" in again.stderr, again.stderr
    listed_again = cli("list", "--sso-session", "corp", "--output", "json")
    assert listed_again.code == 3 and listed_again.out == ""
    exported = run_ssohelper("export", "--profile", "dev")
    assert exported.returncode == 3 and json.loads(old.stdout)["AccessKeyId"] not in exported.stdout

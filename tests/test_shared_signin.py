"""One sign-in for every tool: where long-lived secrets go (secrets = auto | keyring | file),
logout everywhere, and a token file that is gone or unreadable. Real parts: the emulator, the
real Secret Service (gnome-keyring), botocore's own SSO provider for the AWS CLI's cache."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import pytest
from helpers import (
    ACCOUNT,
    AS_OTHER_USER,
    OTHER_UID,
    ROLE,
    require_other_user,
    run_ssohelper,
    ssohelper_cmd,
    write_config,
)
from test_secrets import PROCESS_ONLY

from ssohelper import times
from ssohelper.models import SsoSession
from ssohelper.tokens import awscli_cache, tokencache
from ssohelper.tokens.vault import TokenVault

CORP = SsoSession(start_url="https://corp.awsapps.com/start", region="us-east-1", name="corp")
KEYRING_KEY = "token/" + tokencache.token_key(CORP)
NATIVE_EXTRA = f"\n[profile native]\nsso_session = corp\nsso_account_id = {ACCOUNT}\nsso_role_name = {ROLE}\n"


def token_file() -> dict:
    return json.loads(Path(tokencache.token_path(CORP)).read_text())


def set_minutes_left(minutes: float) -> None:
    """Age the cached token as a clock would (the file's other fields stay as they are)."""
    raw = token_file()
    raw["expiresAt"] = times.format_epoch(time.time() + minutes * 60)
    Path(tokencache.token_path(CORP)).write_text(json.dumps(raw))


def settings(home: Path, text: str) -> None:
    path = home / ".config" / "ssohelper" / "config"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def process_only_config(home: Path) -> None:
    (home / ".aws").mkdir(exist_ok=True)
    (home / ".aws" / "config").write_text(PROCESS_ONLY)


def test_a_native_profile_keeps_the_secrets_in_the_token_file(cli, config, emulator, secret_service):
    result = cli("login", "--sso-session", "corp", "--no-browser")
    assert result.code == 0, result.err
    raw = token_file()
    assert raw["refreshToken"] and raw["clientSecret"] and raw["clientId"]
    assert secret_service.get_password("ssohelper", KEYRING_KEY) is None
    assert "why: secrets = auto, and profile(s) 'dev' use this session" in result.err
    status = run_ssohelper("status")
    where = "  secrets: the token file (0600), where the AWS CLI keeps them; "
    assert where + "why: secrets = auto, and profile(s) 'dev'" in status.stdout


def test_a_new_native_profile_moves_the_secrets_back_to_the_file(cli, isolated_home, emulator, secret_service):
    process_only_config(isolated_home)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    assert "refreshToken" not in token_file() and secret_service.get_password("ssohelper", KEYRING_KEY)
    with open(isolated_home / ".aws" / "config", "a") as handle:
        handle.write(NATIVE_EXTRA)
    status = run_ssohelper("status")
    assert status.returncode == 0, status.stderr
    assert (
        "ssohelper: moved the refresh token and client secret of 'corp' from the OS keyring to the token file: "
        "secrets = auto, and profile(s) 'native' use this session" in status.stderr
    )
    assert token_file()["refreshToken"] and token_file()["clientSecret"]
    assert secret_service.get_password("ssohelper", KEYRING_KEY) is None
    assert "moved" not in run_ssohelper("status").stderr  # once


def aws_sso_login(emulator_url: str, minutes_left: float) -> dict:
    """A token file as `aws sso login` writes it: its own client, secrets in the file, compact JSON."""
    oidc = boto3.client("sso-oidc", region_name="us-east-1", endpoint_url=emulator_url)
    client = oidc.register_client(clientName="botocore-client-corp", clientType="public", scopes=["sso:account:access"])
    device = oidc.start_device_authorization(
        clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=CORP.start_url
    )
    token = oidc.create_token(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        grantType="urn:ietf:params:oauth:grant-type:device_code",
        deviceCode=device["deviceCode"],
    )
    raw = {
        "startUrl": CORP.start_url,
        "region": "us-east-1",
        "accessToken": token["accessToken"],
        "expiresAt": times.format_epoch(time.time() + minutes_left * 60),
        "clientId": client["clientId"],
        "clientSecret": client["clientSecret"],
        "registrationExpiresAt": times.format_epoch(client["clientSecretExpiresAt"]),
        "refreshToken": token["refreshToken"],
    }
    path = Path(tokencache.token_path(CORP))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(raw, separators=(",", ":")))
    return raw


def test_a_token_file_from_aws_sso_login_keeps_its_secrets(cli, isolated_home, emulator, secret_service):
    process_only_config(isolated_home)  # auto would choose the keyring for a login of its own
    before = aws_sso_login(emulator.url, minutes_left=3)
    result = cli("login", "--sso-session", "corp", "--no-browser")
    assert result.code == 0 and "Renewed the sign-in" in result.err, result.err
    after = token_file()
    assert after["clientSecret"] == before["clientSecret"] and after["clientId"] == before["clientId"]
    assert after["refreshToken"] and after["refreshToken"] != before["refreshToken"]  # rotated, still in the file
    assert after["accessToken"] != before["accessToken"]
    assert secret_service.get_password("ssohelper", KEYRING_KEY) is None
    assert "another tool (such as aws sso login) wrote them to the token file" in result.err
    assert emulator.calls["StartDeviceAuthorization"] == 1  # only the one aws sso login made


def test_secrets_keyring_forces_the_keyring_and_names_native_profiles(cli, config, emulator, secret_service):
    result = cli("login", "--sso-session", "corp", "--no-browser", "--secrets", "keyring")
    assert result.code == 0, result.err
    assert "refreshToken" not in token_file() and secret_service.get_password("ssohelper", KEYRING_KEY)
    warning = "warning: profile 'dev' uses this session through the AWS CLI's or an SDK's own SSO support"
    assert warning in result.err
    settings(Path(os.environ["HOME"]), "[login]\nsecrets = keyring\n")
    status = run_ssohelper("status")
    assert "why: secrets = keyring" in status.stdout and warning not in status.stdout
    assert "warning: corp: profile 'dev' uses this session" in status.stderr
    assert "moved" not in status.stderr


def test_secrets_file_keeps_everything_out_of_the_keyring(cli, isolated_home, emulator, secret_service):
    process_only_config(isolated_home)
    settings(isolated_home, "[login]\nsecrets = file\n")
    result = cli("login", "--sso-session", "corp", "--no-browser")
    assert result.code == 0 and "why: secrets = file" in result.err, result.err
    assert token_file()["refreshToken"] and token_file()["clientSecret"]
    registrations = [json.loads(p.read_text()) for p in Path(tokencache.token_path(CORP)).parent.glob("*.json")]
    assert all("clientSecret" in r for r in registrations)  # ssohelper's registration too
    assert secret_service.get_password("ssohelper", KEYRING_KEY) is None


def test_a_bad_secrets_setting_is_a_config_error(cli, config, isolated_home):
    settings(isolated_home, "[login]\nsecrets = vault\n")
    result = cli("login", "--sso-session", "corp", "--no-browser")
    assert result.code == 4 and "secrets must be one of auto, keyring, file, not 'vault'" in result.err


@pytest.mark.parametrize("where", ["file", "keyring"])
def test_a_refresh_without_a_new_refresh_token_keeps_the_old_one(cli, isolated_home, emulator, where, request):
    if where == "keyring":
        service = request.getfixturevalue("secret_service")
        process_only_config(isolated_home)
    else:
        write_config(isolated_home)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    first = TokenVault(CORP, store=_store() if where == "keyring" else None).load()
    assert first is not None and first.refresh_token
    emulator.configure(rotate_refresh_tokens=False)
    for _ in range(2):  # the kept refresh token works again
        set_minutes_left(3)
        result = cli("login", "--sso-session", "corp", "--no-browser")
        assert result.code == 0 and "Renewed the sign-in" in result.err, result.err
    kept = TokenVault(CORP, store=_store() if where == "keyring" else None).load()
    assert kept is not None and kept.refresh_token == first.refresh_token
    assert kept.access_token != first.access_token and emulator.calls["CreateToken"] == 3
    if where == "keyring":
        assert "refreshToken" not in token_file() and service.get_password("ssohelper", KEYRING_KEY)


def _store():
    from ssohelper.cache import keyringstore

    return keyringstore.secure_keyring()


BOTOCORE_CLI_CACHE = """
import os, sys, botocore.session
from botocore.credentials import JSONFileCache
session = botocore.session.Session(profile=sys.argv[1])
provider = session.get_component("credential_provider").get_provider("sso")
provider.cache = JSONFileCache(os.path.expanduser(os.path.join("~", ".aws", "cli", "cache")))
print(session.get_credentials().get_frozen_credentials().access_key)
"""


def aws_cli_caches(profile: str) -> None:
    """Role credentials cached exactly as the AWS CLI v2 caches them: botocore's SSO provider
    with a JSONFileCache on ~/.aws/cli/cache (so its key rule is botocore's own)."""
    done = subprocess.run([sys.executable, "-c", BOTOCORE_CLI_CACHE, profile], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("ASIA"), done.stderr


def test_logout_removes_the_aws_cli_role_credentials(cli, isolated_home, emulator):
    other = "\n[sso-session other]\nsso_start_url = https://other.awsapps.com/start\nsso_region = us-east-1\n"
    other += f"[profile elsewhere]\nsso_session = other\nsso_account_id = {ACCOUNT}\nsso_role_name = {ROLE}\n"
    write_config(isolated_home, extra=NATIVE_EXTRA.replace("native", "native2") + other)
    for session in ("corp", "other"):
        assert cli("login", "--sso-session", session, "--no-browser").code == 0
    for profile in ("dev", "elsewhere"):
        aws_cli_caches(profile)
    cache = isolated_home / ".aws" / "cli" / "cache"
    assume_role = cache / "assume-role-entry.json"  # not SSO: aws sso logout leaves it
    assume_role.write_text(json.dumps({"ProviderType": "assume-role", "Credentials": {}}))
    corp_entry = cache / (awscli_cache.cache_key(CORP, ACCOUNT, ROLE) + ".json")
    assert corp_entry.exists() and len(list(cache.glob("*.json"))) == 3

    result = cli("logout", "--sso-session", "corp")
    assert result.code == 0 and "1 of the AWS CLI's" in result.err, result.err
    assert not corp_entry.exists() and len(list(cache.glob("*.json"))) == 2
    export = subprocess.run([sys.executable, "-c", BOTOCORE_CLI_CACHE, "dev"], capture_output=True, text=True)
    assert export.returncode != 0  # no cached credentials and no token: the profile needs a sign-in

    everything = cli("logout", "--all")
    assert everything.code == 0, everything.err
    assert [p.name for p in cache.glob("*.json")] == [assume_role.name]
    tokens = (isolated_home / ".aws" / "sso" / "cache").glob("*.json")
    assert not any("accessToken" in json.loads(p.read_text()) for p in tokens)


def test_logout_all_sweeps_tokens_other_tools_left(cli, isolated_home, emulator):
    write_config(isolated_home)
    stray = isolated_home / ".aws" / "sso" / "cache" / "0123456789abcdef.json"
    stray.parent.mkdir(parents=True)
    stray.write_text(json.dumps({"startUrl": "https://x", "region": "us-east-1", "accessToken": "t", "expiresAt": "x"}))
    result = cli("logout", "--all")
    assert result.code == 0 and "Also removed 1 other token file(s)" in result.err, result.err
    assert not stray.exists()


def test_an_unreadable_token_file_is_named_not_called_signed_out(config, isolated_home):
    """As after `sudo aws sso login`: the token file belongs to root and the user cannot read it."""
    path = Path(tokencache.token_path(CORP))
    args = ("credential-process", "--profile", "dev")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        results = _as_nobody(config, args)
    else:
        path.parent.mkdir(parents=True)
        path.write_text("{}")
        path.chmod(0)
        results = [run_ssohelper(*args), run_ssohelper("status")]
    expected = f"can't read {path.name}: permission denied; it should be yours and readable"
    process, status = results
    assert process.returncode == 4 and process.stdout == "" and expected in process.stderr, process.stderr
    assert "not signed in" not in process.stderr
    assert f"corp: cannot tell: {expected}" in status.stdout and status.returncode == 0, status.stderr


def _as_nobody(config: Path, args: tuple[str, ...]) -> list[subprocess.CompletedProcess]:
    require_other_user()
    base = Path(tempfile.mkdtemp(prefix="ssohelper-nobody-"))
    try:
        base.chmod(0o755)
        home = base / "home"
        (home / ".aws" / "sso" / "cache").mkdir(parents=True)
        shutil.copy(config, home / ".aws" / "config")
        for directory in (home, home / ".aws", home / ".aws" / "sso", home / ".aws" / "sso" / "cache"):
            os.chown(directory, OTHER_UID, OTHER_UID)
        env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
        env.update(XDG_CONFIG_HOME=str(home / ".config"), AWS_CONFIG_FILE=str(home / ".aws" / "config"))
        env["AWS_SHARED_CREDENTIALS_FILE"] = str(home / ".aws" / "credentials")
        root_owned = home / ".aws" / "sso" / "cache" / Path(tokencache.token_path(CORP)).name
        root_owned.write_text("{}")
        root_owned.chmod(0o600)  # written by root, as sudo aws sso login does
        return [
            subprocess.run(
                [*AS_OTHER_USER, *ssohelper_cmd(), *argv], capture_output=True, text=True, env=env, timeout=60
            )
            for argv in (args, ("status",))
        ]
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_migrating_to_native_profiles_moves_the_secrets_to_the_file(
    cli, isolated_home, emulator, secret_service, moto_url, monkeypatch
):
    from test_migrate import MOTO_ACCOUNT, iam_user_key

    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    emulator.configure(accounts={MOTO_ACCOUNT: {"name": "moto", "email": "m@example.com", "roles": ["Developer"]}})
    _, key_id, secret = iam_user_key(moto_url)
    aws = isolated_home / ".aws"
    aws.mkdir()
    (aws / "config").write_text(PROCESS_ONLY.split("[profile dev]")[0] + "[profile work]\nregion = us-east-1\n")
    (aws / "credentials").write_text(f"[work]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n")
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    assert secret_service.get_password("ssohelper", KEYRING_KEY)  # only ssohelper used it so far
    result = cli("migrate-profiles", "--sso-session", "corp", "--style", "native", "--yes")
    assert result.code == 0, result.err
    assert (
        "moved the refresh token and client secret of 'corp' from the OS keyring to the token file: "
        "secrets = auto, and profile(s) 'work' use this session" in result.err
    )
    assert token_file()["refreshToken"] and secret_service.get_password("ssohelper", KEYRING_KEY) is None


@pytest.mark.parametrize(
    "mode, secure, native, foreign, where",
    [
        ("auto", True, False, False, "keyring"),
        ("auto", False, False, False, "file"),
        ("auto", True, True, False, "file"),
        ("auto", True, False, True, "file"),
        ("keyring", True, True, True, "keyring"),
        ("keyring", False, False, False, "file"),
        ("file", True, False, False, "file"),
    ],
)
def test_the_secrets_rule(isolated_home, mode, secure, native, foreign, where):
    from test_secrets import MemoryKeyring

    from ssohelper.cache.keyringstore import KeyringStore
    from ssohelper.ini import awsconfig
    from ssohelper.tokens import secrets_policy

    sections = {"sso-session corp": {"sso_start_url": CORP.start_url, "sso_region": "us-east-1"}}
    sections["profile legacy"] = {"sso_start_url": CORP.start_url, "sso_region": "us-east-1"}  # another token file
    if native:
        sections["profile dev"] = {"sso_session": "corp", "sso_account_id": ACCOUNT, "sso_role_name": ROLE}
    config = awsconfig.from_sections("config", sections, "credentials", {})
    if foreign:
        path = Path(tokencache.token_path(CORP))
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"accessToken": "a", "clientId": "aws-cli", "refreshToken": "r"}))
    store = KeyringStore(MemoryKeyring()) if secure else None
    placement = secrets_policy.decide(CORP, mode=mode, store=store, config=config)
    assert placement.where == where and placement.native_profiles == (("dev",) if native else ())
    assert bool(placement.warnings) == (where == "keyring" and native)


def test_logout_all_goes_on_past_a_token_file_it_cannot_trust(cli, isolated_home, emulator):
    write_config(isolated_home)
    cache = isolated_home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    body = json.dumps({"startUrl": "https://x", "region": "us-east-1", "accessToken": "t", "expiresAt": "x"})
    planted, ours = cache / "00planted.json", cache / "ffours.json"  # the untrusted one comes first
    planted.write_text(body)
    ours.write_text(body)
    os.chown(planted, OTHER_UID, OTHER_UID)  # another user's file (the tests run as root)
    result = cli("logout", "--all")
    assert result.code == 0, result.err
    assert "Also removed 1 other token file(s)" in result.err and not ours.exists()
    assert "Left alone: refusing to use" in result.err and planted.name in result.err and planted.exists()


def test_a_logout_by_another_tool_takes_the_keyring_copy_too(cli, isolated_home, emulator, secret_service):
    """`aws sso logout` deletes the token file only: the refresh token ssohelper kept in the
    keyring must not outlive it, and status must not call it "none yet"."""
    process_only_config(isolated_home)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    assert secret_service.get_password("ssohelper", KEYRING_KEY)
    os.remove(tokencache.token_path(CORP))  # what `aws sso logout` does to ssohelper's sign-in
    status = run_ssohelper("status")
    assert status.returncode == 0, status.stderr
    assert "secrets: none: signed out by another tool; the copy in the OS keyring is removed" in status.stdout
    assert secret_service.get_password("ssohelper", KEYRING_KEY) is None

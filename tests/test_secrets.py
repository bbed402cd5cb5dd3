"""Long-lived secrets and role credentials in the OS keyring: a contract every store passes,
and the real thing (gnome-keyring's Secret Service on a private D-Bus)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import keyring
import keyring.backend
import pytest
from helpers import ACCOUNT, ROLE, run_ssohelper

from ssohelper.cache import keyringstore, rolestore
from ssohelper.models import SsoSession
from ssohelper.tokens import tokencache

CORP = SsoSession(start_url="https://corp.awsapps.com/start", region="us-east-1", name="corp")
ARGS = ("credential-process", "--sso-session", "corp", "--account-id", ACCOUNT, "--role-name", ROLE)


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.items[(service, username)]


@pytest.fixture(params=["memory", "secret-service"])
def keyring_backend(request):
    if request.param == "memory":
        return MemoryKeyring()
    return request.getfixturevalue("secret_service")


@pytest.fixture(params=["file", "keyring-memory", "keyring-secret-service"])
def role_store(request):
    if request.param == "file":
        return rolestore.FileStore()
    if request.param == "keyring-memory":
        return rolestore.KeyringRoleStore(MemoryKeyring())
    return rolestore.KeyringRoleStore(request.getfixturevalue("secret_service"))


def test_role_store_contract(role_store):
    assert role_store.read("s-corp+1+R") is None
    role_store.write("s-corp+1+R", "first")
    role_store.write("s-corp+1+R", "second")
    role_store.write("s-other+1+R", "other")
    assert role_store.read("s-corp+1+R") == "second"
    assert sorted(role_store.names()) == ["s-corp+1+R", "s-other+1+R"]
    assert rolestore.remove_session(role_store, "s-corp") == 1
    assert role_store.read("s-corp+1+R") is None and role_store.read("s-other+1+R") == "other"
    role_store.delete("s-corp+1+R")  # deleting what is gone is fine


def test_secret_store_contract(keyring_backend):
    store = keyringstore.KeyringStore(keyring_backend)
    assert store.get("token/x") is None
    store.set("token/x", {"refreshToken": "r1", "clientSecret": "c1"})
    assert store.get("token/x") == {"refreshToken": "r1", "clientSecret": "c1"}
    keyring_backend.set_password(keyringstore.SERVICE, "token/x", "not json")
    assert store.get("token/x") is None
    store.delete("token/x")
    store.delete("token/x")
    assert store.get("token/x") is None


@pytest.mark.parametrize("backend", ["keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"])
def test_insecure_backends_fall_back_to_the_token_file(monkeypatch, backend):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", backend)
    keyring.core.init_backend()
    assert keyringstore.secure_keyring() is None
    assert "token file" in keyringstore.describe(None)


def test_a_plaintext_backend_is_not_secure():
    plaintext = type("PlaintextKeyring", (MemoryKeyring,), {"__module__": "keyrings.alt.file"})()
    chainer = type("ChainerBackend", (), {"backends": [plaintext]})()
    assert not keyringstore._is_secure(plaintext) and not keyringstore._is_secure(chainer)
    assert keyringstore._is_secure(MemoryKeyring())


PROCESS_ONLY = (
    "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n"
    f"[profile dev]\ncredential_process = ssohelper credential-process --sso-session corp "
    f"--account-id {ACCOUNT} --role-name {ROLE}\n"
)


def test_login_keeps_long_lived_secrets_in_the_secret_service(cli, isolated_home, emulator, secret_service):
    """A session that only credential_process profiles use: its secrets go to the keyring."""
    (isolated_home / ".aws").mkdir()
    (isolated_home / ".aws" / "config").write_text(PROCESS_ONLY)
    result = cli("login", "--sso-session", "corp", "--no-browser")
    assert result.code == 0, result.err
    assert "OS keyring (keyring.backends.SecretService.Keyring)" in result.err
    raw = json.loads(Path(tokencache.token_path(CORP)).read_text())
    assert "refreshToken" not in raw and "clientSecret" not in raw and raw["accessToken"]
    kept = json.loads(secret_service.get_password("ssohelper", "token/" + tokencache.token_key(CORP)))
    assert kept["refreshToken"] and kept["clientSecret"] and kept["clientId"] == raw["clientId"]
    registrations = [json.loads(p.read_text()) for p in Path(tokencache.token_path(CORP)).parent.glob("*.json")]
    assert not any("clientSecret" in r for r in registrations)

    token = tokencache.load_token(CORP)
    tokencache.save_token(CORP, type(token)(**{**token.__dict__, "expires_at": time.time() + 60}))
    refreshed = run_ssohelper(*ARGS)  # the refresh reads the refresh token back from the keyring
    assert refreshed.returncode == 0, refreshed.stderr
    assert emulator.calls["CreateToken"] == 2 and emulator.calls["StartDeviceAuthorization"] == 1
    status = run_ssohelper("status")
    assert "secure OS keyring: OS keyring (keyring.backends.SecretService.Keyring)" in status.stdout
    assert "can refresh (secrets in OS keyring (keyring.backends.SecretService.Keyring))" in status.stdout
    assert "why: secrets = auto, a secure OS keyring exists, and no profile uses this session natively" in status.stdout
    assert "corp: signed in" in status.stdout

    assert cli("logout", "--sso-session", "corp").code == 0
    assert secret_service.get_password("ssohelper", "token/" + tokencache.token_key(CORP)) is None


def test_role_credentials_can_live_in_the_keyring(cli, config, emulator, secret_service):
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    first = run_ssohelper(*ARGS, "--store", "keyring")
    second = run_ssohelper(*ARGS, "--store", "keyring")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and emulator.calls["GetRoleCredentials"] == 1
    secret = json.loads(first.stdout)["SecretAccessKey"]
    cache = Path(rolestore.entry_path("x")).parent
    assert list(cache.glob("*.cred")) and all(secret not in p.read_text() for p in cache.glob("*.cred"))
    assert cli("logout", "--sso-session", "corp").code == 0
    name = rolestore.target_entry_name("corp", "https://corp.awsapps.com/start", ACCOUNT, ROLE)
    assert secret_service.get_password("ssohelper", "role/" + name) is None


def test_the_settings_file_selects_the_keyring_store(cli, config, emulator, secret_service, isolated_home):
    settings = isolated_home / ".config" / "ssohelper" / "config"
    settings.parent.mkdir(parents=True)
    settings.write_text("[credential-process]\nstore = keyring\n")
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    assert run_ssohelper(*ARGS).returncode == 0
    name = rolestore.target_entry_name("corp", "https://corp.awsapps.com/start", ACCOUNT, ROLE)
    assert secret_service.get_password("ssohelper", "role/" + name)
    assert "role credentials: keyring" in run_ssohelper("status").stdout


class LockedKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("the collection is locked")


def test_a_locked_keyring_keeps_secrets_in_the_token_file(cli, isolated_home, emulator):
    from ssohelper.signin.login import Interaction, ensure_login

    (isolated_home / ".aws").mkdir()
    (isolated_home / ".aws" / "config").write_text(PROCESS_ONLY)  # so the rule chooses the keyring

    store = keyringstore.KeyringStore(LockedKeyring())
    outcome = ensure_login(CORP, Interaction(notify=lambda text: None), store=store)
    raw = json.loads(Path(outcome.token_path).read_text())
    assert raw["refreshToken"] == outcome.token.refresh_token and raw["clientSecret"]
    assert "token file" in outcome.secrets_location  # says where they really went


def test_a_locked_keyring_still_hands_out_role_credentials(cli, config, emulator):
    from ssohelper.models import RoleTarget
    from ssohelper.roles import credential_process

    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    store = rolestore.KeyringRoleStore(LockedKeyring())
    assert store.write("s-corp+1+R", "x") is False
    target = RoleTarget(CORP, ACCOUNT, ROLE)
    original = credential_process.open_store
    try:
        credential_process.open_store = lambda kind: store
        document = json.loads(credential_process.fetch(target, credential_process.ProcessOptions(store="keyring")))
    finally:
        credential_process.open_store = original
    assert document["AccessKeyId"].startswith("ASIA")


def test_the_keyring_store_needs_a_secure_keyring(cli, config, emulator):
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    result = run_ssohelper(*ARGS, "--store", "keyring")
    assert result.returncode == 4 and result.stdout == ""
    assert "needs a secure OS keyring" in result.stderr

"""status: sign-ins, cached role credentials and where secrets are, as text or JSON, never a secret."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from helpers import ACCOUNT, ROLE, run_ssohelper, write_config

from ssohelper.models import SsoSession
from ssohelper.signin.status import status

PROC = (
    "\n[profile proc]\n"
    f"credential_process = ssohelper credential-process --sso-session corp --account-id {ACCOUNT} --role-name {ROLE}\n"
)


def test_status_json_shows_sessions_and_cached_roles_without_secrets(cli, isolated_home, emulator):
    write_config(isolated_home, extra=PROC)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    exported = json.loads(cli("export", "--profile", "proc", "--format", "json").out)
    result = run_ssohelper("status", "--output", "json")  # a fresh process: keyring caches its backend
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    by_name = {s["name"]: s for s in document["sessions"]}
    corp = by_name["corp"]
    assert corp["state"] == "signed-in" and corp["can_refresh"] is True
    assert corp["secrets_store"] == "file"
    assert 3000 < corp["seconds_left"] <= 3600
    (role,) = corp["roles"]
    assert (role["account_id"], role["role_name"], role["store"]) == (ACCOUNT, ROLE, "file")
    assert 3000 < role["seconds_left"] <= 3600
    assert document["keyring_backend"] == "keyring.backends.fail.Keyring"
    token = json.loads(Path(corp["token_path"]).read_text())
    for secret in (exported["SecretAccessKey"], exported["SessionToken"], exported["AccessKeyId"]):
        assert secret not in result.stdout
    for secret in (token["accessToken"], token["refreshToken"], token["clientSecret"]):
        assert secret not in result.stdout


def test_status_text_for_a_process_profile(cli, isolated_home, emulator):
    write_config(isolated_home, extra=PROC)
    assert cli("status", "--profile", "proc").out.startswith("corp: not signed in\n")
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    assert cli("credential-process", "--sso-session", "corp", "--account-id", ACCOUNT, "--role-name", ROLE).code == 0
    text = run_ssohelper("status", "--profile", "proc").stdout
    assert "corp: signed in, " in text and "; can refresh (secrets in the token file" in text
    assert f"  role {ACCOUNT}/{ROLE}: 5" in text and "min left (file)" in text
    assert "keyring backend: keyring.backends.fail.Keyring" in text


def test_the_status_value_is_frozen_and_reports_expiry(isolated_home):
    report = status([SsoSession("https://x.awsapps.com/start", "eu-west-1", "x")], clock=lambda: 0.0, store=None)
    (item,) = report.sessions
    assert (item.state, item.seconds_left, item.can_refresh, item.roles) == ("not signed in", None, False, ())
    assert report.secrets_destination.startswith("the token file")


def test_status_with_sso_region_alone_is_the_usage_error_login_gives(cli, isolated_home):
    write_config(isolated_home)
    for command in ("status", "login"):
        result = cli(command, "--sso-region", "eu-west-1")
        assert result.code == 2
        assert result.err.strip() == "ssohelper: --start-url and --sso-region go together"


def test_a_keyring_backend_that_cannot_load_means_no_secure_keyring(config, emulator, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "no.such.Backend")
    login = run_ssohelper("login", "--sso-session", "corp", "--no-browser", "--use-device-code")
    assert login.returncode == 0, login.stderr
    result = run_ssohelper("status", "--output", "json", "--debug")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["keyring_backend"] is None and document["secure_keyring"] is None
    assert document["sessions"][0]["secrets_store"] == "file"
    assert "no secure keyring: keyring could not load a backend (ModuleNotFoundError" in result.stderr
    logout = run_ssohelper("logout", "--sso-session", "corp")
    assert logout.returncode == 0, logout.stderr
    for output in (login.stderr, result.stderr, logout.stderr):
        assert "unexpected" not in output and "Traceback" not in output


def test_after_a_refused_refresh_status_no_longer_says_it_can_refresh(cli, isolated_home, emulator):
    write_config(isolated_home)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    token_path = isolated_home / ".aws" / "sso" / "cache" / (hashlib.sha1(b"corp").hexdigest() + ".json")
    token = json.loads(token_path.read_text())
    token.update(expiresAt="2020-01-01T00:00:00Z", refreshToken="aor-the-server-does-not-know-this-one")
    token_path.write_text(json.dumps(token))
    assert "corp: expired; can refresh" in cli("status").out
    refused = cli("credential-process", "--sso-session", "corp", "--account-id", ACCOUNT, "--role-name", ROLE)
    assert refused.code == 3 and "ssohelper login --sso-session corp" in refused.err
    after = cli("status").out
    assert "can refresh" not in after and "corp: expired; no refresh token" in after
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0  # and a sign-in mends it
    assert "; can refresh" in cli("status").out

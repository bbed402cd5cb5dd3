"""A second SDK: the AWS SDK for JavaScript v3 (from npm) and botocore's own SSO token provider
share one sign-in with ssohelper, refresh it, and hand it back. STS is moto in server mode.

.ci/run installs @aws-sdk/credential-providers and @aws-sdk/client-sts into a temporary folder
and passes it as SSOHELPER_NODE_MODULES. Without that variable the tests install the two
packages themselves with npm, once, into .pytest_cache/node. Without node or npm they skip
locally; with CI=true a missing one fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from helpers import ACCOUNT, ROLE, require, run_ssohelper, ssohelper_cmd, write_config

from ssohelper import times
from ssohelper.models import SsoSession
from ssohelper.tokens import tokencache

SCRIPT = Path(__file__).parent / "node" / "resolve.js"
CORP = SsoSession(start_url="https://corp.awsapps.com/start", region="us-east-1", name="corp")
KEYRING_KEY = "token/" + tokencache.token_key(CORP)
ROLE_ARGS = ("--sso-session", "corp", "--account-id", ACCOUNT, "--role-name", ROLE)
MILLISECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


PACKAGES = ("@aws-sdk/credential-providers", "@aws-sdk/client-sts")


def _installed_here() -> str:
    """The two packages in .pytest_cache/node, installed with npm the first time ('' if that fails)."""
    folder = Path(__file__).resolve().parents[1] / ".pytest_cache" / "node"
    modules = folder / "node_modules"
    if all((modules / name).is_dir() for name in PACKAGES):
        return str(modules)
    npm = shutil.which("npm")
    if npm is None:
        return ""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text('{"private": true}\n')
    done = subprocess.run(
        [npm, "install", "--silent", "--no-audit", "--no-fund", *PACKAGES],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return str(modules) if done.returncode == 0 else ""


@pytest.fixture(scope="session")
def node_modules() -> str:
    require(shutil.which("node"), "node (the AWS SDK for JavaScript tests)")
    modules = os.environ.get("SSOHELPER_NODE_MODULES", "") or _installed_here()
    require(
        modules and (Path(modules) / "@aws-sdk" / "credential-providers").is_dir(),
        "SSOHELPER_NODE_MODULES naming a node_modules with @aws-sdk/credential-providers and @aws-sdk/client-sts "
        "(.ci/run installs them; without it the tests run npm install, which failed here)",
    )
    return modules


@pytest.fixture
def sts(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    return moto_url


def node(modules: str, kind: str, profile: str) -> dict:
    env = {**os.environ, "NODE_PATH": modules, "NODE_NO_WARNINGS": "1"}
    done = subprocess.run(["node", str(SCRIPT), kind, profile], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def token_file() -> dict:
    return json.loads(Path(tokencache.token_path(CORP)).read_text())


def set_minutes_left(minutes: float, *, milliseconds: bool = False) -> None:
    raw = token_file()
    when = time.time() + minutes * 60
    raw["expiresAt"] = times.format_epoch(when)
    if milliseconds:  # as the JS SDK writes it
        raw["expiresAt"] = raw["expiresAt"][:-1] + f".{int(when * 1000) % 1000:03d}Z"
    Path(tokencache.token_path(CORP)).write_text(json.dumps(raw, indent=2))


def assert_rejected(emulator_url: str, raw: dict) -> None:
    """The server no longer accepts a rotated-away refresh token."""
    oidc = boto3.client("sso-oidc", region_name="us-east-1", endpoint_url=emulator_url)
    with pytest.raises(ClientError, match="InvalidGrant"):
        oidc.create_token(
            clientId=raw["clientId"],
            clientSecret=raw["clientSecret"],
            grantType="refresh_token",
            refreshToken=raw["refreshToken"],
        )


def ssohelper_renews() -> dict:
    """ssohelper refreshes the token another tool wrote; returns the file it leaves."""
    before = token_file()
    result = run_ssohelper("login", "--sso-session", "corp", "--no-browser")
    assert result.returncode == 0 and "Renewed the sign-in" in result.stderr, result.stderr
    after = token_file()
    assert after["refreshToken"] != before["refreshToken"] and after["clientSecret"] == before["clientSecret"]
    assert after["expiresAt"].endswith("Z") and "." not in after["expiresAt"]
    return after


def test_js_from_ini_runs_ssohelper_as_credential_process(node_modules, sts, isolated_home, emulator, cli):
    command = f'"{ssohelper_cmd()[0]}" credential-process ' + " ".join(ROLE_ARGS)
    write_config(isolated_home, extra=f"\n[profile proc]\ncredential_process = {command}\n")
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    document = json.loads(run_ssohelper("credential-process", *ROLE_ARGS).stdout)
    resolved = node(node_modules, "ini", "proc")
    assert resolved["accessKeyId"] == document["AccessKeyId"]
    assert resolved["expiration"] == document["Expiration"].replace("Z", ".000Z")
    assert resolved["accountId"] == ACCOUNT and re.fullmatch(r"\d{12}", resolved["caller"])
    assert emulator.calls["GetRoleCredentials"] == 1  # the JS SDK got the cached credentials


def test_js_from_sso_uses_ssohelpers_sign_in(node_modules, sts, config, emulator, cli):
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    resolved = node(node_modules, "sso", "dev")
    assert resolved["accessKeyId"].startswith("ASIA") and re.fullmatch(r"\d{12}", resolved["caller"])
    assert emulator.calls["GetRoleCredentials"] == 1 and emulator.calls["CreateToken"] == 1  # no refresh


@pytest.mark.parametrize("mode", ["auto", "file"])
def test_js_and_ssohelper_refresh_each_others_token(node_modules, sts, config, emulator, secret_service, mode):
    """With a secure keyring and a native profile: the JS SDK refreshes at 3 minutes left, ssohelper
    carries on from the file it wrote (milliseconds and all), and the refresh token rotates both ways."""
    if mode == "file":
        settings = Path(os.environ["HOME"]) / ".config" / "ssohelper" / "config"
        settings.parent.mkdir(parents=True)
        settings.write_text("[login]\nsecrets = file\n")
    assert run_ssohelper("login", "--sso-session", "corp", "--no-browser").returncode == 0
    ours = token_file()
    assert ours["refreshToken"] and ours["clientSecret"]  # where the JS SDK can reach them

    set_minutes_left(3)
    node(node_modules, "sso", "dev")
    theirs = token_file()
    assert MILLISECONDS.match(theirs["expiresAt"]) and theirs["refreshToken"] != ours["refreshToken"]
    assert emulator.calls["CreateToken"] == 2
    assert_rejected(emulator.url, ours)

    set_minutes_left(3, milliseconds=True)
    ours_again = ssohelper_renews()
    assert_rejected(emulator.url, theirs)

    set_minutes_left(3)
    node(node_modules, "sso", "dev")
    assert token_file()["refreshToken"] not in (ours_again["refreshToken"], theirs["refreshToken"])
    assert emulator.calls["CreateToken"] == 6  # a sign-in, three refreshes, two refused replays
    assert run_ssohelper("credential-process", *ROLE_ARGS).returncode == 0
    assert secret_service.get_password("ssohelper", KEYRING_KEY) is None


BOTO3 = """
import sys, boto3
print(boto3.Session(profile_name=sys.argv[1]).client("sts", region_name="us-east-1").get_caller_identity()["Account"])
"""


def boto3_call(profile: str) -> None:
    """A fresh process, as botocore reads HOME once, at import."""
    done = subprocess.run([sys.executable, "-c", BOTO3, profile], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and re.fullmatch(r"\d{12}\n", done.stdout), done.stderr


def test_botocore_and_ssohelper_refresh_each_others_token(sts, config, emulator, secret_service):
    assert run_ssohelper("login", "--sso-session", "corp", "--no-browser").returncode == 0
    ours = token_file()
    set_minutes_left(3)
    boto3_call("dev")  # botocore's SSO token provider refreshes under 15 minutes
    theirs = token_file()
    assert theirs["refreshToken"] != ours["refreshToken"] and emulator.calls["CreateToken"] == 2
    assert_rejected(emulator.url, ours)

    set_minutes_left(3)
    ssohelper_renews()
    assert_rejected(emulator.url, theirs)
    set_minutes_left(3)
    boto3_call("dev")
    assert emulator.calls["CreateToken"] == 6  # a sign-in, three refreshes, two refused replays
    assert secret_service.get_password("ssohelper", KEYRING_KEY) is None

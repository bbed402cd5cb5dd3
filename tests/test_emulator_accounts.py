"""The emulator's role credentials for several accounts: with an STS endpoint (moto) set, by
--sts-endpoint or the sts_endpoint knob, each account's credentials act in that account."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import boto3
from helpers import REPO, popen_interruptible


def sign_in_and_get(url: str, accounts: dict[str, str]) -> dict[str, dict]:
    """Device-code sign-in against the emulator, then each account's role credentials."""
    kwargs = {"endpoint_url": url, "region_name": "us-east-1"}
    oidc = boto3.client("sso-oidc", **kwargs)
    client = oidc.register_client(clientName="t", clientType="public")
    device = oidc.start_device_authorization(
        clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl="https://x.awsapps.com/start"
    )
    token = oidc.create_token(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        grantType="urn:ietf:params:oauth:grant-type:device_code",
        deviceCode=device["deviceCode"],
    )["accessToken"]
    sso = boto3.client("sso", **kwargs)
    return {
        account: sso.get_role_credentials(roleName=role, accountId=account, accessToken=token)["roleCredentials"]
        for account, role in accounts.items()
    }


def caller_account(moto_url: str, creds: dict) -> str:
    sts = boto3.client(
        "sts",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id=creds["accessKeyId"],
        aws_secret_access_key=creds["secretAccessKey"],
        aws_session_token=creds["sessionToken"],
    )
    return str(sts.get_caller_identity()["Account"])


def test_the_command_line_flag_ties_credentials_to_each_account(moto_url, tmp_path, runner_ignores_sigint):
    accounts = {"314159265358": "Audit", "271828182845": "Admin"}
    fixture = tmp_path / "accounts.json"
    fixture.write_text(json.dumps({a: {"name": a, "roles": [r]} for a, r in accounts.items()}))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "ssohelper.emulator", "--sts-endpoint", moto_url, "--accounts", str(fixture)]
    process = popen_interruptible(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = process.stdout.readline() if process.stdout else ""
        match = re.fullmatch(r"ssohelper emulator listening on (http://127\.0\.0\.1:\d+)\n", line)
        assert match, line
        issued = sign_in_and_get(match.group(1), accounts)
        for account, creds in issued.items():
            assert caller_account(moto_url, creds) == account
            assert creds["expiration"] > 0 and creds["accessKeyId"].startswith("ASIA")
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_without_an_sts_endpoint_the_credentials_are_the_emulators_own(emulator, moto_url):
    emulator.configure(accounts={"314159265358": {"roles": ["Audit"]}})
    (creds,) = sign_in_and_get(emulator.url, {"314159265358": "Audit"}).values()
    assert caller_account(moto_url, creds) != "314159265358"  # moto has never seen these keys
    emulator.configure(sts_endpoint=moto_url)
    (creds,) = sign_in_and_get(emulator.url, {"314159265358": "Audit"}).values()
    assert caller_account(moto_url, creds) == "314159265358"


def test_an_unreachable_sts_endpoint_is_a_server_error_not_a_hang(emulator):
    from botocore.exceptions import ClientError

    emulator.configure(accounts={"314159265358": {"roles": ["Audit"]}}, sts_endpoint="http://127.0.0.1:9")
    try:
        sign_in_and_get(emulator.url, {"314159265358": "Audit"})
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "InternalServerException"
        assert "STS AssumeRole failed" in exc.response["Error"]["Message"]
    else:
        raise AssertionError("expected an InternalServerException")

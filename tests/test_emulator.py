"""The bundled emulator, driven by real botocore clients over loopback HTTP."""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import UNSIGNED
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError
from helpers import popen_interruptible

from ssohelper.emulator import Emulator

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
START_URL = "https://example.awsapps.com/start"
DEV, PROD = "111111111111", "222222222222"
# In botocore's `retries` dict, max_attempts counts retries; total_max_attempts counts all attempts.
NO_RETRIES = Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1, "mode": "standard"})
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@functools.cache
def _session() -> botocore.session.Session:
    """One session for the module: a new one costs ~100 ms of model loading."""
    return botocore.session.get_session()


def make_client(service: str, url: str | None, config: Config = NO_RETRIES) -> BaseClient:
    return _session().create_client(service, region_name="us-east-1", endpoint_url=url, config=config)


@pytest.fixture
def oidc(emu: Emulator) -> BaseClient:
    return make_client("sso-oidc", emu.url)


@pytest.fixture
def portal(emu: Emulator) -> BaseClient:
    return make_client("sso", emu.url)


def register(oidc: BaseClient, **extra: Any) -> dict[str, Any]:
    extra.setdefault("scopes", ["sso:account:access"])
    return oidc.register_client(clientName="test", clientType="public", **extra)


def start(oidc: BaseClient, client: dict[str, Any]) -> dict[str, Any]:
    return oidc.start_device_authorization(
        clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=START_URL
    )


def poll(oidc: BaseClient, client: dict[str, Any], device: dict[str, Any]) -> dict[str, Any]:
    return oidc.create_token(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        grantType=DEVICE_GRANT,
        deviceCode=device["deviceCode"],
    )


def refresh(oidc: BaseClient, client: dict[str, Any], refresh_token: str) -> dict[str, Any]:
    return oidc.create_token(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        grantType="refresh_token",
        refreshToken=refresh_token,
    )


def login(oidc: BaseClient, **extra: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    client = register(oidc, **extra)
    return client, poll(oidc, client, start(oidc, client))


def role_credentials(portal: BaseClient, token: str, account: str = DEV, role: str = "Developer") -> dict[str, Any]:
    answer = portal.get_role_credentials(accessToken=token, accountId=account, roleName=role)
    return answer["roleCredentials"]


def control(emu: Emulator, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{emu.url}/_emulator/{action}", data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(request, timeout=2) as response:
        return json.loads(response.read())


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# --- OIDC device flow ---


def test_device_flow_issues_tokens_that_open_the_portal(emu: Emulator, oidc: BaseClient, portal: BaseClient) -> None:
    client = register(oidc)
    assert client["clientSecretExpiresAt"] - client["clientIdIssuedAt"] == 90 * 24 * 3600
    device = start(oidc, client)
    assert re.fullmatch(r"[A-Z]{4}-[A-Z]{4}", device["userCode"])
    assert device["verificationUri"] == f"{emu.url}/verify"
    assert device["verificationUriComplete"] == f"{emu.url}/verify?user_code={device['userCode']}"
    assert (device["expiresIn"], device["interval"]) == (600, 1)

    token = poll(oidc, client, device)
    assert (token["tokenType"], token["expiresIn"]) == ("Bearer", 3600)
    assert token["refreshToken"]

    before_ms = time.time() * 1000
    creds = role_credentials(portal, token["accessToken"])
    assert re.fullmatch(r"ASIA[A-Z2-7]{16}", creds["accessKeyId"])
    assert creds["secretAccessKey"] and creds["sessionToken"]
    assert before_ms + 3599_000 <= creds["expiration"] <= time.time() * 1000 + 3601_000


def test_register_client_records_what_the_client_sent(emu: Emulator, oidc: BaseClient) -> None:
    first = register(oidc)
    second = register(oidc, grantTypes=[DEVICE_GRANT, "refresh_token"])
    recorded = emu.clients
    assert recorded[first["clientId"]].scopes == ("sso:account:access",)
    assert recorded[first["clientId"]].grant_types is None
    assert recorded[second["clientId"]].grant_types == (DEVICE_GRANT, "refresh_token")
    assert recorded[second["clientId"]].client_name == "test"


@pytest.mark.parametrize(
    ("register_args", "settings"),
    [
        ({"grantTypes": [DEVICE_GRANT]}, {}),
        ({"scopes": []}, {}),
        ({}, {"refresh_tokens": False}),
    ],
    ids=["grant-types-lack-refresh", "no-scopes", "knob-off"],
)
def test_refresh_token_withheld(
    emu: Emulator, oidc: BaseClient, register_args: dict[str, Any], settings: dict[str, Any]
) -> None:
    emu.configure(**settings)
    _, token = login(oidc, **register_args)
    assert token["accessToken"]
    assert "refreshToken" not in token


def test_pending_until_approved_by_api(emu: Emulator, oidc: BaseClient) -> None:
    emu.configure(approve_after_polls=None)
    client = register(oidc)
    device = start(oidc, client)
    for _ in range(3):
        with pytest.raises(oidc.exceptions.AuthorizationPendingException) as caught:
            poll(oidc, client, device)
    assert caught.value.response["error"] == "authorization_pending"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert emu.pending_user_codes == [device["userCode"]]
    emu.approve(device["userCode"].lower().replace("-", ""))
    assert poll(oidc, client, device)["accessToken"]


def test_auto_approval_after_n_polls(emu: Emulator, oidc: BaseClient) -> None:
    emu.configure(approve_after_polls=3)
    client = register(oidc)
    device = start(oidc, client)
    for _ in range(2):
        with pytest.raises(oidc.exceptions.AuthorizationPendingException):
            poll(oidc, client, device)
    assert poll(oidc, client, device)["accessToken"]


def test_verify_page_approves(emu: Emulator, oidc: BaseClient) -> None:
    emu.configure(approve_after_polls=None)
    client = register(oidc)
    device = start(oidc, client)
    assert http_get(f"{emu.url}/verify?user_code=ZZZZ-ZZZZ")[0] == 404
    status, page = http_get(f"{emu.url}/verify")
    assert status == 200 and "Enter the code" in page
    with pytest.raises(oidc.exceptions.AuthorizationPendingException):
        poll(oidc, client, device)
    status, page = http_get(device["verificationUriComplete"])
    assert status == 200 and "Approved" in page
    assert poll(oidc, client, device)["accessToken"]


def test_slow_down_then_success(emu: Emulator, oidc: BaseClient) -> None:
    emu.configure(slow_down=2, interval=7)
    client = register(oidc)
    device = start(oidc, client)
    assert device["interval"] == 7
    for _ in range(2):
        with pytest.raises(oidc.exceptions.SlowDownException) as caught:
            poll(oidc, client, device)
        assert caught.value.response["error"] == "slow_down"
    assert poll(oidc, client, device)["accessToken"]


def test_deny(emu: Emulator, oidc: BaseClient) -> None:
    emu.configure(deny=True)
    client = register(oidc)
    with pytest.raises(oidc.exceptions.AccessDeniedException) as caught:
        poll(oidc, client, start(oidc, client))
    assert caught.value.response["error"] == "access_denied"


def test_expired_device_code(emu: Emulator, oidc: BaseClient) -> None:
    emu.configure(device_code_ttl=0)
    client = register(oidc)
    device = start(oidc, client)
    assert device["expiresIn"] == 0
    with pytest.raises(oidc.exceptions.ExpiredTokenException):
        poll(oidc, client, device)


def test_device_code_is_single_use(oidc: BaseClient) -> None:
    client = register(oidc)
    device = start(oidc, client)
    poll(oidc, client, device)
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        poll(oidc, client, device)


def test_unknown_client_is_401(oidc: BaseClient) -> None:
    client = register(oidc)
    device = start(oidc, client)
    forged = {**client, "clientSecret": "wrong"}
    with pytest.raises(oidc.exceptions.InvalidClientException) as caught:
        start(oidc, forged)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 401
    with pytest.raises(oidc.exceptions.InvalidClientException):
        poll(oidc, {**client, "clientId": "nobody"}, device)


def test_refresh_rotates_the_refresh_token(oidc: BaseClient, portal: BaseClient) -> None:
    client, first = login(oidc)
    second = refresh(oidc, client, first["refreshToken"])
    assert second["accessToken"] != first["accessToken"]
    assert second["refreshToken"] != first["refreshToken"]
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        refresh(oidc, client, first["refreshToken"])
    assert role_credentials(portal, second["accessToken"])
    assert refresh(oidc, client, second["refreshToken"])["accessToken"]


def test_refresh_token_is_bound_to_its_client(oidc: BaseClient) -> None:
    _, token = login(oidc)
    other = register(oidc)
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        refresh(oidc, other, token["refreshToken"])


def test_expire_tokens_keeps_refresh_tokens(emu: Emulator, oidc: BaseClient, portal: BaseClient) -> None:
    client, token = login(oidc)
    emu.expire_tokens()
    with pytest.raises(portal.exceptions.UnauthorizedException):
        role_credentials(portal, token["accessToken"])
    fresh = refresh(oidc, client, token["refreshToken"])
    assert role_credentials(portal, fresh["accessToken"])


def test_token_ttl_knob(emu: Emulator, oidc: BaseClient, portal: BaseClient) -> None:
    emu.configure(token_ttl=0, role_ttl=60)
    _, token = login(oidc)
    assert token["expiresIn"] == 0
    with pytest.raises(portal.exceptions.UnauthorizedException):
        role_credentials(portal, token["accessToken"])
    emu.configure(token_ttl=3600)
    _, token = login(oidc)
    expiration = role_credentials(portal, token["accessToken"])["expiration"]
    assert expiration <= time.time() * 1000 + 61_000


# --- portal ---


def test_bad_bearer_token_is_401(portal: BaseClient) -> None:
    with pytest.raises(portal.exceptions.UnauthorizedException) as caught:
        role_credentials(portal, "not-a-token")
    response = caught.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 401
    assert response["Error"]["Message"] == "Session token not found or invalid"
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"].startswith("UnauthorizedException:")


def test_logout_revokes_access_and_refresh_token(oidc: BaseClient, portal: BaseClient) -> None:
    client, token = login(oidc)
    portal.logout(accessToken=token["accessToken"])
    with pytest.raises(portal.exceptions.UnauthorizedException):
        role_credentials(portal, token["accessToken"])
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        refresh(oidc, client, token["refreshToken"])
    with pytest.raises(portal.exceptions.UnauthorizedException):
        portal.logout(accessToken=token["accessToken"])


@pytest.mark.parametrize(("account", "role"), [(PROD, "Developer"), ("333333333333", "ReadOnly")])
def test_unassigned_role_is_forbidden(oidc: BaseClient, portal: BaseClient, account: str, role: str) -> None:
    _, token = login(oidc)
    with pytest.raises(ClientError) as caught:
        role_credentials(portal, token["accessToken"], account, role)
    error = caught.value.response
    assert error["Error"] == {"Code": "ForbiddenException", "Message": "No access"}
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_list_accounts_and_roles_default_fixture(oidc: BaseClient, portal: BaseClient) -> None:
    _, token = login(oidc)
    accounts = portal.list_accounts(accessToken=token["accessToken"])["accountList"]
    assert accounts == [
        {"accountId": DEV, "accountName": "dev", "emailAddress": "dev@example.com"},
        {"accountId": PROD, "accountName": "prod", "emailAddress": "prod@example.com"},
    ]
    roles = portal.list_account_roles(accessToken=token["accessToken"], accountId=DEV)["roleList"]
    assert roles == [
        {"roleName": "Developer", "accountId": DEV},
        {"roleName": "ReadOnly", "accountId": DEV},
    ]


def test_pagination(emu: Emulator, oidc: BaseClient, portal: BaseClient) -> None:
    roles = [f"Role{i}" for i in range(5)]
    fixture = {f"{i:012d}": {"name": f"acct{i}", "email": f"a{i}@example.com", "roles": roles} for i in range(1, 6)}
    emu.configure(accounts=fixture)
    _, token = login(oidc)
    first = portal.list_accounts(accessToken=token["accessToken"], maxResults=2)
    assert len(first["accountList"]) == 2 and first["nextToken"]

    emu.reset_calls()
    pages = portal.get_paginator("list_accounts").paginate(
        accessToken=token["accessToken"], PaginationConfig={"PageSize": 2}
    )
    ids = [account["accountId"] for page in pages for account in page["accountList"]]
    assert ids == sorted(fixture)
    assert emu.calls["ListAccounts"] == 3

    pages = portal.get_paginator("list_account_roles").paginate(
        accessToken=token["accessToken"], accountId="000000000003", PaginationConfig={"PageSize": 3}
    )
    assert [role["roleName"] for page in pages for role in page["roleList"]] == roles
    assert emu.calls["ListAccountRoles"] == 2


def test_bad_next_token_is_rejected(oidc: BaseClient, portal: BaseClient) -> None:
    _, token = login(oidc)
    with pytest.raises(portal.exceptions.InvalidRequestException):
        portal.list_accounts(accessToken=token["accessToken"], nextToken="garbage!")


# --- knobs: failures, latency, counts ---


@pytest.mark.parametrize(
    ("service", "operation", "status", "code"),
    [
        ("sso", "ListAccounts", 429, "TooManyRequestsException"),
        ("sso", "ListAccounts", 500, "InternalServerException"),
        ("sso-oidc", "RegisterClient", 429, "TooManyRequestsException"),
        ("sso-oidc", "RegisterClient", 500, "InternalServerException"),
        ("sso", "ListAccounts", 503, "503"),
    ],
)
def test_fail_next(emu: Emulator, service: str, operation: str, status: int, code: str) -> None:
    oidc = make_client("sso-oidc", emu.url)
    _, token = login(oidc)
    client = make_client(service, emu.url)
    call = {
        "ListAccounts": lambda: client.list_accounts(accessToken=token["accessToken"]),
        "RegisterClient": lambda: register(client),
    }[operation]
    emu.fail_next(operation, count=2, status=status)
    emu.reset_calls()
    for _ in range(2):
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == code
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    call()
    assert emu.calls[operation] == 3


def test_botocore_retries_an_injected_throttle(emu: Emulator, portal: BaseClient) -> None:
    retrying = make_client(
        "sso",
        emu.url,
        Config(signature_version=UNSIGNED, retries={"total_max_attempts": 3, "mode": "standard"}),
    )
    emu.fail_next("ListAccounts", count=1, status=429)
    with pytest.raises(retrying.exceptions.UnauthorizedException):
        retrying.list_accounts(accessToken="bad")
    assert emu.calls["ListAccounts"] == 2


def test_fail_next_rejects_bad_arguments(emu: Emulator) -> None:
    with pytest.raises(ValueError):
        emu.fail_next("GetRoleCredential")
    with pytest.raises(ValueError):
        emu.fail_next("GetRoleCredentials", status=200)


def test_latency_delays_api_calls_but_not_control(emu: Emulator, portal: BaseClient) -> None:
    emu.configure(latency=0.3)
    started = time.monotonic()
    with pytest.raises(portal.exceptions.UnauthorizedException):
        portal.list_accounts(accessToken="bad")
    assert time.monotonic() - started >= 0.3
    emu.configure(latency=30.0)
    assert control(emu, "state")["settings"]["latency"] == 30.0  # times out (2 s) if delayed


def test_calls_are_counted_and_reset(emu: Emulator, oidc: BaseClient) -> None:
    assert emu.calls["CreateToken"] == 0
    emu.configure(approve_after_polls=2)
    login_attempt = register(oidc)
    device = start(oidc, login_attempt)
    with pytest.raises(oidc.exceptions.AuthorizationPendingException):
        poll(oidc, login_attempt, device)
    poll(oidc, login_attempt, device)
    assert (
        emu.calls["RegisterClient"],
        emu.calls["StartDeviceAuthorization"],
        emu.calls["CreateToken"],
    ) == (1, 1, 2)
    emu.reset_calls()
    assert dict(emu.calls) == {op: 0 for op in emu.calls}


def test_settings_and_configure_validation(emu: Emulator) -> None:
    assert emu.settings.approve_after_polls == 1 and emu.settings.latency == 0.0
    emu.configure(approve_after_polls=None, token_ttl=60)
    assert (emu.settings.approve_after_polls, emu.settings.token_ttl) == (None, 60)
    with pytest.raises(TypeError):
        emu.configure(approve_after=3)
    with pytest.raises(TypeError):
        emu.configure(deny="yes")
    accounts = emu.accounts
    accounts[DEV]["roles"].append("Admin")
    assert "Admin" not in emu.accounts[DEV]["roles"]


def test_parallel_clients(emu: Emulator) -> None:
    results: list[str] = []
    errors: list[BaseException] = []
    # Sessions aren't thread safe, clients are: build them here, use them in the threads.
    pairs = [(make_client("sso-oidc", emu.url), make_client("sso", emu.url)) for _ in range(16)]

    def worker(oidc: BaseClient, portal: BaseClient) -> None:
        try:
            _, token = login(oidc)
            results.append(role_credentials(portal, token["accessToken"])["accessKeyId"])
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 16
    assert emu.calls["GetRoleCredentials"] == 16 and emu.calls["CreateToken"] == 16


def test_endpoint_environment_variables(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", emu.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", emu.url)
    _, token = login(make_client("sso-oidc", None))
    assert role_credentials(make_client("sso", None), token["accessToken"])
    assert emu.calls["GetRoleCredentials"] == 1


# --- HTTP control endpoints and lifecycle ---


def test_control_endpoints(emu: Emulator, oidc: BaseClient, portal: BaseClient) -> None:
    fixture = {"999999999999": {"name": "solo", "email": "solo@example.com", "roles": ["Admin"]}}
    state = control(emu, "config", {"approve_after_polls": None, "accounts": fixture})
    assert state["settings"]["approve_after_polls"] is None
    assert emu.accounts == fixture

    client = register(oidc)
    device = start(oidc, client)
    assert control(emu, "state")["pending_user_codes"] == [device["userCode"]]
    control(emu, "approve", {"user_code": device["userCode"]})
    token = poll(oidc, client, device)
    assert role_credentials(portal, token["accessToken"], "999999999999", "Admin")

    control(emu, "fail", {"operation": "GetRoleCredentials", "count": 1, "status": 500})
    with pytest.raises(ClientError, match="InternalServerException"):
        role_credentials(portal, token["accessToken"], "999999999999", "Admin")
    state = control(emu, "state")
    assert state["calls"]["GetRoleCredentials"] == 2 and state["calls"]["Logout"] == 0
    assert state["clients"][0]["scopes"] == ["sso:account:access"]
    assert "clientSecret" not in state["clients"][0]

    assert control(emu, "reset-calls", {})["calls"]["GetRoleCredentials"] == 0
    control(emu, "expire-tokens", {})
    with pytest.raises(portal.exceptions.UnauthorizedException):
        role_credentials(portal, token["accessToken"], "999999999999", "Admin")


def test_control_rejects_bad_input(emu: Emulator) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        control(emu, "config", {"no_such_knob": 1})
    assert caught.value.code == 400
    with pytest.raises(urllib.error.HTTPError) as caught:
        control(emu, "fail", {"operation": "Nope"})
    assert caught.value.code == 400


def test_unknown_path_is_404(emu: Emulator) -> None:
    assert http_get(f"{emu.url}/nowhere")[0] == 404
    assert http_get(f"{emu.url}/_emulator/nowhere")[0] == 404
    assert sum(emu.calls.values()) == 0


def test_lifecycle() -> None:
    emulator = Emulator()
    with pytest.raises(RuntimeError):
        _ = emulator.url
    with emulator:
        url = emulator.url
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        with pytest.raises(RuntimeError):
            emulator.start()
    emulator.stop()  # idempotent
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}/_emulator/state", timeout=2)


def test_module_entry_point(tmp_path: Path, runner_ignores_sigint: None) -> None:
    accounts = tmp_path / "accounts.json"
    accounts.write_text(json.dumps({"123456789012": {"name": "x", "email": "x@example.com", "roles": ["R"]}}))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable,
        "-m",
        "ssohelper.emulator",
        "--port",
        "0",
        "--approve-after",
        "never",
        "--slow-down",
        "2",
        "--accounts",
        str(accounts),
    ]
    process = popen_interruptible(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = process.stdout.readline() if process.stdout else ""
        match = re.fullmatch(r"ssohelper emulator listening on (http://127\.0\.0\.1:\d+)\n", line)
        assert match, line
        url = match.group(1)
        client = register(make_client("sso-oidc", url))
        assert client["clientId"]
        with urllib.request.urlopen(f"{url}/_emulator/state", timeout=2) as response:
            state = json.loads(response.read())
        assert state["settings"]["approve_after_polls"] is None and state["settings"]["slow_down"] == 2
        assert list(state["accounts"]) == ["123456789012"]
        assert state["calls"]["RegisterClient"] == 1
        process.send_signal(signal.SIGINT if os.name == "posix" else signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    if os.name == "posix":
        assert process.returncode == 0
        assert "Traceback" not in stderr


def test_module_entry_point_rejects_busy_port(emu: Emulator) -> None:
    port = emu.url.rsplit(":", 1)[1]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(
        [sys.executable, "-m", "ssohelper.emulator", "--port", port],
        capture_output=True,
        text=True,
        env=env,
        timeout=10,
    )
    assert done.returncode == 1
    assert "cannot start" in done.stderr and "Traceback" not in done.stderr

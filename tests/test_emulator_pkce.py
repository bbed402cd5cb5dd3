"""The emulator's browser flow in plain HTTP, following the AWS CLI v2 wire format
(botocore's SSOTokenFetcherAuth and the CLI's AuthCodeFetcher): register, GET /authorize,
follow the redirect to a tiny loopback listener, CreateToken with the code and verifier."""

from __future__ import annotations

import json
import queue
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest

from ssohelper.signin.pkce import challenge, new_verifier


def post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {"type": error.headers.get("x-amzn-ErrorType", ""), **json.loads(error.read() or b"{}")}


@pytest.fixture
def callback() -> Iterator[tuple[str, queue.Queue]]:
    """A tiny listener on 127.0.0.1 standing in for the AWS CLI's; yields (redirect_uri, queries)."""
    received: queue.Queue = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            received.put(parse_qs(urlsplit(self.path).query))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/oauth/callback", received
    server.shutdown()
    server.server_close()


def register(url: str, **overrides: object) -> dict:
    body = {
        "clientName": "botocore-client-corp",
        "clientType": "public",
        "grantTypes": ["authorization_code", "refresh_token"],
        "redirectUris": ["http://127.0.0.1/oauth/callback"],
        "issuerUrl": "https://corp.awsapps.com/start",
        "scopes": ["sso:account:access"],
        **overrides,
    }
    status, client = post(f"{url}/client/register", body)
    assert status == 200, client
    return client


def authorize(url: str, client_id: str, redirect_uri: str, verifier: str, state: str) -> int:
    """GET /authorize built as the AWS CLI v2 builds it; urllib follows the redirect."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge_method": "S256",
        "scopes": "sso:account:access",
    }
    full = f"{url}/authorize?{urlencode(query, quote_via=quote)}&code_challenge={challenge(verifier)}"
    try:
        with urllib.request.urlopen(full, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def create_token(url: str, client: dict, code: str, verifier: str, redirect_uri: str) -> tuple[int, dict]:
    body = {
        "clientId": client["clientId"],
        "clientSecret": client["clientSecret"],
        "grantType": "authorization_code",
        "redirectUri": redirect_uri,
        "codeVerifier": verifier,
        "code": code,
    }
    return post(f"{url}/token", body)


def test_the_aws_cli_v2_wire_flow_end_to_end(emulator, callback):
    redirect_uri, received = callback
    client = register(emulator.url)
    verifier, state = new_verifier(), str(uuid.uuid4())
    assert authorize(emulator.url, client["clientId"], redirect_uri, verifier, state) == 200
    answer = received.get(timeout=5)
    assert answer["state"] == [state]
    (code,) = answer["code"]
    status, token = create_token(emulator.url, client, code, verifier, redirect_uri)
    assert status == 200, token
    assert token["accessToken"] and token["refreshToken"] and token["tokenType"] == "Bearer"
    status, again = create_token(emulator.url, client, code, verifier, redirect_uri)
    assert status == 400 and again["error"] == "invalid_grant"  # a code is good for one exchange
    (recorded,) = emulator.authorize_requests
    assert recorded["code_challenge"] == challenge(verifier) and recorded["redirect_uri"] == redirect_uri


@pytest.mark.parametrize("wrong", ["verifier", "redirect_uri"])
def test_a_wrong_verifier_or_redirect_uri_is_rejected(emulator, callback, wrong):
    redirect_uri, received = callback
    client = register(emulator.url)
    verifier = new_verifier()
    assert authorize(emulator.url, client["clientId"], redirect_uri, verifier, "s") == 200
    (code,) = received.get(timeout=5)["code"]
    if wrong == "verifier":
        status, answer = create_token(emulator.url, client, code, new_verifier(), redirect_uri)
    else:
        status, answer = create_token(emulator.url, client, code, verifier, redirect_uri.replace("127", "128", 1))
    assert status == 400
    assert answer["type"].startswith("InvalidGrantException:") and answer["error"] == "invalid_grant"


def test_deny_redirects_with_access_denied(emulator, callback):
    redirect_uri, received = callback
    emulator.configure(deny=True)
    client = register(emulator.url)
    assert authorize(emulator.url, client["clientId"], redirect_uri, new_verifier(), "s") == 200
    answer = received.get(timeout=5)
    assert answer["error"] == ["access_denied"] and answer["state"] == ["s"] and "code" not in answer


def test_the_approval_page_has_allow_and_deny_and_allow_redirects(emulator, callback):
    redirect_uri, received = callback
    emulator.configure(approve_after_polls=None)
    client = register(emulator.url)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client["clientId"],
            "redirect_uri": redirect_uri,
            "state": "s",
            "code_challenge_method": "S256",
            "scopes": "sso:account:access",
            "code_challenge": challenge(new_verifier()),
        }
    )
    with urllib.request.urlopen(f"{emulator.url}/authorize?{query}", timeout=10) as page:
        text = page.read().decode()
    assert 'id="allow"' in text and 'id="deny"' in text
    request_id = text.split('name="request" value="')[1].split('"')[0]
    form = urlencode({"request": request_id, "decision": "allow"}).encode()
    with urllib.request.urlopen(f"{emulator.url}/authorize", form, timeout=10):
        pass
    assert received.get(timeout=5)["state"] == ["s"]
    with pytest.raises(urllib.error.HTTPError) as twice:  # a request is answered once
        urllib.request.urlopen(f"{emulator.url}/authorize", form, timeout=10)
    assert twice.value.code == 400


@pytest.mark.parametrize(
    ("overrides", "redirect"),
    [
        ({}, "http://localhost:1234/oauth/callback"),
        ({}, "http://127.0.0.1:1234/elsewhere"),
        ({"grantTypes": ["urn:ietf:params:oauth:grant-type:device_code"]}, "http://127.0.0.1:1234/oauth/callback"),
        ({"redirectUris": []}, "http://127.0.0.1:1234/oauth/callback"),
    ],
)
def test_an_unregistered_redirect_is_refused_with_a_page(emulator, overrides, redirect):
    client = register(emulator.url, **overrides)
    assert authorize(emulator.url, client["clientId"], redirect, new_verifier(), "s") == 400

"""The browser flow (authorization code + PKCE) against the emulator, over real loopback HTTP.

A stand-in browser (via $BROWSER) fetches the authorize URL and follows the emulator's redirect
to ssohelper's listener, as a browser does once the emulator auto-approves. The real-browser
test is tests/test_browser_e2e.py; the raw wire format is tests/test_emulator_pkce.py.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import free_port, popen_interruptible, run_ssohelper, ssohelper_cmd

from ssohelper import errors
from ssohelper.signin import callback


def login(*args: str) -> subprocess.CompletedProcess:
    return run_ssohelper("login", "--sso-session", "corp", *args)


def token_file(home: Path) -> Path:
    import hashlib

    return home / ".aws" / "sso" / "cache" / (hashlib.sha1(b"corp").hexdigest() + ".json")


def test_login_uses_pkce_with_the_aws_cli_v2_wire_parameters(config, emulator, http_browser, isolated_home):
    result = login()
    assert result.returncode == 0, result.stderr
    assert "Signing in with the browser (authorization code with PKCE): the default for an sso-session" in result.stderr
    (request,) = emulator.authorize_requests
    assert set(request) == {
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
        "code_challenge_method",
        "scopes",
        "code_challenge",
    }
    assert request["response_type"] == "code" and request["code_challenge_method"] == "S256"
    assert request["scopes"] == "sso:account:access"
    assert len(request["code_challenge"]) == 43 and "=" not in request["code_challenge"]
    redirect = urlsplit(request["redirect_uri"])
    assert (redirect.scheme, redirect.hostname, redirect.path) == ("http", "127.0.0.1", "/oauth/callback")
    assert redirect.port
    (client,) = emulator.clients.values()
    assert client.client_id == request["client_id"]
    assert client.grant_types == ("authorization_code", "refresh_token")
    assert client.redirect_uris == ("http://127.0.0.1/oauth/callback",)
    assert client.issuer_url == "https://corp.awsapps.com/start"
    assert client.scopes == ("sso:account:access",)
    # the URL is printed, and it is the one the browser was given
    (visited,) = http_browser.read_text().split()
    assert visited.startswith(f"{emulator.url}/authorize?response_type=code&client_id=")
    assert visited in result.stderr
    raw = json.loads(token_file(isolated_home).read_text())
    assert raw["clientId"] == client.client_id and raw["refreshToken"] and raw["accessToken"]
    assert emulator.calls["StartDeviceAuthorization"] == 0


def test_the_browser_registration_is_cached_apart_from_the_device_one(config, emulator, http_browser):
    assert login().returncode == 0
    assert login("--force").returncode == 0
    assert emulator.calls["RegisterClient"] == 1  # reused
    assert login("--force", "--use-device-code").returncode == 0
    assert emulator.calls["RegisterClient"] == 2  # a device-flow client of its own
    assert login("--force").returncode == 0
    assert emulator.calls["RegisterClient"] == 2
    kinds = sorted(str(c.grant_types) for c in emulator.clients.values())
    assert kinds == [
        "('authorization_code', 'refresh_token')",
        "('urn:ietf:params:oauth:grant-type:device_code', 'refresh_token')",
    ]
    assert run_ssohelper("logout", "--sso-session", "corp").returncode == 0
    cache = Path(token_file(Path(config).parent.parent)).parent
    assert not list(cache.glob("*.json"))  # both registrations went with the logout


@pytest.mark.parametrize(
    ("knob", "words"),
    [
        ("deny", "was denied in the browser"),
        ("bad_code", "did not accept the sign-in code"),
    ],
)
def test_a_refused_browser_sign_in_exits_6_and_writes_no_token(
    config, emulator, http_browser, isolated_home, knob, words
):
    emulator.configure(**{knob: True})
    result = login()
    assert result.returncode == errors.EXIT_LOGIN_FAILED, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ssohelper: ") and words in last
    assert "run ssohelper login --sso-session corp to try again" in last
    assert "Traceback" not in result.stderr
    assert not token_file(isolated_home).exists()


def test_redirect_port_option_and_config_key(config, emulator, http_browser):
    port = free_port()
    result = login("--redirect-port", str(port))
    assert result.returncode == 0, result.stderr
    assert f"the callback listens on the fixed port {port}" in result.stderr
    assert emulator.authorize_requests[-1]["redirect_uri"] == f"http://127.0.0.1:{port}/oauth/callback"
    other = free_port()
    text = Path(config).read_text()
    Path(config).write_text(
        text.replace("sso_region = us-east-1\n", f"sso_region = us-east-1\nsso_redirect_port = {other}\n", 1)
    )
    assert login("--force").returncode == 0
    assert emulator.authorize_requests[-1]["redirect_uri"] == f"http://127.0.0.1:{other}/oauth/callback"


def test_over_ssh_the_device_flow_is_chosen_unless_a_port_is_set(config, emulator, http_browser, monkeypatch):
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.2 52000 10.0.0.1 22")
    result = login()
    assert result.returncode == 0, result.stderr
    assert "Signing in with a device code: an SSH session (SSH_CONNECTION is set)" in result.stderr
    assert emulator.calls["StartDeviceAuthorization"] == 1 and not emulator.authorize_requests
    result = login("--force", "--redirect-port", str(free_port()))
    assert result.returncode == 0, result.stderr
    assert "Signing in with the browser" in result.stderr and len(emulator.authorize_requests) == 1


def test_a_device_code_setting_makes_the_device_flow_the_default(config, emulator, http_browser, isolated_home):
    settings = isolated_home / ".config" / "ssohelper" / "config"
    settings.parent.mkdir(parents=True)
    settings.write_text("[login]\nuse_device_code = true\n")
    result = login()
    assert result.returncode == 0 and "use_device_code = true" in result.stderr
    assert emulator.calls["StartDeviceAuthorization"] == 1


def start_login(*args: str) -> tuple[subprocess.Popen, str]:
    """Start ssohelper login and read stderr until it prints the authorize URL."""
    process = popen_interruptible(
        [*ssohelper_cmd(), "login", "--sso-session", "corp", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    seen = ""
    deadline = time.time() + 30
    while "/authorize?" not in seen and time.time() < deadline:
        seen += process.stderr.readline()
    url = next(word for word in seen.split() if "/authorize?" in word)
    return process, url


def test_no_browser_prints_the_url_and_still_waits_on_the_listener(config, emulator, http_browser):
    process, url = start_login("--no-browser")
    try:
        assert not http_browser.exists()  # the browser was not opened
        with urllib.request.urlopen(url, timeout=10) as answer:  # the user opens it by hand
            assert "You can close this page" in answer.read().decode()
        _, rest = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, rest
    assert "Signed in to 'corp'" in rest
    assert "Waiting for approval in the browser" not in rest


def test_ctrl_c_while_waiting_exits_130_and_leaves_nothing(
    config, emulator, http_browser, isolated_home, runner_ignores_sigint
):
    emulator.configure(approve_after_polls=None)  # the approval page waits for a click that never comes
    process, url = start_login("--no-browser")
    port = urlsplit(parse_qs(urlsplit(url).query)["redirect_uri"][0]).port
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=30)
    assert process.returncode == errors.EXIT_INTERRUPTED, rest
    assert "interrupted" in rest and "Traceback" not in rest
    assert not token_file(isolated_home).exists()
    assert not list(token_file(isolated_home).parent.glob(".tmp-*"))
    with callback.CallbackListener(port, state="s"):  # the listener's port was released
        pass


def refused(url: str) -> urllib.error.HTTPError:
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(url, timeout=10)
    return error.value


def test_a_wrong_state_answer_gets_a_400_and_the_right_one_still_signs_in(config, emulator, http_browser):
    emulator.configure(wrong_state=True)  # the emulator redirects with a tampered state
    process, url = start_login("--no-browser")
    try:
        first = refused(url)  # the user approves; the redirect reaches the listener with a wrong state
        assert first.code == 400
        callback = urlsplit(first.geturl())
        listener = f"http://127.0.0.1:{callback.port}{callback.path}"
        assert refused(f"{listener}?error=access_denied&state=another-page").code == 400
        assert process.poll() is None  # neither ended the sign-in
        code = parse_qs(callback.query)["code"][0]
        state = parse_qs(urlsplit(url).query)["state"][0]
        with urllib.request.urlopen(f"{listener}?code={code}&state={state}", timeout=10) as answer:
            assert "Signed in" in answer.read().decode()
        _, rest = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, rest
    assert "Signed in to 'corp'" in rest


def test_the_demo_shows_the_browser_flow_when_a_browser_is_available(http_browser):
    result = run_ssohelper("demo", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Signing in with the browser (authorization code with PKCE): a browser is available" in result.stderr
    assert "Demo complete" in result.stderr
    assert "/authorize?response_type=code" in http_browser.read_text()

"""PKCE values, the loopback callback listener, and the choice between the browser and device flows."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest

from ssohelper.signin import callback, pkce
from ssohelper.signin.flow import BROWSER, DEVICE, choose_flow


def test_the_s256_challenge_matches_rfc_7636():
    # RFC 7636 appendix B
    assert (
        pkce.challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_verifiers_and_states_are_fresh_and_well_formed():
    verifiers = {pkce.new_verifier() for _ in range(50)}
    assert len(verifiers) == 50
    for verifier in verifiers:
        assert len(verifier) == 64 and set(verifier) <= set(pkce._VERIFIER_ALPHABET)
    assert pkce.new_state() != pkce.new_state()


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait(listener: callback.CallbackListener, seconds: float = 5) -> callback.Callback | None:
    import time

    return listener.wait(deadline=time.time() + seconds, clock=time.time)


def test_the_first_callback_counts_and_later_ones_are_ignored():
    with callback.CallbackListener(state="s1") as listener:
        status, page = get(f"{listener.redirect_uri}?code=first&state=s1")
        assert status == 200 and "close this page" in page
        status, page = get(f"{listener.redirect_uri}?error=access_denied&state=s1")
        assert status == 200 and "already answered" in page
        assert wait(listener) == callback.Callback("first", "s1", None)


def test_other_paths_get_a_404_and_do_not_settle_anything():
    with callback.CallbackListener(state="s") as listener:
        base = listener.redirect_uri.rsplit("/oauth/callback", 1)[0]
        assert get(f"{base}/favicon.ico")[0] == 404
        assert get(f"{base}/?code=x&state=y")[0] == 404
        assert get(f"{listener.redirect_uri}?state=only")[0] == 400
        assert wait(listener, seconds=0.1) is None  # still waiting: nothing counted
        get(f"{listener.redirect_uri}?error=access_denied&state=s")
        assert wait(listener) == callback.Callback(None, "s", "access_denied")


def test_a_callback_with_another_state_gets_a_400_and_the_wait_goes_on():
    with callback.CallbackListener(state="mine") as listener:
        for query in ("error=access_denied&state=other", "code=c&state=other", "code=c", "error=x"):
            status, page = get(f"{listener.redirect_uri}?{query}")
            assert status == 400 and "ignored" in page
        assert wait(listener, seconds=0.1) is None  # any local page cannot end the sign-in
        assert get(f"{listener.redirect_uri}?code=real&state=mine")[0] == 200
        assert wait(listener) == callback.Callback("real", "mine", None)


def test_an_idle_connection_does_not_block_the_callback_or_the_close():
    import time

    with callback.CallbackListener(state="s") as listener:
        # a browser's speculative preconnect: connected, never sends a request
        with socket.create_connection(("127.0.0.1", listener.port), timeout=2) as idle:
            status, _ = get(f"{listener.redirect_uri}?code=c&state=s")
            assert status == 200
            assert wait(listener) == callback.Callback("c", "s", None)
            started = time.monotonic()
            listener.close()  # returns although the idle connection is still open
            assert idle.fileno() != -1
        assert time.monotonic() - started < callback.CLOSE_TIMEOUT


def test_the_listener_is_bound_to_127_0_0_1_only():
    with callback.CallbackListener(state="s") as listener:
        assert listener.redirect_uri == f"http://127.0.0.1:{listener.port}/oauth/callback"
        # another loopback address on the same port is not served: the socket is not on 0.0.0.0
        with pytest.raises(OSError), socket.create_connection(("127.0.0.2", listener.port), timeout=2):
            pass


def test_a_fixed_port_is_used_and_a_busy_one_is_a_config_error():
    from helpers import free_port

    from ssohelper.errors import ConfigError

    port = free_port()
    with callback.CallbackListener(port, state="s") as listener:
        assert listener.port == port
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1 port {port}"):
            callback.CallbackListener(port, state="s")
    with callback.CallbackListener(port, state="s"):  # closed means closed: the port is free again
        pass


def test_the_wait_ends_at_the_deadline_and_reports_the_time_left():
    clock = iter([100.0, 399.0, 700.0, 701.0])
    seen: list[float] = []
    with callback.CallbackListener(state="s") as listener:
        answer = listener.wait(deadline=700.0, clock=lambda: next(clock), on_wait=seen.append)
    assert answer is None
    assert seen == [600.0, 301.0]


CHOICES = [
    # (flag, setting, named, port, env, platform, proc_version) -> flow, words in the reason
    ((True, False, True, None, {"DISPLAY": ":0"}, "linux", ""), DEVICE, "--use-device-code"),
    ((False, True, True, None, {"DISPLAY": ":0"}, "linux", ""), DEVICE, "use_device_code = true"),
    ((False, False, False, None, {"DISPLAY": ":0"}, "linux", ""), DEVICE, "without an sso-session"),
    ((False, False, True, None, {"DISPLAY": ":0"}, "linux", "Linux 5.15-microsoft-standard-WSL2"), DEVICE, "WSL"),
    ((False, False, True, 8400, {"DISPLAY": ":0"}, "linux", "Linux 5.15 Microsoft"), DEVICE, "WSL"),
    ((False, False, True, None, {"DISPLAY": ":0", "SSH_CONNECTION": "1 2 3 4"}, "linux", ""), DEVICE, "SSH_CONNECTION"),
    ((False, False, True, None, {"SSH_TTY": "/dev/pts/1"}, "darwin", ""), DEVICE, "SSH_TTY"),
    ((False, False, True, 8400, {"SSH_CONNECTION": "1 2 3 4"}, "linux", ""), BROWSER, "fixed port 8400"),
    ((False, False, True, None, {}, "linux", ""), DEVICE, "no display"),
    ((False, False, True, None, {"WAYLAND_DISPLAY": "wayland-0"}, "linux", ""), BROWSER, "default"),
    ((False, False, True, None, {}, "darwin", ""), BROWSER, "default"),
    ((False, False, True, None, {}, "win32", ""), BROWSER, "default"),
]


@pytest.mark.parametrize(("inputs", "flow", "words"), CHOICES)
def test_the_flow_choice(inputs, flow, words):
    flag, setting, named, port, env, platform, proc_version = inputs
    choice = choose_flow(
        use_device_code=flag,
        device_setting=setting,
        named_session=named,
        redirect_port=port,
        env=env,
        platform=platform,
        proc_version=proc_version,
    )
    assert choice.flow == flow
    assert words in choice.reason
    assert choice.redirect_port == (port if flow == BROWSER else None)
    assert choice.describe().startswith(
        "Signing in with the browser" if flow == BROWSER else "Signing in with a device"
    )


def test_the_waiting_line_is_worded_for_the_flow():
    from ssohelper.cli.options import waiting_text

    assert waiting_text(opens_browser=True, browser_flow=False) == "Waiting for approval in the browser..."
    assert "browser" not in waiting_text(opens_browser=False, browser_flow=False)
    assert "browser" not in waiting_text(opens_browser=False, browser_flow=True)
    assert waiting_text(opens_browser=True, browser_flow=True) == "Waiting for the sign-in in the browser..."

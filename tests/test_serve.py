"""The credential server's door, over real loopback sockets: what it answers, what it refuses,
how it holds up (slow clients, 200 at once) and its own faults (sign-in expired, portal down)."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import stat
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import ACCOUNT, require
from serving import Reply, as_an_sdk, raw

from ssohelper import times
from ssohelper.cache import rolestore
from ssohelper.roles.credential_process import target_entry
from ssohelper.serve import server
from ssohelper.serve.server import CONNECTION_TIMEOUT
from ssohelper.settings import ProcessOptions
from ssohelper.tokens import tokencache


def open_server(**options: float):
    found, endpoint = server.open_for("dev", ProcessOptions(**options))  # type: ignore[arg-type]
    return found, endpoint


@pytest.fixture
def served(signed_in):
    _found, endpoint = open_server()
    yield endpoint
    endpoint.stop()


def good(endpoint: server.Endpoint) -> Reply:
    return as_an_sdk(endpoint.url, headers={"Authorization": endpoint.token})


def forget_cached_credentials() -> None:
    from ssohelper.ini import awsconfig

    target = awsconfig.load().resolve_target("dev")
    assert rolestore.FileStore().delete(target_entry(target)) is not False


def test_the_right_request_gets_the_ecs_document(served, signed_in):
    reply = good(served)
    assert reply.status == 200
    document = reply.json()
    assert set(document) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "AccountId"}
    assert document["AccessKeyId"].startswith("ASIA") and document["AccountId"] == ACCOUNT
    assert time.strptime(document["Expiration"], "%Y-%m-%dT%H:%M:%SZ")
    by_name = served.url.replace("127.0.0.1", "localhost")
    assert as_an_sdk(by_name, headers={"Authorization": served.token}).status == 200
    assert signed_in.calls["GetRoleCredentials"] == 1  # the start fetched; requests read the cache


def _one_byte_off(token: str) -> str:
    return token[:-1] + ("0" if token[-1] != "0" else "1")


ATTACKS = {
    "no token": lambda t, p: ("GET", "/credentials", [], 401),
    "a wrong token": lambda t, p: ("GET", "/credentials", [("Authorization", "f" * 64)], 401),
    "a token one byte off": lambda t, p: ("GET", "/credentials", [("Authorization", _one_byte_off(t))], 401),
    "a token one byte short": lambda t, p: ("GET", "/credentials", [("Authorization", t[:-1])], 401),
    "a Bearer token": lambda t, p: ("GET", "/credentials", [("Authorization", "Bearer " + t)], 401),
    "two tokens": lambda t, p: ("GET", "/credentials", [("Authorization", "x"), ("Authorization", t)], 401),
    "a foreign Host (DNS rebinding)": lambda t, p: (
        "GET",
        "/credentials",
        [("Authorization", t), ("Host", f"evil.example:{p}")],
        403,
    ),
    "a Host without the port": lambda t, p: ("GET", "/credentials", [("Authorization", t), ("Host", "127.0.0.1")], 403),
    "two Hosts": lambda t, p: (
        "GET",
        "/credentials",
        [("Authorization", t), ("Host", f"127.0.0.1:{p}"), ("Host", "evil.example")],
        403,
    ),
    "an Origin header": lambda t, p: ("GET", "/credentials", [("Authorization", t), ("Origin", "http://evil")], 403),
    "X-Forwarded-For": lambda t, p: ("GET", "/credentials", [("Authorization", t), ("X-Forwarded-For", "10.9")], 403),
    "POST": lambda t, p: ("POST", "/credentials", [("Authorization", t), ("Content-Length", "0")], 405),
    "PUT": lambda t, p: ("PUT", "/credentials", [("Authorization", t), ("Content-Length", "0")], 405),
    "DELETE": lambda t, p: ("DELETE", "/credentials", [("Authorization", t)], 405),
    "OPTIONS (a CORS preflight)": lambda t, p: ("OPTIONS", "/credentials", [("Origin", "http://evil")], 403),
    "the root": lambda t, p: ("GET", "/", [("Authorization", t)], 404),
    "another role (aws-vault's route)": lambda t, p: (
        "GET",
        "/role-arn/arn:aws:iam::1:role/x",
        [("Authorization", t)],
        404,
    ),
    "a stop route": lambda t, p: ("GET", "/stop", [("Authorization", t)], 404),
    "a query string": lambda t, p: ("GET", "/credentials?role=x", [("Authorization", t)], 404),
    "another path without a token": lambda t, p: ("GET", "/stop", [], 401),
    "an unknown method with a quote": lambda t, p: ('GE"T', "/credentials", [("Authorization", t)], 501),
    "a bad version with a quote": lambda t, p: ("GET", '/credentials HTTP/1.1"x', [("Authorization", t)], 400),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_each_attack_is_refused_within_a_second(served, attack):
    port = int(served.url.split(":")[2].split("/")[0])
    method, path, headers, status = ATTACKS[attack](served.token, port)
    reply = raw(served.url, method=method, path=path, headers=headers)
    assert reply.status == status, reply.body
    assert reply.seconds < 1.0
    assert "AccessKeyId" not in reply.body and served.token not in reply.body
    assert json.loads(reply.body)["Code"] == "Refused" and '"x' not in reply.body and 'GE"T' not in reply.body
    assert good(served).status == 200  # and the server still serves


def test_botocore_on_port_80_leaves_the_port_out_of_host_and_is_served():
    """ECS's own address is 169.254.170.2 on port 80; http.client then sends a bare Host."""
    import http.client

    from ssohelper.serve.checks import Door, allowed_hosts, header_refusal

    sent = []
    connection = http.client.HTTPConnection("169.254.170.2", 80)
    connection.send = sent.append  # type: ignore[method-assign]
    connection.request("GET", "/credentials")
    host = http.client.parse_headers(io.BytesIO(sent[0].split(b"\r\n", 1)[1]))
    door = Door(allowed_hosts("169.254.170.2", 80), b"t")
    assert host["Host"] == "169.254.170.2" and header_refusal(door, host) is None
    elsewhere = Door(allowed_hosts("169.254.170.2", 8099), b"t")
    assert header_refusal(elsewhere, host) is not None  # a bare Host names port 80 only


def test_a_bug_in_a_handler_prints_no_traceback(signed_in, capsys):
    from ssohelper.serve.source import Supplier

    endpoint = server.start(Supplier("dev", ProcessOptions()), address="127.0.0.1", port=0)
    try:
        endpoint._server.app = None  # type: ignore[assignment]  # every request now fails inside
        with pytest.raises(IndexError):  # the connection is closed without an answer
            raw(endpoint.url, headers={"Authorization": endpoint.token})
    finally:
        endpoint.stop()
    assert "Traceback" not in capsys.readouterr().err


def test_a_slow_client_holds_only_its_own_connection(served):
    slow = socket.create_connection(("127.0.0.1", int(served.url.split(":")[2].split("/")[0])))
    slow.sendall(b"GET /credentials HTTP/1.1\r\n")  # and then nothing more
    started = time.monotonic()
    try:
        assert all(good(served).status == 200 for _ in range(5))  # others are served meanwhile
        assert time.monotonic() - started < CONNECTION_TIMEOUT
        slow.settimeout(CONNECTION_TIMEOUT * 3)
        assert slow.recv(100) == b""  # the server closed it after its timeout
        assert time.monotonic() - started < CONNECTION_TIMEOUT * 3
    finally:
        slow.close()


def test_a_request_head_past_the_limit_is_refused(served):
    """Many big headers on many connections would take gigabytes: the whole head is capped."""
    padding = [(f"X-Pad-{i}", "a" * 8000) for i in range(4)]  # each line and the count are within http.server's
    reply = raw(served.url, headers=[("Authorization", served.token), *padding])
    assert reply.status == 431 and "AccessKeyId" not in reply.body
    assert good(served).status == 200


def test_a_client_that_dribbles_its_request_is_cut_off(served):
    """A byte every half second never trips a per-read timeout; the request's deadline does."""
    port = int(served.url.split(":")[2].split("/")[0])
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as slow:
        slow.settimeout(0.5)
        try:
            for byte in b"GET /credentials HTTP/1.1\r\nX-Padding: " + b"a" * 100:
                slow.sendall(bytes([byte]))
                assert good(served).status == 200  # others are served meanwhile
                try:
                    if slow.recv(100) == b"":
                        break  # closed by the server
                except TimeoutError:
                    pass
        except (BrokenPipeError, ConnectionResetError):
            pass
    assert time.monotonic() - started < CONNECTION_TIMEOUT + 3


def test_200_requests_at_once_make_one_upstream_call(served, signed_in):
    forget_cached_credentials()
    before = signed_in.calls["GetRoleCredentials"]
    with ThreadPoolExecutor(200) as pool:
        replies = list(pool.map(lambda _: good(served), range(200)))
    assert [reply.status for reply in replies] == [200] * 200
    assert len({reply.json()["AccessKeyId"] for reply in replies}) == 1
    assert signed_in.calls["GetRoleCredentials"] == before + 1


def test_the_token_file_is_private_and_goes_with_the_server(signed_in):
    _found, endpoint = open_server()
    path = Path(endpoint.token_file)
    try:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert path.read_text() == endpoint.token and len(bytes.fromhex(endpoint.token)) == 32
    finally:
        endpoint.stop()
    assert not path.exists()
    assert endpoint.variables()["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] == str(path)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="switching to another user needs root")
def test_another_local_user_cannot_read_the_token_file(served):
    other = subprocess.run(
        ["cat", served.token_file],
        user=65534,
        group=65534,
        extra_groups=[],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert other.returncode != 0 and "Permission denied" in other.stderr
    assert served.token not in other.stdout


def test_an_expired_sign_in_is_an_error_answer_not_stale_keys(signed_in):
    signed_in.configure(role_ttl=20)
    found, endpoint = open_server(min_ttl=15)  # cached credentials serve for 5 s
    try:
        first = good(endpoint)
        assert first.status == 200
        token_file = Path(tokencache.token_path(found.target.session))
        raw_token = json.loads(token_file.read_text())
        raw_token["expiresAt"] = times.format_epoch(time.time() - 60)
        raw_token.pop("refreshToken", None)
        token_file.write_text(json.dumps(raw_token))
        time.sleep(5.5)  # the cached credentials still work, but are under the minimum TTL
        reply = good(endpoint)
        assert reply.status == 401 and reply.seconds < 2
        assert reply.json()["Code"] == "LoginRequired"
        assert "ssohelper login --sso-session corp" in reply.json()["Message"]
        assert "AccessKeyId" not in reply.body and first.json()["SecretAccessKey"] not in reply.body
    finally:
        endpoint.stop()


@pytest.mark.parametrize("status", [429, 500])
def test_a_throttled_or_failing_portal_is_an_error_answer_in_time(served, signed_in, status):
    forget_cached_credentials()
    signed_in.fail_next("GetRoleCredentials", 3, status)  # every attempt of one fetch
    reply = raw(served.url, headers={"Authorization": served.token})  # one attempt: its answer
    assert reply.status == 503 and reply.seconds < 2  # within the SDK's 2 s
    assert "AccessKeyId" not in reply.body and reply.json()["Message"]
    deadline = time.monotonic() + 20
    while (reply := good(served)).status != 200 and time.monotonic() < deadline:
        time.sleep(0.2)  # the server keeps running, and serves once the portal answers
    assert reply.status == 200


def test_a_bug_in_a_fetch_is_an_error_answer_and_the_server_goes_on(signed_in):
    from ssohelper.serve.source import Supplier

    calls = []

    def broken(profile, options):
        calls.append(profile)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return server.profile_credentials(profile, options)

    supplier = Supplier("dev", ProcessOptions(), produce=broken)
    endpoint = server.start(supplier, address="127.0.0.1", port=0)
    try:
        reply = good(endpoint)
        assert reply.status == 500 and "unexpected RuntimeError" in reply.json()["Message"]
        assert good(endpoint).status == 200
    finally:
        endpoint.stop()


def test_a_killed_servers_token_file_is_removed_by_the_next_one(signed_in):
    from ssohelper import paths

    folder = Path(paths.serve_dir())
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    orphan = folder / "token-999999999-0badc0de"  # no such process
    orphan.write_text("f" * 64)
    live = folder / f"token-{os.getpid()}-12345678"  # a running process: left alone
    live.write_text("e" * 64)
    _, endpoint = open_server()
    try:
        assert not orphan.exists() and live.exists()
    finally:
        endpoint.stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="making a directory another user's needs root")
@pytest.mark.parametrize(
    "command", [["serve", "--profile", "dev"], ["exec", "--server", "--profile", "dev", "--", "true"]]
)
def test_another_users_runtime_directory_is_refused_with_one_line(signed_in, tmp_path, monkeypatch, command):
    from helpers import OTHER_UID, run_ssohelper

    runtime = tmp_path / "runtime"
    (runtime / "ssohelper").mkdir(parents=True)
    runtime.chmod(0o700)
    os.chown(runtime / "ssohelper", OTHER_UID, OTHER_UID)  # made by another user
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    result = run_ssohelper(*command, timeout=30)
    assert result.returncode == 4, result.stderr
    assert result.stderr == (
        f"ssohelper: refusing {runtime / 'ssohelper'}: it belongs to uid {OTHER_UID}, not to you (uid {os.getuid()}); "
        f"remove {runtime / 'ssohelper'}\n"
    )


HOLD_SLOTS = """
import socket, sys, time
port = int(sys.argv[1])
held = []
for _ in range(300):
    try:
        held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
    except OSError:
        pass
print(len(held), flush=True)
time.sleep(float(sys.argv[2]))
"""


def test_another_users_connections_are_closed_at_once_and_hold_no_slot(served):
    """Any local user could hold all 256 slots (botocore then got 0 of 10 fetches): on loopback a
    connection from another uid is closed as it is accepted, as the IMDS mode does."""
    system_python = "/usr/bin/python3"  # the venv's may sit where uid 65534 can't enter
    require(os.path.exists(system_python) and shutil.which("curl"), "/usr/bin/python3 and curl")
    port = served.url.split(":")[2].split("/")[0]
    other = {"user": 65534, "group": 65534, "extra_groups": []}
    holder = subprocess.Popen([system_python, "-c", HOLD_SLOTS, port, "4"], stdout=subprocess.PIPE, text=True, **other)
    try:
        assert int(holder.stdout.readline()) > 0  # the connections were made ...
        # ... and hold nothing: were the slots full, these would be closed unanswered
        assert [good(served).status for _ in range(10)] == [200] * 10
    finally:
        holder.kill()
        holder.wait()
    header = f"Authorization: {served.token}"  # even with the token (were it stolen): no answer at all
    curl = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", header, served.url],
        capture_output=True,
        text=True,
        timeout=30,
        **other,
    )
    assert curl.stdout == "000"

"""The IMDSv2 mode's door: the token step (TTL, cap, no proxies), no IMDSv1, one role, nothing else."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess

import click
import pytest
from helpers import require
from serving import as_an_sdk, raw

from ssohelper.serve import server
from ssohelper.serve.imds import MAX_TOKENS, ROLE_PATH, TOKEN_HEADER, TOKEN_PATH, TTL_HEADER, TokenBook
from ssohelper.settings import ProcessOptions


@pytest.fixture
def imds(cli, config, emulator):
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    _, endpoint = server.open_for("dev", ProcessOptions(), imds=True)
    yield endpoint.url
    endpoint.stop()


def token(url: str, ttl: str = "60", **extra: str) -> str:
    reply = raw(url, method="PUT", path=TOKEN_PATH, headers={TTL_HEADER: ttl, **extra})
    assert reply.status == 200, reply.body
    return reply.body


def test_the_token_step_then_the_role_then_its_credentials(imds):
    session = token(imds)
    role = raw(imds, path=ROLE_PATH, headers={TOKEN_HEADER: session})
    assert (role.status, role.body) == (200, "Developer")
    creds = as_an_sdk(imds, path=ROLE_PATH + "Developer", headers={TOKEN_HEADER: session}).json()
    assert creds["Code"] == "Success" and creds["AccessKeyId"].startswith("ASIA") and creds["Token"]


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", ROLE_PATH, {}, 401),  # IMDSv1: no token
        ("GET", ROLE_PATH + "Developer", {TOKEN_HEADER: "made-up"}, 401),
        ("PUT", TOKEN_PATH, {TTL_HEADER: "60", "X-Forwarded-For": "10.0.0.9"}, 403),
        ("PUT", TOKEN_PATH, {TTL_HEADER: "60", "Origin": "http://evil"}, 403),
        ("PUT", TOKEN_PATH, {TTL_HEADER: "60", "Host": "169.254.169.254"}, 403),
        ("PUT", TOKEN_PATH, {}, 400),
        ("PUT", TOKEN_PATH, {TTL_HEADER: "0"}, 400),
        ("PUT", TOKEN_PATH, {TTL_HEADER: "21601"}, 400),
        ("PUT", TOKEN_PATH, {TTL_HEADER: "-5"}, 400),
        ("PUT", TOKEN_PATH, {TTL_HEADER: "\xb2"}, 400),  # a digit to str.isdigit, not to int()
        ("PUT", TOKEN_PATH, {TTL_HEADER: "9" * 5000}, 400),  # past int()'s digit limit
        ("GET", TOKEN_PATH, {TTL_HEADER: "60"}, 405),
    ],
)
def test_the_door_refuses(imds, method, path, headers, status):
    reply = raw(imds, method=method, path=path, headers=headers)
    assert reply.status == status and reply.seconds < 1
    assert "AccessKeyId" not in reply.body


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", ROLE_PATH + "Developer", 405),
        ("GET", ROLE_PATH + "Admin", 404),
        ("GET", "/latest/user-data", 404),
        ("GET", "/", 404),
    ],
)
def test_with_a_token_only_the_role_routes_answer(imds, method, path, status):
    session = token(imds)
    headers = {TOKEN_HEADER: session, "Content-Length": "0"}
    assert raw(imds, method=method, path=path, headers=headers).status == status


def test_a_request_with_x_forwarded_for_is_refused_even_with_a_token(imds):
    session = token(imds)
    reply = raw(imds, path=ROLE_PATH + "Developer", headers={TOKEN_HEADER: session, "X-Forwarded-For": "1.2.3.4"})
    assert reply.status == 403


def test_tokens_expire_and_are_capped():
    now = [1000.0]
    book = TokenBook(cap=3, clock=lambda: now[0])
    first = book.issue(10)
    assert first and book.valid([first])
    second, third = book.issue(100), book.issue(50)
    fourth = book.issue(100)  # three live: the one that expires first (the first) makes room
    assert not book.valid([first]) and all(book.valid([t]) for t in (second, third, fourth))
    fifth = book.issue(100)  # then the third, which ends before the others
    assert not book.valid([third]) and all(book.valid([t]) for t in (second, fourth, fifth))
    now[0] += 101  # all expired: none works
    assert not any(book.valid([t]) for t in (second, fourth, fifth))
    assert not book.valid([fifth, fifth]) and not book.valid([]) and not book.valid(None)


def test_clients_beyond_the_cap_are_still_served(imds):
    """Every botocore process asks for its own 6-hour token: the 65th in six hours is served too."""
    tokens = [token(imds, ttl="21600") for _ in range(MAX_TOKENS + 3)]
    newest = raw(imds, path=ROLE_PATH, headers={TOKEN_HEADER: tokens[-1]})
    assert (newest.status, newest.body) == (200, "Developer")
    assert raw(imds, path=ROLE_PATH, headers={TOKEN_HEADER: tokens[0]}).status == 401  # made room


def test_the_owner_of_a_loopback_connection_is_found(imds):
    from ssohelper.serve import peer

    with socket.create_connection(("127.0.0.1", int(imds.rsplit(":", 1)[1]))) as sock:
        mine = sock.getsockname()
        assert peer.owner(mine, sock.getpeername()) == os.getuid()
        assert peer.owner(mine, ("127.0.0.1", 1)) == -1  # no such connection: refused
    assert peer.owner(mine, ("127.0.0.1", 1), table="/nonexistent") is None  # not Linux: unknown


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="switching to another user needs root")
@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="the socket owner is known on Linux only")
def test_another_local_user_is_refused(imds):
    require(shutil.which("curl"), "curl")

    def curl(*user: int) -> str:
        done = subprocess.run(
            [
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-X",
                "PUT",
                "-H",
                f"{TTL_HEADER}: 60",
                imds + TOKEN_PATH,
            ],
            capture_output=True,
            text=True,
            timeout=30,
            **({"user": user[0], "group": user[0], "extra_groups": []} if user else {}),
        )
        return done.stdout

    assert curl() == "200"
    assert curl(65534) == "000"  # closed as it is accepted: no answer, no slot held


def test_imds_serves_credentials_with_at_least_five_minutes_left(cli, config, emulator, capsys):
    """EC2 renews at least 5 minutes early, and botocore's IMDS provider keeps signing with
    credentials it is handed with less left ("static stability"): --min-ttl 1 is raised to 5."""
    from ssohelper.cli.serve import IMDS_MIN_TTL, serve_options

    with click.Context(click.Command("serve")):
        raised = serve_options("1", imds=True)
        kept = serve_options("1")
    assert raised.min_ttl == IMDS_MIN_TTL == 300 and kept.min_ttl == 60
    assert "--imds: serving credentials with at least 5 minutes left, as EC2 does (not 1)" in capsys.readouterr().err

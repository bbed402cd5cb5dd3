"""Every answer is bounded input: portal, OIDC and federation answers are read up to a cap;
a broken answer is exit 5 with one line; the console's own HTTP call uses botocore's CA bundle
and proxy settings (tested against a private CA made here)."""

from __future__ import annotations

import contextlib
import datetime
import http.server
import json
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import ACCOUNT, ROLE, write_config

from ssohelper import errors
from ssohelper.aws import bounded

CAP_MIB = bounded.MAX_ANSWER // (1024 * 1024)


@pytest.fixture
def signed_in(cli, isolated_home, emulator):
    write_config(isolated_home)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    emulator.reset_calls()
    return emulator


@contextlib.contextmanager
def raw_server(answer: Callable[[socket.socket], None]) -> Iterator[str]:
    """A loopback server that reads one request per connection and lets ``answer`` reply."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                with contextlib.suppress(OSError):
                    connection.recv(65536)
                    answer(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        thread.join(5)


def cut_short(connection: socket.socket) -> None:
    connection.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"Sig')


def bad_status_line(connection: socket.socket) -> None:
    connection.sendall(b"SPDY/9 what\r\n\r\n")


def reset(connection: socket.socket) -> None:
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def chunked_flood(connection: socket.socket) -> None:
    """An endless chunked answer with no Content-Length: only a reader's own cap stops it."""
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"x" * 65536
    for _ in range(2 * bounded.MAX_ANSWER // len(chunk)):
        connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))


def oversized(connection: socket.socket) -> None:
    size = bounded.MAX_ANSWER + 10
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
    connection.sendall(b"x" * size)


# --- portal and OIDC answers (botocore) ---


def test_an_oversized_portal_answer_is_exit_5_naming_the_call(cli, signed_in):
    signed_in.configure(answer_bytes=bounded.MAX_ANSWER + 1)
    result = cli("list", "--sso-session", "corp", "--refresh")
    assert result.code == errors.EXIT_AWS and result.out == ""
    assert f"ListAccounts: the answer is larger than {CAP_MIB} MiB and was not read" in result.err
    assert result.err.count("\n") == 1
    assert signed_in.calls["ListAccounts"] == 1  # not retried
    signed_in.configure(answer_bytes=bounded.MAX_ANSWER - 1)  # under the cap: read, then found wanting
    result = cli("list", "--sso-session", "corp", "--refresh")
    assert result.code == errors.EXIT_AWS and "not what the API promises" in result.err


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (chunked_flood, f"the answer is larger than {CAP_MIB} MiB"),
        (oversized, f"the answer is larger than {CAP_MIB} MiB"),
        (cut_short, "before a complete answer came"),
        (reset, "before a complete answer came"),
    ],
)
def test_every_broken_portal_answer_is_exit_5_with_one_line(cli, signed_in, monkeypatch, answer, message):
    with raw_server(answer) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", url)
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
        result = cli("list", "--sso-session", "corp", "--refresh")
    assert result.code == errors.EXIT_AWS, result.err
    assert message in result.err and result.err.count("\n") == 1 and result.out == ""


def test_an_oversized_oidc_answer_is_refused_too(cli, isolated_home, emulator, monkeypatch):
    write_config(isolated_home)
    with raw_server(chunked_flood) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", url)
        result = cli("login", "--sso-session", "corp", "--no-browser", "--use-device-code")
    assert result.code == errors.EXIT_AWS
    assert f"RegisterClient: the answer is larger than {CAP_MIB} MiB" in result.err


# --- the console's federation call ---


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (cut_short, "broke off (IncompleteRead)"),
        (bad_status_line, "broke off (BadStatusLine)"),
        (reset, "broke off (ConnectionResetError)"),
        (oversized, f"the answer is larger than {CAP_MIB} MiB"),
        (chunked_flood, f"the answer is larger than {CAP_MIB} MiB"),
    ],
)
def test_every_broken_federation_answer_is_exit_5_with_one_line(cli, signed_in, monkeypatch, answer, message):
    with raw_server(answer) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", url)
        result = cli("console", "--profile", "dev", "--print")
    assert result.code == errors.EXIT_AWS, result.err
    assert message in result.err and result.err.count("\n") == 1 and result.out == ""


# --- TLS and proxies outside botocore ---


def make_ca(directory: Path) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate for 127.0.0.1 signed by it: (CA, cert, key) PEM files."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ssohelper test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


class _Federation(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"SigninToken": "private-ca-token"}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _Tunnel(http.server.BaseHTTPRequestHandler):
    """A CONNECT proxy that records where it was asked to go."""

    seen: list[str] = []

    def do_CONNECT(self) -> None:
        self.seen.append(self.path)
        host, port = self.path.rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)), 5)
        self.send_response(200)
        self.end_headers()
        sockets = [self.connection, upstream]

        def pipe(source: socket.socket, sink: socket.socket) -> None:
            with contextlib.suppress(OSError):
                while data := source.recv(65536):
                    sink.sendall(data)
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)

        back = threading.Thread(target=pipe, args=(upstream, self.connection), daemon=True)
        back.start()
        pipe(self.connection, upstream)
        back.join(5)
        for each in sockets:
            each.close()

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(handler: type, tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    scheme = "http"
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(tls[0]), str(tls[1]))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def private_ca(tmp_path, signed_in, monkeypatch):
    ca, cert, key = make_ca(tmp_path)
    for name in ("AWS_CA_BUNDLE", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    with serving(_Federation, (cert, key)) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", url)
        yield ca


def test_the_console_call_verifies_against_aws_ca_bundle(cli, private_ca, monkeypatch):
    refused = cli("console", "--profile", "dev", "--print")
    assert refused.code == errors.EXIT_AWS and "CERTIFICATE_VERIFY_FAILED" in refused.err
    monkeypatch.setenv("AWS_CA_BUNDLE", str(private_ca))
    result = cli("console", "--profile", "dev", "--print")
    assert result.code == 0, result.err
    assert "SigninToken=private-ca-token" in result.out


def test_the_console_call_verifies_against_the_profiles_ca_bundle(cli, isolated_home, private_ca):
    write_config(
        isolated_home,
        extra=f"\n[profile viaca]\nsso_session = corp\nsso_account_id = {ACCOUNT}\nsso_role_name = {ROLE}\n"
        f"ca_bundle = {private_ca}\n",
    )
    result = cli("console", "--profile", "viaca", "--print")
    assert result.code == 0, result.err
    assert "SigninToken=private-ca-token" in result.out
    missing = cli("console", "--profile", "dev", "--print")  # the other profile has no ca_bundle
    assert missing.code == errors.EXIT_AWS


def test_the_console_call_goes_through_https_proxy_unless_no_proxy(cli, private_ca, monkeypatch):
    monkeypatch.setenv("AWS_CA_BUNDLE", str(private_ca))
    _Tunnel.seen = []
    with serving(_Tunnel) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy)
        result = cli("console", "--profile", "dev", "--print")
        assert result.code == 0, result.err
        assert len(_Tunnel.seen) == 1 and _Tunnel.seen[0].startswith("127.0.0.1:")
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        assert cli("console", "--profile", "dev", "--print").code == 0
        assert len(_Tunnel.seen) == 1  # went direct


def test_a_bad_ca_bundle_is_a_configuration_error(cli, private_ca, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    result = cli("console", "--profile", "dev", "--print")
    assert result.code == errors.EXIT_CONFIG and "cannot use the CA bundle" in result.err

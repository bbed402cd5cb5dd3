"""The threaded HTTP server behind both modes, and its life: start, the variables, stop.

One thread per connection, and CONNECTION_TIMEOUT for the whole request, so a client that sends
nothing, or a byte now and then, holds only its own thread, and only that long; connections
beyond MAX_CONNECTIONS are closed at once rather than queued without end.
"""

from __future__ import annotations

import http.client
import io
import logging
import signal
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any, Protocol

from ssohelper.errors import UsageError
from ssohelper.roles.envcreds import ProfileCredentials
from ssohelper.serve import answers, peer, tokenfile
from ssohelper.serve.checks import Door, allowed_hosts, bind_address, credentials_refusal
from ssohelper.serve.imds import Imds
from ssohelper.serve.source import Supplier, profile_credentials
from ssohelper.settings import ProcessOptions

log = logging.getLogger("ssohelper")

CONNECTION_TIMEOUT = 2.0
MAX_CONNECTIONS = 256
MAX_REQUEST_BYTES = 16384  # an SDK's request is under 1 KiB


class App(Protocol):
    routes: frozenset[str]  # the paths it answers, for the log

    def answer(self, method: str, path: str, headers: Message) -> answers.Answer: ...


class Ecs:
    """The container-credentials (ECS) route: one path, GET, the token."""

    def __init__(self, door: Door, supplier: Supplier) -> None:
        self.door, self.supplier = door, supplier
        self.routes = frozenset({door.path})

    def answer(self, method: str, path: str, headers: Message) -> answers.Answer:
        refused = credentials_refusal(self.door, method, path, headers)
        if refused:
            return answers.refused(refused)
        try:
            return answers.ecs_document(self.supplier.get())
        except Exception as exc:
            return answers.failed(exc)


class _DeadlineReader(io.RawIOBase):
    """A socket reader whose every read is bounded by what is left of one deadline for the whole
    request: a client that sends a byte now and then (slowloris) is cut off all the same. And by
    MAX_REQUEST_BYTES in all: else 100 header lines of 64 KiB each, on every connection at once,
    would hold gigabytes (a request head past it is 431)."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock, self._deadline, self._bytes_left = sock, deadline, MAX_REQUEST_BYTES

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request took too long")
        if self._bytes_left <= 0:
            raise http.client.LineTooLong("request")
        self._sock.settimeout(left)
        got = self._sock.recv_into(memoryview(buffer)[: self._bytes_left])
        self._bytes_left -= got
        return got


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = CONNECTION_TIMEOUT
    server_version = "ssohelper"
    sys_version = ""
    error_content_type = answers.JSON
    # the fixed explanation, never the message: that one quotes the client's request line
    error_message_format = '{"Code": "Refused", "Message": "%(explain)s"}'

    def setup(self) -> None:
        super().setup()
        self.rfile = io.BufferedReader(_DeadlineReader(self.connection, time.monotonic() + CONNECTION_TIMEOUT))

    def _dispatch(self) -> None:
        self.connection.settimeout(CONNECTION_TIMEOUT)  # for the answer: the reading is over
        answer = self.server.app.answer(self.command, self.path, self.headers)
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        """The method, the path if it is a route, and the status: a client that put its token in
        the query or the path must not find it in the --debug log."""
        path = getattr(self, "path", "")  # none when the request line was malformed
        shown = path if path in self.server.app.routes else "(another path)"
        log.debug('serve: %s "%s %s" %s', self.client_address[0], self.command, shown, code)

    def log_message(self, format: str, *args: Any) -> None:  # errors: the status, never the request line
        codes = [arg for arg in args if isinstance(arg, int)]
        log.debug("serve: %s %s", self.client_address[0], f"refused ({codes[0]})" if codes else "request failed")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False  # a port someone else holds is an error, never shared
    request_queue_size = 512  # 200 clients connecting at once are queued, not dropped

    app: App
    # On loopback, another user's connection is closed as it is accepted (see ssohelper.serve.peer):
    # it gets no answer and holds none of the MAX_CONNECTIONS slots. Not on --bind-exposed, where
    # containers connect from network namespaces this host's table doesn't show.
    same_user_only = False

    def __init__(self, address: tuple[str, int]) -> None:
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(address, _Handler, bind_and_activate=False)

    def server_bind(self) -> None:  # HTTPServer's own looks the name up in DNS: not needed
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:  # a bug: logged, not printed
        log.debug("serve: a request from %s failed", client_address[0], exc_info=True)

    def process_request(self, request: Any, client_address: Any) -> None:
        here = (self.server_name, self.server_port)
        if self.same_user_only and not peer.allowed(client_address, here):
            log.debug("serve: %s refused: another user's connection", client_address[0])
            self.shutdown_request(request)
            return
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)  # too many at once: close, don't queue
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


@dataclass
class Endpoint:
    """A running server: its URL, and for the credential route its token and token file."""

    url: str
    token: str = field(repr=False)
    token_file: str
    _server: _Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def variables(self, *, with_token: bool = True) -> dict[str, str]:
        """What an SDK needs: the URL, the token file and (for SDKs that don't read it) the token."""
        if not self.token_file:  # the IMDS mode: botocore's endpoint variable, and no IMDSv1 fallback
            return {"AWS_EC2_METADATA_SERVICE_ENDPOINT": self.url, "AWS_EC2_METADATA_V1_DISABLED": "true"}
        values = {
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": self.url,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": self.token_file,
        }
        if with_token:
            values["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = self.token
        return values

    def stop(self) -> None:
        """Stop answering and remove the token file (safe to call twice)."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        if self.token_file:
            tokenfile.remove(self.token_file)


def open_for(
    profile: str | None,
    options: ProcessOptions,
    *,
    port: int = 0,
    exposed: str | None = None,
    imds: bool = False,
    ask_mfa: Callable[[str], str] | None = None,
) -> tuple[ProfileCredentials, Endpoint]:
    """Fetch once (a profile that can't be served fails here, with its exit code), then serve it.
    Only this first fetch may ask for an MFA code (``ask_mfa``); the server's own fetches can't."""
    if imds and exposed is not None:  # no token: the Host check alone would let anyone who reaches it in
        raise UsageError("--imds can't be exposed: IMDS clients send no secret; serve it on 127.0.0.1 only")
    found = profile_credentials(profile, options, ask_mfa)
    supplier = Supplier(found.profile, options)
    role = found.target.role_name if imds else None
    endpoint = start(supplier, address=bind_address(exposed), port=port, imds_role=role)
    return found, endpoint


def start(supplier: Supplier, *, address: str, port: int, imds_role: str | None = None) -> Endpoint:
    """Start serving in a background thread: the ECS route, or the IMDS mode for ``imds_role``."""
    server = _Server((address, port))
    try:  # bind first: the port (and so the Host allow-list) is known before anything is written
        server.server_bind()
        server.server_activate()
    except OSError as exc:
        server.server_close()
        raise UsageError(f"can't listen on {address}:{port} ({exc.strerror}); choose another --port") from None
    port = server.server_address[1]
    token = tokenfile.new_token() if imds_role is None else ""
    door = Door(allowed_hosts(address, port), token.encode())
    server.app = Ecs(door, supplier) if imds_role is None else Imds(door, supplier, imds_role)
    server.same_user_only = address.startswith("127.")
    try:
        token_file = tokenfile.write(token) if token else ""
    except BaseException:
        server.server_close()
        raise
    thread = threading.Thread(target=server.serve_forever, name="ssohelper-serve", daemon=True)
    thread.start()
    url = f"http://{address}:{port}" + (door.path if imds_role is None else "")
    return Endpoint(url, token, token_file, server, thread)


class StopSignals:
    """Ctrl-C, SIGTERM and SIGHUP end the wait; installed before the server says it is up. Until
    ``serving()``, while the first fetch may hang on the portal, they interrupt it at once."""

    NAMES = ("SIGINT", "SIGTERM", "SIGHUP")

    def __init__(self) -> None:
        self._serving = False
        self._stop = threading.Event()
        self._received: list[str] = []
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        for name in self.NAMES:
            if hasattr(signal, name):
                number = getattr(signal, name)
                self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for number, old in self._previous.items():
            signal.signal(number, old)

    def serving(self) -> None:
        """From now on a signal ends the wait, and the cleanup runs."""
        self._serving = True

    def _handle(self, number: int, frame: FrameType | None) -> None:
        if not self._serving:
            raise KeyboardInterrupt
        self._received.append(signal.Signals(number).name)
        self._stop.set()

    def wait(self) -> str:
        """Block until one of the signals arrives; its name."""
        while not self._stop.wait(0.5):
            pass
        return self._received[0]

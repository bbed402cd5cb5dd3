"""The HTTP side: a threaded loopback server that routes botocore requests to the emulated APIs."""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ssohelper.emulator import authorize, faults, federation, oidc, portal
from ssohelper.emulator.control import control, verify_page
from ssohelper.emulator.state import State
from ssohelper.emulator.throttle import padded_json
from ssohelper.emulator.wire import OIDC, PORTAL, ROUTES, ApiError, portal_error

_OIDC_HANDLERS: dict[str, Callable[[State, dict[str, Any], str], dict[str, Any]]] = {
    "RegisterClient": oidc.register_client,
    "StartDeviceAuthorization": oidc.start_device_authorization,
    "CreateToken": oidc.create_token,
}
_PORTAL_HANDLERS: dict[str, Callable[[State, dict[str, str], str | None], dict[str, Any]]] = {
    "GetRoleCredentials": portal.get_role_credentials,
    "ListAccounts": portal.list_accounts,
    "ListAccountRoles": portal.list_account_roles,
    "Logout": portal.logout,
}
BEARER_HEADER = "x-amz-sso_bearer_token"


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops SYNs from parallel callers: a 1 s retransmit

    def __init__(self, address: tuple[str, int], state: State) -> None:
        self.state = state
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def wake(self) -> None:
        """Connect once, so serve_forever sees a shutdown now rather than after its 0.5 s poll."""
        host, port = str(self.server_address[0]), int(self.server_address[1])
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1" if host == "0.0.0.0" else host, port), 1).close()

    def close_connections(self) -> None:
        """Drop idle keep-alive connections so their handler threads end with the server."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
    disable_nagle_algorithm = True  # else delayed ACKs add ~40 ms to each keep-alive answer
    server_version = "ssohelper-emulator"
    timeout = 120
    server: Server
    _dribble_ms = 0

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines would carry tokens and client secrets."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        self._dribble_ms = 0
        try:
            if url.path.startswith("/_emulator/"):
                self._send_json(200, control(self.server.state, self.command, url.path, raw))
            elif url.path == "/federation" and self.command == "GET":
                self._dribble_ms = self.server.state.settings.dribble_ms
                self._send_json(200, federation.get_signin_token(self.server.state, query))
            elif url.path == "/verify":
                self._send_html(*verify_page(self.server.state, query.get("user_code")))
            elif url.path == "/authorize":
                answer = authorize.handle(self.server.state, self.command, query, raw)
                headers = {"Location": answer.location} if answer.location else {}
                self._send(answer.status, answer.page.encode(), "text/html; charset=utf-8", headers)
            else:
                self._send_json(200, self._api(url.path, query, raw))
        except ApiError as error:
            self._send_json(error.status, error.body, error.headers())
        except faults.RawAnswer as raw:
            self._send(raw.fault.status, raw.fault.body or b"", raw.fault.content_type, {})
        except faults.Dropped:
            self.close_connection = True
            faults.reset(self.connection)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a deadline): nobody to answer
            self.close_connection = True
        except Exception:  # an emulator bug must still answer, or the client hangs on retries
            traceback.print_exc()
            self._send_json(500, {"message": "Internal error"})

    def _api(self, path: str, query: dict[str, str], raw: bytes) -> dict[str, Any]:
        route = ROUTES.get((self.command, path))
        if route is None:
            raise ApiError(404, "UnknownOperationException", {"message": "Not found"})
        service, operation = route
        state = self.server.state
        state.count_call(operation)
        latency = state.settings.latency
        if latency > 0:
            time.sleep(latency)
        if service == PORTAL and not state.admit():
            raise portal_error("TooManyRequestsException", "Rate exceeded")
        self._dribble_ms = state.settings.dribble_ms
        fault = state.take_failure(operation)
        if fault is not None and fault.kind != "drop-after":
            faults.interrupt(service, fault)
        if service == OIDC:
            answer = _OIDC_HANDLERS[operation](state, _json_body(raw), self._base_url())
        else:
            answer = _PORTAL_HANDLERS[operation](state, query, self.headers.get(BEARER_HEADER))
        if fault is not None:
            raise faults.Dropped  # processed, but the client never sees the answer
        if service == PORTAL and state.settings.answer_bytes:
            raise faults.RawAnswer(faults.Fault("answer", 200, padded_json(state.settings.answer_bytes)()))
        return answer

    def _base_url(self) -> str:
        host = self.headers.get("Host")
        return f"http://{host}" if host else self.server.url

    def _send_json(self, status: int, body: Mapping[str, Any], headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body).encode() if body else b""
        self._send(status, payload, "application/json", headers or {})

    def _send_html(self, status: int, page: str) -> None:
        self._send(status, page.encode(), "text/html; charset=utf-8", {})

    def _send(self, status: int, payload: bytes, content_type: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self._dribble_ms > 0:
            faults.write_dribbled(self.wfile, payload, self._dribble_ms)
        else:
            self.wfile.write(payload)


def _json_body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, None, {"message": "Request body must be a JSON object"}, OIDC)
    return body

"""The loopback listener that receives the browser's authorization callback.

The listener is bound to 127.0.0.1 only, before the browser opens (no connection-refused race).
The first callback that carries the expected ``state`` and a ``code`` or an ``error`` settles the
sign-in; later ones are ignored. A callback with another state gets a 400 and settles nothing (any
local page can reach the listener), and any other path gets a 404. Each connection has its own
thread and a short timeout, so an idle one (a browser's speculative preconnect) blocks nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ssohelper.errors import ConfigError

CALLBACK_PATH = "/oauth/callback"
REDIRECT_URI_WITHOUT_PORT = f"http://127.0.0.1{CALLBACK_PATH}"
OVERALL_TIMEOUT = 10 * 60
HANDLER_TIMEOUT = 5.0  # seconds a connection may stay silent before its thread drops it
CLOSE_TIMEOUT = 5.0
_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>ssohelper</title></head>"
    "<body><h1>{title}</h1><p>{text}</p></body></html>"
)


@dataclass(frozen=True)
class Callback:
    code: str | None
    state: str | None
    error: str | None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = HANDLER_TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the query carries the authorization code."""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != CALLBACK_PATH:
            self._page(404, "Not found", "This address only receives the ssohelper sign-in.")
            return
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        if not (query.get("code") or query.get("error")):
            self._page(400, "Not a sign-in answer", "The request carried neither a code nor an error.")
            return
        callback = Callback(query.get("code"), query.get("state"), query.get("error"))
        if callback.state != self.server.state:
            self._page(400, "Not this sign-in", "The answer did not carry this sign-in's state, so it was ignored.")
            return
        if not self.server.settle(callback):
            self._page(200, "Already done", "This sign-in was already answered. You can close this page.")
        elif callback.error:
            self._page(200, "Sign-in not completed", "You can close this page and return to the terminal.")
        else:
            self._page(200, "Signed in", "ssohelper received the sign-in. You can close this page.")

    def _page(self, status: int, title: str, text: str) -> None:
        payload = _PAGE.format(title=title, text=text).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, state: str) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.state = state
        self.result: Callback | None = None
        self.done = threading.Event()
        self._lock = threading.Lock()

    def settle(self, callback: Callback) -> bool:
        """Keep the first callback; False for any later one."""
        with self._lock:
            if self.result is not None:
                return False
            self.result = callback
        self.done.set()
        return True


class CallbackListener:
    """``with CallbackListener(port, state=s) as listener:`` serves callbacks in threads until exit."""

    def __init__(self, port: int | None = None, *, state: str) -> None:
        try:
            self._server = _Server(port or 0, state)
        except OSError as exc:
            where = f"port {port}" if port else "a free port"
            raise ConfigError(
                f"cannot listen on 127.0.0.1 {where} for the sign-in callback ({exc.strerror or exc}); "
                "pass another --redirect-port, or --use-device-code"
            ) from None
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{CALLBACK_PATH}"

    def wait(
        self, *, deadline: float, clock: Callable[[], float], on_wait: Callable[[float], None] = lambda left: None
    ) -> Callback | None:
        """The first callback with the expected state, or None once ``deadline`` (on ``clock``) has passed."""
        while not self._server.done.wait(0.5):
            left = deadline - clock()
            if left <= 0:
                return None
            on_wait(left)
        return self._server.result

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(CLOSE_TIMEOUT)

    def __enter__(self) -> CallbackListener:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

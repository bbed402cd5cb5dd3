"""A loopback proxy in front of an AWS Query-protocol endpoint (moto in server mode) that adds
what moto lacks: latency, a throttle and refusals, and counts what it passes on.

- ``latency``: seconds added to every request, throttled or not.
- ``rate`` and ``burst``: a token bucket per signing access key (an account's role credentials,
  so per account, as IAM throttles), or one for every request with ``per_key=False``. A
  request with no token left is answered HTTP 400 ``Throttling`` ("Rate exceeded"), as IAM
  does, without reaching the upstream.
- ``deny``: actions answered HTTP 403 ``AccessDenied``, as an IAM policy or SCP would.
- ``answer_bytes``: every request it would pass on is answered HTTP 200 with this many bytes
  instead, chunked (no Content-Length: only a reader's own count stops it), as a broken or
  hostile proxy might; written as it goes, so the proxy never holds it.

``calls`` counts the requests passed upstream per action; ``throttled`` and ``denied`` count
the others. Example::

    with Proxy(moto_url, latency=0.02, rate=10, burst=10) as proxy:
        os.environ["AWS_ENDPOINT_URL_IAM"] = proxy.url
"""

from __future__ import annotations

import http.client
import re
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

_KEY = re.compile(r"Credential=([A-Z0-9]+)/")
_ERROR = (
    '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
    "<Code>{code}</Code><Message>{message}</Message></Error><RequestId>{id}</RequestId></ErrorResponse>"
)


class _Bucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst, self.tokens, self.at = rate, burst, burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Proxy:
    def __init__(
        self,
        upstream: str,
        *,
        latency: float = 0.0,
        rate: float = 0.0,
        burst: float = 1.0,
        per_key: bool = True,
        deny: Iterable[str] = (),
        answer_bytes: int = 0,
    ) -> None:
        self.upstream = urllib.parse.urlsplit(upstream)
        self.latency, self.rate, self.burst = latency, rate, max(burst, 1.0)
        self.deny, self.per_key = set(deny), per_key
        self.answer_bytes = answer_bytes
        self.calls: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()
        self.denied: Counter[str] = Counter()
        self._buckets: dict[str, _Bucket] = {}
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> Proxy:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        server.request_queue_size = 128
        self._server = server
        threading.Thread(target=server.serve_forever, name="ssohelper-proxy", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Proxy:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("proxy not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def verdict(self, action: str, key: str) -> str | None:
        """None to pass the request on, else the error code to answer with (and count it)."""
        with self.lock:
            if action in self.deny:
                self.denied[action] += 1
                return "AccessDenied"
            if self.rate > 0:
                bucket = self._buckets.setdefault(key if self.per_key else "", _Bucket(self.rate, self.burst))
                if not bucket.take():
                    self.throttled[action] += 1
                    return "Throttling"
            self.calls[action] += 1
            return None


def _handler(proxy: Proxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: requests carry credentials."""

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if proxy.latency > 0:
                time.sleep(proxy.latency)
            action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action", ["?"])[0]
            found = _KEY.search(self.headers.get("Authorization", ""))
            refused = proxy.verdict(action, found.group(1) if found else "")
            if refused is not None:
                status, message = (403, "Not authorized") if refused == "AccessDenied" else (400, "Rate exceeded")
                text = _ERROR.format(code=refused, message=message, id=uuid.uuid4())
                self._answer(status, text.encode(), "text/xml")
                return
            if proxy.answer_bytes:
                self._flood(proxy.answer_bytes)
                return
            self._forward(body)

        def _flood(self, size: int) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for start in range(0, size, len(chunk)):
                    part = chunk[: size - start]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
            except OSError:  # the reader stopped at its cap and hung up
                self.close_connection = True

        def _forward(self, body: bytes) -> None:
            upstream = http.client.HTTPConnection(
                proxy.upstream.hostname or "127.0.0.1", proxy.upstream.port, timeout=60
            )
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
            try:
                upstream.request("POST", self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                payload = answer.read()
                self._answer(answer.status, payload, answer.getheader("Content-Type") or "text/xml")
            finally:
                upstream.close()

        def _answer(self, status: int, payload: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            self.end_headers()
            self.wfile.write(payload)

    return Handler

"""Every answer is bounded input: botocore answers and the console federation answer are read
up to a cap, and HTTP calls made outside botocore use botocore's TLS and proxy settings.

botocore reads a whole answer into memory before any check can see it, so a ``before-send``
handler sends the request itself through the client's own HTTP session (its proxies, CA
bundle and connection pool) and reads the body in chunks, stopping at the cap. The same
handler paces portal calls (ssohelper.aws.pacing).
"""

from __future__ import annotations

import http.client
import os
from collections.abc import Callable, Iterator
from typing import Any

from ssohelper.aws import deadline
from ssohelper.aws.pacing import Pacer
from ssohelper.errors import AwsError, ConfigError

MAX_ANSWER = 4 * 1024 * 1024  # the largest real answer is tens of KiB
CHUNK = 64 * 1024
THROTTLED = {"TooManyRequestsException", "ThrottlingException", "Throttling", "SlowDownException"}


class AnswerTooLarge(AwsError):
    """An answer larger than the cap: a broken or hostile proxy, not AWS."""


def too_large(what: str, cap: int = MAX_ANSWER) -> AnswerTooLarge:
    return AnswerTooLarge(
        f"{what}: the answer is larger than {cap // (1024 * 1024)} MiB and was not read; "
        "a proxy or captive portal may be in the way"
    )


class _Read:
    """What botocore's AWSResponse needs of ``raw``: the body, already read."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[bytes]:
        yield self._body


def _broke_off(exc: Exception) -> bool:
    """An error of reading an answer: the socket's, http.client's, or that of urllib3 (botocore's
    transport, named by its module: only botocore may import it)."""
    return isinstance(exc, (OSError, http.client.HTTPException)) or type(exc).__module__.startswith("urllib3")


def _read_capped(response: Any, what: str, url: str, cap: int) -> bytes:
    from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > cap:
        response.raw.close()
        raise too_large(what, cap)
    chunks, total = [], 0
    try:
        for chunk in response.raw.stream(CHUNK):
            total += len(chunk)
            if total > cap:
                response.raw.close()
                raise too_large(what, cap)
            chunks.append(chunk)
    except Exception as exc:
        if not _broke_off(exc):
            raise
        if "Timeout" in type(exc).__name__:
            raise ReadTimeoutError(endpoint_url=url, error=exc) from None
        raise ConnectionClosedError(endpoint_url=url) from exc
    if length.isdigit() and total < int(length):  # cut short: botocore would parse the part that came
        raise ConnectionClosedError(endpoint_url=url)
    return b"".join(chunks)


def http_session(client: Any, verify: Callable[[], Any] = lambda: True) -> tuple[Any, bool]:
    """The HTTP session to send a client's requests through, and whether it is botocore's own.

    botocore has no public hook between sending and reading, so its endpoint's session (its
    connection pool, proxies and CA bundle) is found where botocore keeps it. Should a botocore
    release move it, a session of our own is made from the client's settings (the same proxies,
    timeouts, pool size and client certificate, and ``verify()``), so answers stay capped; if
    even that can't be made, a ConfigError says so rather than calling without a cap."""
    found = getattr(getattr(client, "_endpoint", None), "http_session", None)
    if callable(getattr(found, "send", None)):
        return found, True
    try:
        from botocore.httpsession import URLLib3Session
        from botocore.utils import get_environ_proxies

        settings, url = client.meta.config, client.meta.endpoint_url
        own = URLLib3Session(
            verify=verify(),
            proxies=settings.proxies or get_environ_proxies(url),
            timeout=(settings.connect_timeout, settings.read_timeout),
            max_pool_connections=settings.max_pool_connections,
            client_cert=settings.client_cert,
            proxies_config=settings.proxies_config,
        )
    except (ImportError, AttributeError, TypeError) as exc:
        import botocore

        raise ConfigError(
            f"cannot cap the answers of the AWS {client.meta.service_model.service_id} client: botocore "
            f"{botocore.__version__} no longer has what ssohelper uses ({exc.__class__.__name__}); "
            "install the botocore version ssohelper was released with, and report it"
        ) from None
    return own, False


def install(
    client: Any, *, pacer: Pacer | None = None, cap: int = MAX_ANSWER, verify: Callable[[], Any] = lambda: True
) -> None:
    """Make ``client`` read every answer up to ``cap`` bytes, and pace its calls with ``pacer``.
    Waits for a turn (``pacer``'s, botocore's adaptive rate limiter's, a retry's back-off) are
    left out of the call's deadline (ssohelper.aws.deadline)."""
    from botocore.awsrequest import AWSResponse

    events = client.meta.events
    service = client.meta.service_model.service_id.hyphenize()
    session, _ = http_session(client, verify)

    def waiting(**kwargs: Any) -> None:
        deadline.waiting()

    def send(request: Any, event_name: str = "", **kwargs: Any) -> Any:
        if pacer is not None:
            pacer.before_call()
        deadline.working()
        request.stream_output = True  # else the session reads the whole answer before we can look
        response = session.send(request)
        body = _read_capped(response, event_name.rsplit(".", 1)[-1], request.url, cap)
        return AWSResponse(request.url, response.status_code, response.headers, _Read(body))

    def answered(response: Any = None, **kwargs: Any) -> None:
        deadline.waiting()  # a retry's back-off, if botocore retries
        if pacer is None or response is None:
            return
        http_response, parsed = response
        code = (parsed or {}).get("Error", {}).get("Code")
        pacer.after_call(http_response.status_code == 429 or code in THROTTLED)

    # Handlers of 'before-send.<service>' run before those of 'before-send' (botocore's adaptive
    # rate limiter): the wait starts first of all, and the request is sent last of all.
    events.register_first(f"before-send.{service}", waiting, unique_id="ssohelper-bounded-wait")
    events.register_last("before-send", send, unique_id="ssohelper-bounded-send")
    events.register(f"needs-retry.{service}", answered, unique_id="ssohelper-pacing")


def ca_bundle(profile_values: dict[str, str] | None = None) -> str | None:
    """The CA bundle botocore would use: AWS_CA_BUNDLE, else the profile's ca_bundle."""
    found = os.environ.get("AWS_CA_BUNDLE") or (profile_values or {}).get("ca_bundle")
    return os.path.expanduser(found) if found else None


def get(url: str, timeout: float, *, what: str, cafile: str | None = None, cap: int = MAX_ANSWER) -> bytes:
    """GET ``url`` as botocore would reach it (HTTPS_PROXY/NO_PROXY from the environment, the CA
    bundle), reading at most ``cap`` bytes. HTTP errors raise urllib.error.HTTPError; a broken
    answer (cut short, bad status line, reset) raises AwsError naming ``what``."""
    import ssl
    import urllib.parse
    import urllib.request

    try:
        context = ssl.create_default_context(cafile=cafile) if cafile else None
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"cannot use the CA bundle {cafile} ({exc.__class__.__name__}); check AWS_CA_BUNDLE or ca_bundle"
        ) from None
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context))
    request = urllib.request.Request(url, headers={"User-Agent": "ssohelper"})
    where = urllib.parse.urlsplit(url).netloc
    try:
        with opener.open(request, timeout=timeout) as response:
            body: bytes = response.read(cap + 1)
            if len(body) <= cap and getattr(response, "length", None):  # Content-Length promised more
                raise http.client.IncompleteRead(body, response.length)
    except urllib.error.HTTPError:
        raise
    except (http.client.HTTPException, ConnectionError) as exc:
        raise AwsError(
            f"{what}: the answer from {where} broke off ({exc.__class__.__name__}); check your network or proxy"
        ) from None
    if len(body) > cap:
        raise too_large(what, cap)
    return body

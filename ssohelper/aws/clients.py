"""botocore clients for SSO OIDC and the SSO portal, and one place that translates their errors.

Both APIs are unsigned. Endpoints follow botocore's own rules, so AWS_ENDPOINT_URL_SSO and
AWS_ENDPOINT_URL_SSO_OIDC (and proxies, CA bundles) work as they do for the AWS CLI.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ssohelper.aws import bounded
from ssohelper.aws.pacing import Pacer
from ssohelper.errors import AwsError, ConfigError, LoginRequired, SsoHelperError
from ssohelper.models import SsoSession
from ssohelper.settings import call_timeout

log = logging.getLogger("ssohelper")


class AnswerLost(AwsError):
    """The request went out, but no complete answer came back: the server may have acted on it."""


THROTTLING_CODES = bounded.THROTTLED


def config(*, signed: bool = False, max_pool_connections: int = 10, attempts_default: int = 3) -> Any:
    """The botocore Config of every client: retries from AWS_RETRY_MODE/AWS_MAX_ATTEMPTS
    ('standard', ``attempts_default`` attempts by default), short per-read timeouts (the overall
    deadline is enforced around each call), and unsigned unless ``signed`` (SSO calls carry a
    bearer token)."""
    from botocore import UNSIGNED
    from botocore.config import Config

    attempts = os.environ.get("AWS_MAX_ATTEMPTS") or str(attempts_default)
    if not attempts.isdigit() or int(attempts) < 1:
        raise ConfigError(f"AWS_MAX_ATTEMPTS must be a whole number of attempts, not {attempts!r}")
    retries = {"mode": os.environ.get("AWS_RETRY_MODE") or "standard", "total_max_attempts": int(attempts)}
    per_read = min(call_timeout(), 30)  # the overall deadline is enforced around the call
    unsigned: dict[str, Any] = {} if signed else {"signature_version": UNSIGNED}
    return Config(
        **unsigned,
        retries=retries,
        connect_timeout=min(per_read, 10),
        read_timeout=per_read,
        max_pool_connections=max_pool_connections,
    )


def client(service: str, region: str, *, max_pool_connections: int = 10, pacer: Pacer | None = None) -> Any:
    """A botocore client for ``sso-oidc`` or ``sso``; retries follow AWS_RETRY_MODE/AWS_MAX_ATTEMPTS.

    Botocore clients are thread-safe: share one, with a connection pool as big as the number of
    threads that call it. Its 'standard' retry mode retries throttling (429,
    TooManyRequestsException) with exponential backoff and full jitter; a paced client (a
    listing) keeps more attempts, so a throttled call is retried rather than lost. Every answer
    is read up to a cap (ssohelper.aws.bounded)."""
    import botocore.session
    from botocore.exceptions import BotoCoreError

    settings = config(max_pool_connections=max_pool_connections, attempts_default=3 if pacer is None else 10)
    try:
        session = botocore.session.get_session()
        created = session.create_client(service, region_name=region, config=settings)
    except BotoCoreError as exc:
        raise ConfigError(f"cannot set up the AWS {service} client: {exc}") from None
    bounded.install(created, pacer=pacer)
    log.debug(
        "%s endpoint: %s (%s retries, %s attempts)",
        service,
        created.meta.endpoint_url,
        settings.retries["mode"],
        settings.retries["total_max_attempts"],
    )
    return created


def endpoint_url(created: Any) -> str:
    """The endpoint botocore resolved for a client (AWS_ENDPOINT_URL_SSO_OIDC and friends included)."""
    return str(created.meta.endpoint_url).rstrip("/")


def error_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code")
    return None


def _status(exc: BaseException) -> int:
    response = getattr(exc, "response", None) or {}
    return int(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def translate(exc: BaseException, what: str, session: SsoSession | None = None) -> SsoHelperError:
    """Turn a botocore exception into a one-line, actionable ssohelper error."""
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ProfileNotFound,
        ReadTimeoutError,
    )

    if isinstance(exc, ClientError):
        code, status = error_code(exc) or "Unknown", _status(exc)
        if code in THROTTLING_CODES or status == 429:
            return AwsError(f"{what}: AWS is throttling requests ({code}); wait a minute and retry")
        if status >= 500:
            return AwsError(f"{what}: AWS answered HTTP {status} ({code}); retry later")
        if code == "UnauthorizedException" and session is not None:
            return LoginRequired(
                f"SSO session '{session.label}' has expired or was signed out; run: {session.login_command()}"
            )
        message = exc.response.get("Error", {}).get("Message") or ""
        return AwsError(f"{what}: {code}{': ' + message if message else ''}")
    where = getattr(exc, "kwargs", {}).get("endpoint_url", "the AWS endpoint")
    if isinstance(exc, (ConnectionClosedError, ReadTimeoutError)):
        reason = "timed out reading the answer" if isinstance(exc, ReadTimeoutError) else "the connection dropped"
        return AnswerLost(f"{what}: {reason} before a complete answer came from {where}; check your network or proxy")
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError)):
        return AwsError(f"{what}: cannot reach {where}; check your network, proxy or endpoint settings")
    if isinstance(exc, ProfileNotFound):
        return ConfigError(f"{what}: {exc}")
    detail = " ".join(str(exc).split())[:200]  # one line, whatever botocore said
    return AwsError(f"{what}: {exc.__class__.__name__}: {detail}")


@contextmanager
def noting_lost_answers(client: Any, operation: str, lost: list[str]) -> Iterator[None]:
    """Record in ``lost`` each attempt whose answer botocore lost before retrying it."""
    from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

    def note(caught_exception: BaseException | None = None, **kwargs: Any) -> None:
        if isinstance(caught_exception, (ConnectionClosedError, ReadTimeoutError)):
            lost.append(str(caught_exception))

    events = getattr(getattr(client, "meta", None), "events", None)
    if events is None:  # not a botocore client (a test's stand-in)
        yield
        return
    event = f"needs-retry.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    events.register(event, note, unique_id="ssohelper-lost-answers")
    try:
        yield
    finally:
        events.unregister(event, unique_id="ssohelper-lost-answers")


@contextmanager
def calling(what: str, session: SsoSession | None = None) -> Iterator[None]:
    """Translate botocore errors raised inside the block."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        raise translate(exc, what, session) from None
    except (TypeError, ValueError, ArithmeticError, AttributeError, KeyError) as exc:  # botocore choked on garbage
        raise AwsError(
            f"{what}: the answer could not be read ({exc.__class__.__name__}); "
            "a proxy or captive portal may be in the way"
        ) from None

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

from ssohelper.errors import AwsError, ConfigError, LoginRequired, SsoHelperError
from ssohelper.models import SsoSession

log = logging.getLogger("ssohelper")
THROTTLING_CODES = {"TooManyRequestsException", "ThrottlingException", "SlowDownException", "Throttling"}


def client(service: str, region: str, *, max_pool_connections: int = 10) -> Any:
    """A botocore client for ``sso-oidc`` or ``sso``; retries follow AWS_RETRY_MODE/AWS_MAX_ATTEMPTS.

    Botocore clients are thread-safe: share one, with a connection pool as big as the number of
    threads that call it. Its 'standard' retry mode already retries throttling (429,
    TooManyRequestsException) with exponential backoff and full jitter."""
    import botocore.session
    from botocore import UNSIGNED
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError

    attempts = os.environ.get("AWS_MAX_ATTEMPTS") or "3"
    if not attempts.isdigit() or int(attempts) < 1:
        raise ConfigError(f"AWS_MAX_ATTEMPTS must be a whole number of attempts, not {attempts!r}")
    retries = {"mode": os.environ.get("AWS_RETRY_MODE") or "standard", "total_max_attempts": int(attempts)}
    config = Config(
        signature_version=UNSIGNED,
        retries=retries,
        connect_timeout=10,
        read_timeout=30,
        max_pool_connections=max_pool_connections,
    )
    try:
        session = botocore.session.get_session()
        created = session.create_client(service, region_name=region, config=config)
    except BotoCoreError as exc:
        raise ConfigError(f"cannot set up the AWS {service} client: {exc}") from None
    log.debug(
        "%s endpoint: %s (%s retries, %s attempts)",
        service,
        created.meta.endpoint_url,
        retries["mode"],
        retries["total_max_attempts"],
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
    if isinstance(exc, (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError)):
        where = getattr(exc, "kwargs", {}).get("endpoint_url", "the AWS endpoint")
        return AwsError(f"{what}: cannot reach {where}; check your network, proxy or endpoint settings")
    if isinstance(exc, ProfileNotFound):
        return ConfigError(f"{what}: {exc}")
    return AwsError(f"{what}: {exc.__class__.__name__}: {exc}")


@contextmanager
def calling(what: str, session: SsoSession | None = None) -> Iterator[None]:
    """Translate botocore errors raised inside the block."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        raise translate(exc, what, session) from None

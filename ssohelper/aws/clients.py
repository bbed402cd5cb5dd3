"""Every botocore client the product makes (``make``), and one place that translates their errors.

Portal, OIDC, STS, IAM, Organizations, sso-admin and identitystore clients come from ``make``
with the same timeouts, retries, pacing and answer cap. Endpoints follow botocore's own rules,
so AWS_ENDPOINT_URL_<SERVICE> (and proxies, CA bundles) work as they do for the AWS CLI.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from ssohelper.aws import bounded
from ssohelper.aws.pacing import Pacer
from ssohelper.errors import AwsError, ConfigError, LoginRequired, SsoHelperError
from ssohelper.models import SsoSession
from ssohelper.settings import call_timeout

log = logging.getLogger("ssohelper")


class AnswerLost(AwsError):
    """The request went out, but no complete answer came back: the server may have acted on it."""


THROTTLING_CODES = bounded.THROTTLED


UNSIGNED_SERVICES = frozenset({"sso", "sso-oidc"})  # the portal carries a bearer token; OIDC is public
GLOBAL_SERVICES = frozenset({"iam", "organizations"})
GLOBAL_REGION = "us-east-1"  # IAM and Organizations are global: their endpoints live in us-east-1
IDENTITY_CENTER_SERVICES = frozenset({"sso-admin", "identitystore"})  # regional: no default region
PACED_ATTEMPTS = 10  # a paced client retries a throttled call rather than lose it
_creating = threading.Lock()  # botocore sessions are not safe to make clients from in parallel


class Keys(Protocol):
    """Credentials to sign with: RoleCredentials, a static-key profile, anything with these three."""

    @property
    def access_key_id(self) -> str | None: ...
    @property
    def secret_access_key(self) -> str | None: ...
    @property
    def session_token(self) -> str | None: ...


def config(
    *, signed: bool = False, max_pool_connections: int = 10, attempts_default: int = 3, adaptive: bool = False
) -> Any:
    """The botocore Config of every client: retries from AWS_RETRY_MODE/AWS_MAX_ATTEMPTS
    ('standard', or 'adaptive' when ``adaptive``; ``attempts_default`` attempts by default), short
    per-read timeouts (the overall deadline is enforced around each call), and unsigned unless
    ``signed`` (SSO calls carry a bearer token)."""
    from botocore import UNSIGNED
    from botocore.config import Config

    attempts = os.environ.get("AWS_MAX_ATTEMPTS") or str(attempts_default)
    if not attempts.isdigit() or int(attempts) < 1:
        raise ConfigError(f"AWS_MAX_ATTEMPTS must be a whole number of attempts, not {attempts!r}")
    mode = "adaptive" if adaptive else os.environ.get("AWS_RETRY_MODE") or "standard"
    retries = {"mode": mode, "total_max_attempts": int(attempts)}
    per_read = min(call_timeout(), 30)  # the overall deadline is enforced around the call
    unsigned: dict[str, Any] = {} if signed else {"signature_version": UNSIGNED}
    return Config(
        **unsigned,
        retries=retries,
        connect_timeout=min(per_read, 10),
        read_timeout=per_read,
        max_pool_connections=max_pool_connections,
    )


def make(
    service: str,
    *,
    region: str | None = None,
    credentials: Keys | None = None,
    profile: str | None = None,
    pacer: Pacer | None = None,
    adaptive: bool = False,
    pool: int = 10,
    botocore_session: Any = None,
) -> Any:
    """The one maker of botocore clients: ``sso``, ``sso-oidc``, ``sts``, ``iam``,
    ``organizations``, ``sso-admin``, ``identitystore``.

    Signed with ``credentials`` when given, else with ``profile``'s (botocore's own chain when
    None); the portal and OIDC are unsigned. The region is ``region``, else IAM's and
    Organizations' global one, else the profile's (when signing with a profile), else
    us-east-1 (sso-admin and identitystore have no default: a ConfigError asks for one).
    Endpoints follow botocore's rules (AWS_ENDPOINT_URL_<SERVICE>, proxies, CA bundles). Every
    client gets the same timeouts and retries (``config``), reads every answer up to a cap (ssohelper.aws.bounded),
    and lets its call deadline leave out the time it waits for its turn. ``pacer`` paces the
    calls of a listing; ``adaptive`` uses botocore's adaptive retry mode (IAM throttles per
    account); either keeps more attempts. ``botocore_session`` shares one loaded model between
    many clients (one per account). Failing to set up is a ConfigError (exit 4)."""
    paced = pacer is not None or adaptive
    settings = config(
        signed=service not in UNSIGNED_SERVICES,
        max_pool_connections=pool,
        attempts_default=PACED_ATTEMPTS if paced else 3,
        adaptive=adaptive,
    )
    keys: dict[str, Any] = {}
    if credentials is not None:
        keys = {
            "aws_access_key_id": credentials.access_key_id,
            "aws_secret_access_key": credentials.secret_access_key,
            "aws_session_token": credentials.session_token,
        }
    from botocore.exceptions import BotoCoreError

    try:
        with _creating:
            session = botocore_session or _session(profile)
            where = region or _default_region(service, session if credentials is None else None, profile)
            created = session.create_client(service, region_name=where, config=settings, **keys)
    except (BotoCoreError, ValueError) as exc:  # a missing profile, a bad region or endpoint URL
        whose = f" for profile '{profile}'" if profile else ""
        detail = " ".join(str(exc).split())[:200]
        raise ConfigError(f"cannot set up the AWS {service} client{whose}: {detail}") from None
    bounded.install(created, pacer=pacer, verify=lambda: _verify(session))
    log.debug("%s endpoint: %s (%s retries, %s attempts)", service, created.meta.endpoint_url, *_retries(settings))
    return created


def _session(profile: str | None) -> Any:
    import botocore.session

    return botocore.session.Session(profile=profile) if profile else botocore.session.get_session()


def _default_region(service: str, profile_session: Any, profile: str | None) -> str:
    """IAM's and Organizations' global region; else the profile's (when signing with one); else
    us-east-1, except for Identity Center's own APIs, which live where the instance is."""
    if service in GLOBAL_SERVICES or profile_session is None:
        return GLOBAL_REGION
    found = profile_session.get_config_variable("region")
    if not found and service in IDENTITY_CENTER_SERVICES:
        raise ConfigError(
            f"Identity Center is regional: give --region, or set region in profile {profile or 'default'}"
        )
    return found or GLOBAL_REGION


def _verify(session: Any) -> Any:
    """What botocore verifies TLS with: the CA bundle (AWS_CA_BUNDLE, the profile's), else
    REQUESTS_CA_BUNDLE, else the system's (for bounded's own HTTP session, if it needs one)."""
    return session.get_config_variable("ca_bundle") or os.environ.get("REQUESTS_CA_BUNDLE") or True


def _retries(settings: Any) -> tuple[str, int]:
    return settings.retries["mode"], settings.retries["total_max_attempts"]


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

"""SSO OIDC: client registration, the device-authorization flow, and token refresh."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ssohelper.aws import answers, clients, deadline
from ssohelper.errors import AwsError, LoginFailed
from ssohelper.models import SsoSession, Token, epoch_now
from ssohelper.signin.callback import REDIRECT_URI_WITHOUT_PORT
from ssohelper.tokens import tokencache
from ssohelper.tokens.vault import TokenVault

log = logging.getLogger("ssohelper")

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
GRANT_TYPES = [DEVICE_GRANT, "refresh_token"]
REGISTRATION_MARGIN = 15 * 60
SLOW_DOWN_STEP = 5
DEFAULT_INTERVAL = 5


class ClientRejected(AwsError):
    """The cached client registration is no longer accepted; register again."""


class RefreshRejected(AwsError):
    """The refresh token (or its client) is no longer accepted: a new sign-in is needed."""


class RefreshLost(RefreshRejected):
    """A refresh answer was lost, and the refresh token it replaced is refused now."""


_REFRESH_REJECTIONS = {
    "InvalidGrantException",
    "InvalidClientException",
    "ExpiredTokenException",
    "UnauthorizedClientException",
    "AccessDeniedException",
    "InvalidRequestException",
}


@dataclass(frozen=True)
class DeviceAuthorization:
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_at: float
    interval: int


def registration(vault: TokenVault, oidc: Any, *, now: float, renew: bool = False, auth_code: bool = False) -> dict:
    """A cached client registration, reused until 15 minutes before it expires.

    ``auth_code`` registers for the browser flow: its grant types, the loopback redirect URI
    without a port, and the start URL as issuer, as the AWS CLI v2 does."""
    session = vault.session
    cached = None if renew else vault.registration(auth_code)
    if cached and cached["expiresAt"] - now > REGISTRATION_MARGIN:
        log.debug("reusing client registration %s", cached["clientId"][:8])
        return cached
    extra: dict[str, Any] = {"grantTypes": GRANT_TYPES}
    if auth_code:
        extra = {
            "grantTypes": list(tokencache.AUTH_CODE_GRANTS),
            "redirectUris": [REDIRECT_URI_WITHOUT_PORT],
            "issuerUrl": session.start_url,
        }
    what = "SSO OIDC RegisterClient"
    with clients.calling(what, session):
        response = deadline.run(
            what,
            lambda: oidc.register_client(
                clientName=f"ssohelper-{int(now)}", clientType="public", scopes=list(session.scopes), **extra
            ),
        )
    response = answers.registration(what, response, now=now)
    fresh = {
        "clientId": response["clientId"],
        "clientSecret": response["clientSecret"],
        "expiresAt": float(response["clientSecretExpiresAt"]),
    }
    vault.save_registration(fresh, auth_code)
    log.debug("registered a new client %s", fresh["clientId"][:8])
    return fresh


def start(session: SsoSession, oidc: Any, client: dict, *, now: float) -> DeviceAuthorization:
    from botocore.exceptions import ClientError

    what = "SSO OIDC StartDeviceAuthorization"
    with clients.calling(what, session):
        try:
            response = deadline.run(
                what,
                lambda: oidc.start_device_authorization(
                    clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=session.start_url
                ),
            )
        except ClientError as exc:
            if clients.error_code(exc) == "InvalidClientException":
                raise ClientRejected("SSO OIDC rejected the cached client registration") from None
            raise
    response = answers.device_authorization(what, response)
    return DeviceAuthorization(
        device_code=response["deviceCode"],
        user_code=response["userCode"],
        verification_uri=response["verificationUri"],
        verification_uri_complete=response.get("verificationUriComplete"),
        expires_at=now + int(response.get("expiresIn") or 600),
        interval=DEFAULT_INTERVAL if response.get("interval") is None else int(response["interval"]),
    )


def poll(
    session: SsoSession,
    oidc: Any,
    client: dict,
    device: DeviceAuthorization,
    *,
    clock: Callable[[], float] = epoch_now,
    sleep: Callable[[float], None] = time.sleep,
    on_wait: Callable[[float], None] = lambda left: None,
) -> Token:
    """Poll CreateToken until the user approves, denies, or the device code expires."""
    from botocore.exceptions import ClientError

    interval = device.interval
    log.debug("waiting for approval; polling every %ss", interval)
    while True:
        left = device.expires_at - clock()
        if left <= 0:
            raise _expired(session)
        on_wait(left)
        sleep(min(interval, max(left, 0.0)))
        with clients.calling("SSO OIDC CreateToken", session):
            try:
                response = create_token(
                    "SSO OIDC CreateToken", oidc, client, grantType=DEVICE_GRANT, deviceCode=device.device_code
                )
            except ClientError as exc:
                interval += _extra_wait(session, exc)
                continue
        return token_from(session, client, answers.token("SSO OIDC CreateToken", response), now=clock())


def create_token(what: str, oidc: Any, registration: dict[str, Any], **grant: Any) -> dict[str, Any]:
    """CreateToken with a registered client, under the call deadline; callers handle its errors."""
    return deadline.run(
        what,
        lambda: oidc.create_token(
            clientId=registration["clientId"], clientSecret=registration["clientSecret"], **grant
        ),
    )


def _extra_wait(session: SsoSession, exc: Exception) -> int:
    """Seconds to add to the polling interval; raises when polling must stop."""
    code = clients.error_code(exc)
    if code == "AuthorizationPendingException":
        return 0
    if code == "SlowDownException":
        log.debug("asked to slow down; adding %ss to the polling interval", SLOW_DOWN_STEP)
        return SLOW_DOWN_STEP
    if code == "ExpiredTokenException":
        raise _expired(session)
    if code == "AccessDeniedException":
        raise LoginFailed(
            f"sign-in for '{session.label}' was denied in the browser; run {session.login_command()} to try again"
        )
    raise exc


def _expired(session: SsoSession) -> LoginFailed:
    return LoginFailed(
        f"the sign-in code for '{session.label}' expired before it was approved; "
        f"run {session.login_command()} again and approve it in time"
    )


def refresh(session: SsoSession, oidc: Any, token: Token, *, now: float) -> Token:
    """Trade the refresh token for a new access token (and maybe a new refresh token).

    When the answer is lost (the connection dropped or timed out after the request went out),
    the server may have rotated the refresh token without our seeing the new one: the old one
    is tried once more, and if the server refuses it, RefreshLost says what happened.
    """
    lost: list[str] = []
    try:
        return _refresh_once(session, oidc, token, lost, now=now)
    except (clients.AnswerLost, deadline.TimedOut) as exc:
        lost.append(str(exc))
        log.debug("the refresh answer was lost (%s); trying the old refresh token once more", exc)
        return _refresh_once(session, oidc, token, lost, now=now)


def _refresh_once(session: SsoSession, oidc: Any, token: Token, lost: list[str], *, now: float) -> Token:
    from botocore.exceptions import ClientError

    what = "SSO OIDC CreateToken (refresh)"
    client: dict[str, Any] = {"clientId": token.client_id, "clientSecret": token.client_secret}
    with clients.calling(what, session), clients.noting_lost_answers(oidc, "CreateToken", lost):
        try:
            response = create_token(what, oidc, client, grantType="refresh_token", refreshToken=token.refresh_token)
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
            if clients.error_code(exc) in _REFRESH_REJECTIONS or (400 <= status < 500 and status != 429):
                raise _rejected(session, lost) from None
            raise
    response = answers.token(what, response)
    if not response.get("refreshToken"):  # none rotated: the old one stays valid
        response = {**response, "refreshToken": token.refresh_token}
    client["expiresAt"] = token.registration_expires_at
    return token_from(session, client, response, now=now)


def _rejected(session: SsoSession, lost: list[str]) -> RefreshRejected:
    if not lost:
        return RefreshRejected(f"the refresh token for '{session.label}' was not accepted")
    return RefreshLost(
        f"the answer to the token refresh for '{session.label}' was lost on the way (the connection "
        "dropped or timed out), and the server no longer accepts the refresh token it replaced"
    )


def token_from(session: SsoSession, client: dict, response: dict, *, now: float) -> Token:
    return Token(
        start_url=session.start_url,
        region=session.region,
        access_token=response["accessToken"],
        expires_at=now + int(response.get("expiresIn") or 3600),
        client_id=client["clientId"],
        client_secret=client["clientSecret"],
        registration_expires_at=client.get("expiresAt"),
        refresh_token=response.get("refreshToken"),
    )

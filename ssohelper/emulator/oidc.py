"""SSO OIDC operations: RegisterClient, StartDeviceAuthorization and CreateToken."""

from __future__ import annotations

import secrets
import time
from typing import Any

from ssohelper.emulator.authorize import AUTH_CODE_GRANT, exchange_auth_code
from ssohelper.emulator.state import Client, DeviceGrant, Session, State
from ssohelper.emulator.wire import oidc_error

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"
_USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels, no lookalike digits


def register_client(state: State, body: dict[str, Any], base_url: str) -> dict[str, Any]:
    _require(body, "clientName", "clientType")
    grant_types = body.get("grantTypes")
    now = int(time.time())
    with state.lock:
        client = Client(
            client_id=secrets.token_urlsafe(16),
            client_secret="cs-" + secrets.token_urlsafe(48),
            client_name=str(body["clientName"]),
            client_type=str(body["clientType"]),
            scopes=tuple(body.get("scopes") or ()),
            grant_types=None if grant_types is None else tuple(grant_types),
            issued_at=now,
            secret_expires_at=now + state.settings.client_secret_ttl,
            redirect_uris=tuple(body.get("redirectUris") or ()),
            issuer_url=body.get("issuerUrl"),
        )
        state.clients[client.client_id] = client
    return {
        "clientId": client.client_id,
        "clientSecret": client.client_secret,
        "clientIdIssuedAt": client.issued_at,
        "clientSecretExpiresAt": client.secret_expires_at,
    }


def start_device_authorization(state: State, body: dict[str, Any], base_url: str) -> dict[str, Any]:
    _require(body, "clientId", "clientSecret", "startUrl")
    with state.lock:
        client = _authenticate(state, body)
        grant = DeviceGrant(
            device_code=secrets.token_urlsafe(32),
            user_code=_new_user_code(state),
            client_id=client.client_id,
            created_at=time.time(),
        )
        state.devices[grant.device_code] = grant
        state.user_codes[grant.user_code] = grant.device_code
        settings = state.settings
    return {
        "deviceCode": grant.device_code,
        "userCode": grant.user_code,
        "verificationUri": f"{base_url}/verify",
        "verificationUriComplete": f"{base_url}/verify?user_code={grant.user_code}",
        "expiresIn": settings.device_code_ttl,
        "interval": settings.interval,
    }


def create_token(state: State, body: dict[str, Any], base_url: str) -> dict[str, Any]:
    _require(body, "clientId", "clientSecret", "grantType")
    grant_type = body["grantType"]
    with state.lock:
        client = _authenticate(state, body)
        if grant_type not in (DEVICE_GRANT, REFRESH_GRANT, AUTH_CODE_GRANT):
            raise oidc_error("UnsupportedGrantTypeException", f"Unsupported grant type: {grant_type}")
        if client.grant_types is not None and grant_type not in client.grant_types:
            raise oidc_error("UnauthorizedClientException", "Client is not allowed this grant type")
        if grant_type == DEVICE_GRANT:
            return _exchange_device_code(state, client, body)
        if grant_type == AUTH_CODE_GRANT:
            _require(body, "code", "codeVerifier", "redirectUri")
            exchange_auth_code(state, client, body)
            return state.issue_tokens(Session(client.client_id), _gets_refresh_token(state, client))
        return _exchange_refresh_token(state, client, body)


def _exchange_device_code(state: State, client: Client, body: dict[str, Any]) -> dict[str, Any]:
    grant = state.devices.get(body.get("deviceCode") or "")
    if grant is None or grant.client_id != client.client_id or grant.exchanged:
        raise oidc_error("InvalidGrantException", "Invalid device code provided")
    settings = state.settings
    grant.polls += 1
    if settings.deny:
        raise oidc_error("AccessDeniedException", "The user denied the authorization request")
    if time.time() - grant.created_at >= settings.device_code_ttl:
        raise oidc_error("ExpiredTokenException", "Device code has expired")
    if grant.slow_downs < settings.slow_down:
        grant.slow_downs += 1
        raise oidc_error("SlowDownException", "Client is polling too quickly")
    auto = settings.approve_after_polls
    if not (grant.approved or (auto is not None and grant.polls >= auto)):
        raise oidc_error("AuthorizationPendingException", "Authorization is still pending")
    grant.exchanged = True
    return state.issue_tokens(Session(client.client_id), _gets_refresh_token(state, client))


def _exchange_refresh_token(state: State, client: Client, body: dict[str, Any]) -> dict[str, Any]:
    session = state.refresh_tokens.get(body.get("refreshToken") or "")
    if session is None or session.revoked or session.client_id != client.client_id:
        raise oidc_error("InvalidGrantException", "Invalid refresh token provided")
    return state.issue_tokens(session, with_refresh=True, rotate=state.settings.rotate_refresh_tokens)


def _gets_refresh_token(state: State, client: Client) -> bool:
    allowed = client.grant_types is None or REFRESH_GRANT in client.grant_types
    return state.settings.refresh_tokens and bool(client.scopes) and allowed


def _authenticate(state: State, body: dict[str, Any]) -> Client:
    client = state.clients.get(body["clientId"])
    if client is None or not secrets.compare_digest(client.client_secret, body["clientSecret"]):
        raise oidc_error("InvalidClientException", "Invalid client provided")
    if client.secret_expires_at <= time.time():
        raise oidc_error("InvalidClientException", "Client registration has expired")
    return client


def _new_user_code(state: State) -> str:
    while True:
        letters = "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(8))
        code = f"{letters[:4]}-{letters[4:]}"
        if code not in state.user_codes:
            return code


def _require(body: dict[str, Any], *names: str) -> None:
    for name in names:
        if not isinstance(body.get(name), str) or not body[name]:
            raise oidc_error("InvalidRequestException", f"Missing or invalid parameter: {name}")

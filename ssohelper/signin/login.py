"""Signing in: reuse a valid token, refresh a stale one, or run the browser or device flow.

The session's ``TokenVault`` owns the token, its secrets and its two locks. The session lock
covers a refresh and each write of the token: it is held for a second, so a caller whose token
is still valid is never blocked by a sign-in. The sign-in lock covers the wait for a person, so
parallel callers open at most one browser.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ssohelper import settings
from ssohelper.aws import clients
from ssohelper.cache.keyringstore import KeyringStore
from ssohelper.errors import AwsError, LoginRequired
from ssohelper.models import SsoSession, Token, epoch_now
from ssohelper.signin import authcode, oidc
from ssohelper.signin.flow import FlowChoice, has_display
from ssohelper.signin.interaction import Interaction
from ssohelper.tokens.secrets_policy import UNSET, Notify, Placement, report
from ssohelper.tokens.vault import TokenVault, signin_lock_path

log = logging.getLogger("ssohelper")

REFRESH_WINDOW = settings.DEFAULT_MIN_TTL
LOGIN_LOCK_TIMEOUT = settings.LOGIN_WAIT
__all__ = [
    "UNSET",
    "Interaction",
    "LoginOutcome",
    "default_browser",
    "ensure_login",
    "signin_lock_path",
    "usable_token",
]


@dataclass(frozen=True)
class LoginOutcome:
    action: str  # "reused", "refreshed" or "signed-in"
    token: Token
    token_path: str
    secrets_location: str
    placement: Placement | None = None


def default_browser() -> Callable[[str], Any] | None:
    return webbrowser.open if has_display(os.environ, sys.platform) else None


def ensure_login(
    session: SsoSession,
    ui: Interaction,
    *,
    force: bool = False,
    min_ttl: float = REFRESH_WINDOW,
    oidc_client: Any = None,
    store: KeyringStore | None = UNSET,
    lock_timeout: float = LOGIN_LOCK_TIMEOUT,
    reject: str | None = None,
    flow: FlowChoice | None = None,
    secrets: str | None = None,
    notify: Notify = report,
) -> LoginOutcome:
    """Make sure ``session`` has a token with at least ``min_ttl`` seconds left.

    ``reject`` is an access token the server refused: it counts as expired. ``flow`` says how
    to sign in when one is needed (None: the device flow, without saying why). ``secrets`` is
    auto, keyring or file (default: the settings file); see ``secrets_policy``.
    """
    vault = TokenVault(session, mode=secrets, store=store, notify=notify)
    with vault.signin_lock(lock_timeout):
        with vault.lock(lock_timeout, f"refresh of {session.label}"):
            cached = vault.settle()
            action, current = None, None
            if not force:
                action, current = _current_or_sign_in(vault, cached, ui, reject, min_ttl, oidc_client)
            if action and current:
                return _outcome(vault, action, current)
        client = oidc_client or clients.make("sso-oidc", region=session.region)
        if flow is not None:
            ui.notify(flow.describe())
        # the wait for a person: under the sign-in lock only, never the session lock
        if flow is not None and flow.browser:
            token = authcode.sign_in(vault, ui, client, port=flow.redirect_port)
        else:
            token = _device_login(vault, ui, client)
        with vault.lock(lock_timeout, f"saving the sign-in to {session.label}"):
            vault.save(token)
        return _outcome(vault, "signed-in", token)


def _current_or_sign_in(
    vault: TokenVault, cached: Token | None, ui: Interaction, reject: str | None, min_ttl: float, oidc_client: Any
) -> tuple[str | None, Token | None]:
    """``_current``, except that a failed refresh means: sign in again."""
    try:
        return _current(vault, cached, reject, min_ttl, oidc_client, now=ui.clock())
    except AwsError as exc:
        log.debug("the refresh failed (%s); signing in again", exc)
        if isinstance(exc, oidc.RefreshLost):
            ui.notify(f"{exc}; signing in again.")
        return None, None


def usable_token(
    session: SsoSession,
    *,
    min_ttl: float = REFRESH_WINDOW,
    store: KeyringStore | None = UNSET,
    lock_timeout: float = settings.DEFAULT_LOCK_TIMEOUT,
    clock: Callable[[], float] = epoch_now,
    oidc_client: Any = None,
    reject: str | None = None,
    notify: Notify = report,
) -> Token:
    """A token with ``min_ttl`` left, refreshed silently if needed; LoginRequired otherwise.

    ``reject`` is an access token the server refused: it counts as expired.
    """
    vault = TokenVault(session, store=store, notify=notify)
    token = _accepted(vault.peek(), reject)
    if token and token.seconds_left(clock()) > min_ttl:
        return token
    with vault.lock(lock_timeout, f"refresh of {session.label}"):
        cached = vault.settle()
        try:
            action, token = _current(vault, cached, reject, min_ttl, oidc_client, now=clock())
        except AwsError as exc:  # the refresh failed or was lost: a still-valid token beats failing
            if token and token.seconds_left(clock()) > 0:
                return token
            if isinstance(exc, oidc.RefreshLost):
                raise LoginRequired(f"{exc}; run: {session.login_command()}") from None
            raise
        if action is None and token is not None and reject is not None and token.access_token == reject:
            vault.save(token)  # marked expired: login signs in anew
    if action and token:
        return token
    if token and token.seconds_left(clock()) > 0:
        return token  # stale but still valid: better than failing
    raise LoginRequired(_login_needed(session, token, clock()))


def _current(
    vault: TokenVault, cached: Token | None, reject: str | None, min_ttl: float, oidc_client: Any, *, now: float
) -> tuple[str | None, Token | None]:
    """Under the session lock, given the ``cached`` token: ("reused", token) if it has ``min_ttl``
    left (another process may have just renewed it), ("refreshed", token) after a refresh, else
    (None, stale)."""
    label = vault.session.label
    token = _accepted(cached, reject)
    if token and token.seconds_left(now) > min_ttl:
        log.debug("the token for %s has %d min left", label, token.seconds_left(now) // 60)
        return "reused", token
    log.debug("the token for %s is %s", label, "stale" if token else "missing")
    refreshed = _try_refresh(vault, token, oidc_client, now=now)
    return ("refreshed", refreshed) if refreshed else (None, token)


def _accepted(token: Token | None, reject: str | None) -> Token | None:
    if token is not None and reject is not None and token.access_token == reject:
        return dataclasses.replace(token, expires_at=0.0)
    return token


def _login_needed(session: SsoSession, token: Token | None, now: float) -> str:
    state = "has expired" if token else "is not signed in"
    return f"SSO session '{session.label}' {state}; run: {session.login_command()}"


def _try_refresh(vault: TokenVault, token: Token | None, oidc_client: Any, *, now: float) -> Token | None:
    if token is None or not (token.refresh_token and token.client_id and token.client_secret):
        return None
    if token.registration_expires_at and token.registration_expires_at <= now:
        return None
    session = vault.session
    try:
        fresh = oidc.refresh(session, oidc_client or clients.make("sso-oidc", region=session.region), token, now=now)
    except oidc.RefreshRejected as exc:  # network trouble or throttling propagate: they need no new sign-in
        if isinstance(exc, oidc.RefreshLost):
            raise
        log.debug("the refresh token was not accepted; a new sign-in is needed")
        # forgotten, so that status says so (no more "can refresh") and no caller asks again
        vault.save(dataclasses.replace(token, refresh_token=None))
        return None
    vault.save(fresh)
    log.debug("refreshed the access token for %s", session.label)
    return fresh


def _device_login(vault: TokenVault, ui: Interaction, client: Any) -> Token:
    session = vault.session
    registration = oidc.registration(vault, client, now=ui.clock())
    try:
        device = oidc.start(session, client, registration, now=ui.clock())
    except oidc.ClientRejected:
        registration = oidc.registration(vault, client, now=ui.clock(), renew=True)
        device = oidc.start(session, client, registration, now=ui.clock())
    url = device.verification_uri_complete or device.verification_uri
    ui.notify(f"Sign in to AWS IAM Identity Center ({session.label}) at:\n  {url}")
    ui.notify(f"and confirm that the page shows this code: {device.user_code}")
    ui.open_url(url)
    return oidc.poll(session, client, registration, device, clock=ui.clock, sleep=ui.sleep, on_wait=ui.on_wait)


def _outcome(vault: TokenVault, action: str, token: Token) -> LoginOutcome:
    return LoginOutcome(action, token, vault.path, vault.location(), vault.placement)

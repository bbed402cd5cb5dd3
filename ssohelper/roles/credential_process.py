"""credential_process: role credentials from the cache, or fetched once under a lock."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ssohelper.aws import deadline, portal
from ssohelper.cache import keyringstore, locks, rolestore
from ssohelper.errors import ConfigError, LoginRequired
from ssohelper.models import RoleCredentials, RoleTarget, Token, epoch_now, mask
from ssohelper.settings import ProcessOptions
from ssohelper.signin.login import Interaction, ensure_login, usable_token
from ssohelper.tokens import tokencache

log = logging.getLogger("ssohelper")


def target_entry(target: RoleTarget) -> str:
    session = target.session
    return rolestore.target_entry_name(session.name, session.start_url, target.account_id, target.role_name)


def open_store(kind: str) -> rolestore.FileStore | rolestore.KeyringRoleStore:
    if kind == "file":
        return rolestore.FileStore()
    keyring_store = keyringstore.secure_keyring()
    if keyring_store is None:
        raise ConfigError("--store keyring needs a secure OS keyring, and none is available; use --store file")
    return rolestore.KeyringRoleStore(keyring_store.backend)


class _SignInNeeded(Exception):
    """No usable token and --auto-login is on: sign in, but outside the role lock."""

    def __init__(self, reason: LoginRequired, reject: str | None) -> None:
        super().__init__(str(reason))
        self.reason, self.reject = reason, reject


def fetch(
    target: RoleTarget,
    options: ProcessOptions,
    *,
    ui: Interaction | None = None,
    clock: Callable[[], float] = epoch_now,
    portal_client: Any = None,
    oidc_client: Any = None,
    warn: Callable[[str], None] = lambda message: None,
) -> str:
    """The credential_process document for ``target``. One API call however many callers wait.

    Lock waits and AWS calls end within the caller's ``deadline.budget``, if any. The role lock
    covers the fetch, never the wait for a person: an --auto-login sign-in runs without it, so
    other callers for the role are not kept waiting."""
    store, name = open_store(options.store), target_entry(target)
    hit = cached(store, name, target, options.min_ttl, clock())
    if hit:
        log.debug("cache hit for %s (%s store)", name, options.store)
        return hit
    log.debug("cache miss for %s (%s store, needs %d min left)", name, options.store, options.min_ttl // 60)
    try:
        return _fetch_locked(store, name, target, options, clock, portal_client, oidc_client, warn, signed_in=False)
    except _SignInNeeded as needed:
        locks.release(rolestore.lock_path(name))  # also a lock the fast path kept for this process
        _sign_in(target, ui, oidc_client, needed)
    return _fetch_locked(store, name, target, options, clock, portal_client, oidc_client, warn, signed_in=True)


def _fetch_locked(
    store: rolestore.FileStore | rolestore.KeyringRoleStore,
    name: str,
    target: RoleTarget,
    options: ProcessOptions,
    clock: Callable[[], float],
    portal_client: Any,
    oidc_client: Any,
    warn: Callable[[str], None],
    *,
    signed_in: bool,
) -> str:
    """Under the role lock: the cache again (another process may have fetched), else one fetch."""
    wait = deadline.remaining(options.lock_wait)
    with locks.file_lock(rolestore.lock_path(name), timeout=wait, what=f"credentials for {target.role_name}"):
        hit = cached(store, name, target, options.min_ttl, clock())
        if hit:
            log.debug("another process fetched the credentials while we waited")
            return hit
        creds = _fetch_fresh(target, options, clock, portal_client, oidc_client, may_sign_in=not signed_in)
        lifetime = creds.expires_at - clock()
        if lifetime <= options.min_ttl:
            warn(
                f"warning: these role credentials last {lifetime / 60:.0f} min, less than the minimum TTL "
                f"({options.min_ttl / 60:g} min), so they are not cached and every run calls AWS; lower --min-ttl"
            )
        elif not store.write(name, rolestore.encode_entry(creds)):
            log.debug("could not cache the credentials (%s store); handing them out anyway", options.store)
        log.debug("fetched %s for %s/%s", mask(creds.access_key_id), target.account_id, target.role_name)
        return rolestore.process_output(creds)


def cached(
    store: rolestore.FileStore | rolestore.KeyringRoleStore, name: str, target: RoleTarget, min_ttl: float, now: float
) -> str | None:
    """A cached document, unless the session was signed out (``rolestore.signed_out``): then the
    entry is forgotten."""
    hit = rolestore.decode_entry(store.read(name), now=now, min_ttl=min_ttl)
    if hit and rolestore.signed_out(tokencache.token_path(target.session)):
        log.debug("the token file of %s is gone (a logout): not serving cached credentials", target.session.label)
        store.delete(name)
        return None
    return hit


def _fetch_fresh(
    target: RoleTarget,
    options: ProcessOptions,
    clock: Callable[[], float],
    portal_client: Any,
    oidc_client: Any,
    *,
    may_sign_in: bool,
) -> RoleCredentials:
    token = _token(target, options, clock, oidc_client, may_sign_in=may_sign_in)
    try:
        return portal.get_role_credentials(target, token, client=portal_client)
    except LoginRequired:
        log.debug("the portal rejected the access token; refreshing and retrying once")
        token = _token(target, options, clock, oidc_client, may_sign_in=may_sign_in, reject=token.access_token)
        return portal.get_role_credentials(target, token, client=portal_client)


def _token(
    target: RoleTarget,
    options: ProcessOptions,
    clock: Callable[[], float],
    oidc_client: Any,
    *,
    may_sign_in: bool,
    reject: str | None = None,
) -> Token:
    """A token without a person (refreshed if need be); _SignInNeeded when --auto-login may sign in."""
    try:
        return usable_token(
            target.session, clock=clock, oidc_client=oidc_client, reject=reject, lock_timeout=options.lock_wait
        )
    except LoginRequired as exc:
        if not (options.auto_login and may_sign_in):
            raise
        raise _SignInNeeded(exc, reject) from None


def _sign_in(target: RoleTarget, ui: Interaction | None, oidc_client: Any, needed: _SignInNeeded) -> None:
    """The --auto-login sign-in, holding no role lock while a person answers."""
    if ui is None:
        raise LoginRequired(
            f"{needed.reason} (--auto-login was skipped: no browser can open and stderr is not a terminal, "
            "so nobody would see the sign-in code)"
        ) from None
    ensure_login(target.session, ui, oidc_client=oidc_client, reject=needed.reject, flow=ui.flow)

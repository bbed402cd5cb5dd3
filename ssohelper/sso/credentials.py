"""credential_process: role credentials from the cache, or fetched once under a lock."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from ssohelper.cache import keyringstore, rolestore
from ssohelper.cache.locks import file_lock
from ssohelper.errors import ConfigError, LoginRequired
from ssohelper.models import RoleCredentials, RoleTarget, Token, epoch_now, mask
from ssohelper.settings import ProcessOptions
from ssohelper.sso import portal, tokencache
from ssohelper.sso.login import Interaction, ensure_login, usable_token

log = logging.getLogger("ssohelper")


def target_entry(target: RoleTarget) -> str:
    sid = rolestore.session_id(target.session.name, target.session.start_url)
    return rolestore.entry_name(sid, target.account_id, target.role_name)


def open_store(kind: str) -> rolestore.FileStore | rolestore.KeyringRoleStore:
    if kind == "file":
        return rolestore.FileStore()
    keyring_store = keyringstore.secure_keyring()
    if keyring_store is None:
        raise ConfigError("--store keyring needs a secure OS keyring, and none is available; use --store file")
    return rolestore.KeyringRoleStore(keyring_store.backend)


def fetch(
    target: RoleTarget,
    options: ProcessOptions,
    *,
    ui: Interaction | None = None,
    clock: Callable[[], float] = epoch_now,
    portal_client: Any = None,
    oidc_client: Any = None,
) -> str:
    """The credential_process document for ``target``. One API call however many callers wait."""
    store, name = open_store(options.store), target_entry(target)
    hit = _cached(store, name, target, options.min_ttl, clock())
    if hit:
        log.debug("cache hit for %s (%s store)", name, options.store)
        return hit
    log.debug("cache miss for %s (%s store, needs %d min left)", name, options.store, options.min_ttl // 60)
    with file_lock(rolestore.lock_path(name), timeout=options.lock_wait, what=f"credentials for {target.role_name}"):
        hit = _cached(store, name, target, options.min_ttl, clock())
        if hit:
            log.debug("another process fetched the credentials while we waited")
            return hit
        creds = _fetch_fresh(target, options, ui, clock, portal_client, oidc_client)
        if creds.expires_at - clock() <= options.min_ttl:
            log.debug("role credentials last less than the minimum TTL; not caching them")
        elif not store.write(name, rolestore.encode_entry(creds)):
            log.debug("could not cache the credentials (%s store); handing them out anyway", options.store)
        log.debug("fetched %s for %s/%s", mask(creds.access_key_id), target.account_id, target.role_name)
        return rolestore.process_output(creds)


def _cached(
    store: rolestore.FileStore | rolestore.KeyringRoleStore, name: str, target: RoleTarget, min_ttl: float, now: float
) -> str | None:
    """A cached document, unless the session's token file is gone: a logout by any tool (even
    ``aws sso logout``) ends the cached credentials too, and the entry is forgotten."""
    hit = rolestore.decode_entry(store.read(name), now=now, min_ttl=min_ttl)
    if hit and not os.path.exists(tokencache.token_path(target.session)):
        log.debug("the token file of %s is gone (a logout): not serving cached credentials", target.session.label)
        store.delete(name)
        return None
    return hit


def _fetch_fresh(
    target: RoleTarget,
    options: ProcessOptions,
    ui: Interaction | None,
    clock: Callable[[], float],
    portal_client: Any,
    oidc_client: Any,
) -> RoleCredentials:
    token = _token(target, options, ui, clock, oidc_client)
    try:
        return portal.get_role_credentials(target, token, client=portal_client)
    except LoginRequired:
        log.debug("the portal rejected the access token; refreshing and retrying once")
        token = _token(target, options, ui, clock, oidc_client, reject=token.access_token)
        return portal.get_role_credentials(target, token, client=portal_client)


def _token(
    target: RoleTarget,
    options: ProcessOptions,
    ui: Interaction | None,
    clock: Callable[[], float],
    oidc_client: Any,
    reject: str | None = None,
) -> Token:
    session = target.session
    try:
        return usable_token(
            session, clock=clock, oidc_client=oidc_client, reject=reject, lock_timeout=options.lock_wait
        )
    except LoginRequired:
        if not options.auto_login or ui is None:
            raise
    return ensure_login(session, ui, oidc_client=oidc_client, reject=reject).token

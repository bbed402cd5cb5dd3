"""Signing out: revoke on the server, then forget the token, registration and role credentials
(and any temp file a killed writer left beside them: it may hold secrets)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ssohelper import paths
from ssohelper.cache import keyringstore, rolestore
from ssohelper.cache.fileio import remove_stale_temps
from ssohelper.cache.keyringstore import KeyringStore
from ssohelper.errors import ConfigError, SsoHelperError
from ssohelper.ini.awsconfig import AwsConfig
from ssohelper.models import SsoSession
from ssohelper.sso import portal, tokencache
from ssohelper.sso.login import UNSET

log = logging.getLogger("ssohelper")


@dataclass(frozen=True)
class LogoutResult:
    session: SsoSession
    server: str  # "signed out", "already signed out", "no token", or why it failed
    token_removed: bool
    roles_removed: int


def logout(session: SsoSession, *, client: Any = None, store: KeyringStore | None = UNSET) -> LogoutResult:
    store = keyringstore.secure_keyring() if store is UNSET else store
    try:
        token = tokencache.load_token(session, store)
    except ConfigError as exc:  # a token file someone else could have written: never sent, but removed
        token, server = None, f"not signed out on the server ({exc})"
    else:
        server = "no token"
    if token is not None:
        try:
            server = "signed out" if portal.logout(session, token, client=client) else "already signed out"
        except SsoHelperError as exc:  # still forget it locally: the user asked to be signed out
            server = f"not signed out on the server ({exc})"
    removed = tokencache.delete_token(session, store)
    tokencache.delete_registration(session, store)
    sid = rolestore.session_id(session.name, session.start_url)
    roles = 0
    if store is not None:
        roles += rolestore.remove_session(rolestore.KeyringRoleStore(store.backend), sid)
    roles += rolestore.remove_session(rolestore.FileStore(), sid)
    for directory in (paths.sso_cache_dir(), paths.role_cache_dir()):
        remove_stale_temps(directory)
    return LogoutResult(session, server, removed, roles)


def configured_sessions(config: AwsConfig) -> list[SsoSession]:
    """Every distinct SSO session the config mentions: sso-sessions and legacy start URLs."""
    found: dict[str, SsoSession] = {}
    for name in config.sso_sessions:
        try:
            session = config.resolve_session(sso_session=name)
        except SsoHelperError:
            continue
        found[tokencache.token_key(session)] = session
    for name, values in config.profiles.items():
        if "sso_start_url" in values and "sso_session" not in values:
            try:
                session = config.resolve_session(profile=name)
            except SsoHelperError:
                continue
            found.setdefault(tokencache.token_key(session), session)
    return list(found.values())

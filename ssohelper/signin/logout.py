"""Signing out: revoke on the server, then forget the token, registration and role credentials,
ssohelper's and the ones the AWS CLI cached for the session's native profiles (and any temp
file a killed writer left beside them: it may hold secrets)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from ssohelper import paths
from ssohelper.aws import portal
from ssohelper.cache import keyringstore, listing, rolestore
from ssohelper.cache.fileio import remove_stale_temps
from ssohelper.cache.keyringstore import KeyringStore
from ssohelper.errors import ConfigError, SsoHelperError
from ssohelper.ini import awsconfig
from ssohelper.ini.awsconfig import AwsConfig
from ssohelper.models import SsoSession, Token
from ssohelper.tokens import awscli_cache, tokencache
from ssohelper.tokens.secrets_policy import UNSET
from ssohelper.tokens.vault import TokenVault

log = logging.getLogger("ssohelper")


@dataclass(frozen=True)
class LogoutResult:
    session: SsoSession
    server: str  # "signed out", "already signed out", "no token", or why it failed
    token_removed: bool
    roles_removed: int
    aws_cli_removed: int = 0  # role credentials the AWS CLI cached for native profiles


def logout(
    session: SsoSession, *, client: Any = None, store: KeyringStore | None = UNSET, config: AwsConfig | None = None
) -> LogoutResult:
    vault = TokenVault(session, store=store)
    try:
        token = vault.load()
    except ConfigError as exc:  # a token file someone else could have written: never sent, but removed
        token, server = None, f"not signed out on the server ({exc})"
    else:
        server = "no token"
    if token is not None:
        try:
            server = "signed out" if portal.logout(session, token, client=client) else "already signed out"
        except SsoHelperError as exc:  # still forget it locally: the user asked to be signed out
            server = f"not signed out on the server ({exc})"
    removed = vault.delete()
    store = vault.keyring
    sid = rolestore.session_id(session.name, session.start_url)
    roles = 0
    if store is not None:
        roles += rolestore.remove_session(rolestore.KeyringRoleStore(store.backend), sid)
    roles += rolestore.remove_session(rolestore.FileStore(), sid)
    listing.drop(session.name, session.start_url)
    for directory in (paths.sso_cache_dir(), paths.role_cache_dir()):
        remove_stale_temps(directory)
    aws_cli = awscli_cache.remove_session(session, config or awsconfig.load())
    return LogoutResult(session, server, removed, roles, aws_cli)


@dataclass(frozen=True)
class Sweep:
    tokens: int  # token files removed
    aws_cli: int  # AWS CLI SSO role credentials removed
    refused: tuple[str, ...] = ()  # one line per token file left alone (untrusted, unreadable), and why


def sweep(*, client: Any = None, store: KeyringStore | None = UNSET) -> Sweep:
    """After ``logout --all``: remove what ``aws sso logout`` removes and is still there, every
    token file (signed out on the server first) and every AWS CLI SSO role credential. A token
    file that can't be trusted or read is left alone and reported; the sweep goes on."""
    store = keyringstore.secure_keyring() if store is UNSET else store
    directory, tokens, refused = paths.sso_cache_dir(), 0, []
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        names = []
    for name in names:
        try:
            raw = tokencache.read_json(os.path.join(directory, name))
        except ConfigError as exc:
            refused.append(str(exc))
            continue
        if raw is None or "accessToken" not in raw:
            continue
        _sign_out_quietly(raw, client)
        if store is not None and name.endswith(".json"):
            store.delete("token/" + name[: -len(".json")])
        try:
            os.remove(os.path.join(directory, name))
            tokens += 1
        except OSError:
            pass
    return Sweep(tokens, awscli_cache.remove_all(), tuple(refused))


def _sign_out_quietly(raw: dict, client: Any) -> None:
    region, start_url, access_token = raw.get("region"), raw.get("startUrl") or "", raw.get("accessToken")
    if not (isinstance(region, str) and region and isinstance(access_token, str)):
        return
    session = SsoSession(start_url=str(start_url), region=region)
    try:
        portal.logout(session, Token(session.start_url, region, access_token, 0.0), client=client)
    except SsoHelperError as exc:  # expired or unreachable: delete it anyway, as the AWS CLI does
        log.debug("could not sign a cached token out on the server (%s)", exc)


def configured_sessions(config: AwsConfig) -> list[SsoSession]:
    """Every distinct SSO session the config mentions: sso-sessions and legacy start URLs."""
    return config.sessions()

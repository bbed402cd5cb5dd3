"""SSO tokens and client registrations, in the AWS CLI v2 cache (~/.aws/sso/cache).

Token files are named and shaped exactly as the AWS CLI v2 writes them, so a login by either
tool serves both. This module is only that file format: it never touches the OS keyring.
Whether the refresh token and client secret go into the file or the keyring is the vault's
choice (``tokens.vault``, by the rule in ``tokens.secrets_policy``); it says so with
``with_secrets``.
"""

from __future__ import annotations

import hashlib
import json
import os

from ssohelper import paths
from ssohelper.cache.fileio import Untrusted, ensure_private_dir, explain, read_trusted, remove_quietly, write_atomic
from ssohelper.errors import ConfigError
from ssohelper.models import SsoSession, Token
from ssohelper.times import format_epoch, parse_epoch


def token_key(session: SsoSession) -> str:
    return paths.session_key(session.name, session.start_url)


def token_path(session: SsoSession) -> str:
    return paths.sso_token_file(session.name, session.start_url)


def lock_path(session: SsoSession) -> str:
    """The per-session lock held while a token is refreshed, written, or its secrets moved."""
    return paths.lock_file("session", token_key(session))


def read_json(path: str) -> dict | None:
    """Any JSON object file in the cache, or None when absent, unreadable or not an object."""
    return _read_json(path)


def read_raw(session: SsoSession) -> dict | None:
    """The token file as JSON (no keyring lookups), or None when absent or unreadable."""
    return _read_json(token_path(session))


def _read_json(path: str) -> dict | None:
    """A token or registration file; None when absent or damaged. A file or directory another
    user could have written, or one we may not read, is refused (ConfigError, exit 4)."""
    try:
        value = json.loads(read_trusted(path))
    except Untrusted as exc:
        raise ConfigError(f"refusing to use {exc}: another user could have written it; {exc.fix}") from None
    except PermissionError as exc:
        raise ConfigError(f"can't read {explain(exc)}; it should be yours and readable") from None
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _write_json(path: str, value: dict) -> None:
    directory = os.path.dirname(path)
    try:
        ensure_private_dir(directory)
        write_atomic(path, json.dumps(value, indent=2).encode("utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"can't write the SSO token cache {directory} ({explain(exc)}); "
            "it must be a directory that you own and can write"
        ) from None


def holds_secrets(raw: dict | None) -> bool:
    """True if a token file (as read) carries a refresh token or a client secret."""
    return raw is not None and bool(raw.get("refreshToken") or raw.get("clientSecret"))


def load_token(session: SsoSession) -> Token | None:
    """The token as the file has it (secrets only if the file holds them), or None."""
    return parse_token(session, read_raw(session))


def parse_token(session: SsoSession, raw: dict | None) -> Token | None:
    """The token in a token file (as read); None when absent, foreign or damaged."""
    if raw is None or not isinstance(raw.get("accessToken"), str):
        return None
    if raw.get("startUrl", session.start_url) != session.start_url:  # a sign-in to another start URL
        return None
    try:
        expires_at = parse_epoch(raw["expiresAt"])
        registered = raw.get("registrationExpiresAt")
        registration_expires_at = parse_epoch(registered) if registered else None
    except (KeyError, TypeError, ValueError, AttributeError):  # a foreign or damaged file
        return None
    return Token(
        start_url=raw.get("startUrl", session.start_url),
        region=raw.get("region", session.region),
        access_token=raw["accessToken"],
        expires_at=expires_at,
        client_id=raw.get("clientId"),
        client_secret=raw.get("clientSecret"),
        registration_expires_at=registration_expires_at,
        refresh_token=raw.get("refreshToken"),
    )


def save_token(session: SsoSession, token: Token, *, with_secrets: bool = True) -> str:
    """Write the token file atomically (0600), with its secrets or without; returns its path."""
    raw: dict = {
        "startUrl": token.start_url,
        "region": token.region,
        "accessToken": token.access_token,
        "expiresAt": format_epoch(token.expires_at),
    }
    if token.client_id:
        raw["clientId"] = token.client_id
    if token.registration_expires_at:
        raw["registrationExpiresAt"] = format_epoch(token.registration_expires_at)
    if with_secrets:
        raw.update(secrets_of(token))
    _write_json(token_path(session), raw)
    return token_path(session)


def secrets_of(token: Token) -> dict[str, str]:
    """The token's long-lived secrets that are set, by their token-file field names."""
    found = {"clientSecret": token.client_secret, "refreshToken": token.refresh_token}
    return {key: value for key, value in found.items() if value}


def delete_token(session: SsoSession) -> bool:
    return remove_quietly(token_path(session))


AUTH_CODE_GRANTS = ("authorization_code", "refresh_token")


def registration_key(session: SsoSession, auth_code: bool = False) -> str:
    """The registration file name; a browser-flow registration (its own grant types and
    redirect URI) is kept apart from a device-flow one."""
    args: dict = {
        "tool": "ssohelper",
        "startUrl": session.start_url,
        "region": session.region,
        "scopes": list(session.scopes),
        "session_name": session.name,
    }
    if auth_code:
        args["grantTypes"] = list(AUTH_CODE_GRANTS)
    text = json.dumps(args, sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _registration_path(session: SsoSession, auth_code: bool = False) -> str:
    return os.path.join(paths.sso_cache_dir(), registration_key(session, auth_code) + ".json")


def registration_client_ids(session: SsoSession) -> set[str]:
    """The client IDs of ssohelper's own cached registrations for ``session`` (no secrets read)."""
    found = set()
    for auth_code in (False, True):
        client_id = (_read_json(_registration_path(session, auth_code)) or {}).get("clientId")
        if isinstance(client_id, str):
            found.add(client_id)
    return found


def load_registration(session: SsoSession, auth_code: bool = False) -> dict | None:
    """``{"clientId", "clientSecret" (None: not in the file), "expiresAt"}`` (epoch seconds), or None."""
    raw = _read_json(_registration_path(session, auth_code))
    if raw is None or not isinstance(raw.get("clientId"), str):
        return None
    try:
        expires_at = parse_epoch(raw["expiresAt"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return {"clientId": raw["clientId"], "clientSecret": raw.get("clientSecret") or None, "expiresAt": expires_at}


def save_registration(session: SsoSession, registration: dict, *, auth_code: bool = False, with_secret: bool) -> None:
    raw: dict = {
        "clientId": registration["clientId"],
        "expiresAt": format_epoch(registration["expiresAt"]),
        "scopes": list(session.scopes),
    }
    if auth_code:
        raw["grantTypes"] = list(AUTH_CODE_GRANTS)
    if with_secret:
        raw["clientSecret"] = registration["clientSecret"]
    _write_json(_registration_path(session, auth_code), raw)


def delete_registration(session: SsoSession, auth_code: bool) -> bool:
    return remove_quietly(_registration_path(session, auth_code))

"""SSO tokens and client registrations, in the AWS CLI v2 cache (~/.aws/sso/cache).

Token files are named and shaped exactly as the AWS CLI v2 writes them, so a login by either
tool serves both. Where the refresh token and client secret go (this file or the OS keyring)
is decided by ``sso.secrets_policy``; this module only reads and writes what it is told.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass

from ssohelper import paths
from ssohelper.cache.fileio import Untrusted, ensure_private_dir, explain, read_trusted, remove_quietly, write_atomic
from ssohelper.cache.keyringstore import KeyringStore, describe
from ssohelper.errors import ConfigError
from ssohelper.models import SsoSession, Token
from ssohelper.times import format_epoch, parse_epoch


def token_key(session: SsoSession) -> str:
    return paths.session_key(session.token_key_input)


def token_path(session: SsoSession) -> str:
    return paths.sso_token_file(session.token_key_input)


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


@dataclass(frozen=True)
class Cached:
    """The cached token and where its refresh token and client secret are: "file", "keyring" or None."""

    token: Token | None
    place: str | None


def read(session: SsoSession, store: KeyringStore | None) -> Cached:
    """The cached token, its secrets from ``store`` if they are not in the file, in one reading."""
    raw = _read_json(token_path(session))
    kept = None
    if store is not None and raw is not None and not raw.get("refreshToken"):
        kept = store.get(_secrets_name(session))
    in_file = raw is not None and bool(raw.get("refreshToken") or raw.get("clientSecret"))
    return Cached(_token(session, raw, kept), "file" if in_file else ("keyring" if kept else None))


def load_token(session: SsoSession, store: KeyringStore | None = None) -> Token | None:
    """The cached token, or None when absent or unreadable. Secrets come from ``store`` if given."""
    return read(session, store).token


def _token(session: SsoSession, raw: dict | None, kept: dict | None) -> Token | None:
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
    client_secret, refresh_token = raw.get("clientSecret"), raw.get("refreshToken")
    if kept and kept.get("clientId") == raw.get("clientId"):
        client_secret = client_secret or kept.get("clientSecret")
        refresh_token = kept.get("refreshToken")
    return Token(
        start_url=raw.get("startUrl", session.start_url),
        region=raw.get("region", session.region),
        access_token=raw["accessToken"],
        expires_at=expires_at,
        client_id=raw.get("clientId"),
        client_secret=client_secret,
        registration_expires_at=registration_expires_at,
        refresh_token=refresh_token,
    )


def _secrets_name(session: SsoSession) -> str:
    return "token/" + token_key(session)


def save_token(session: SsoSession, token: Token, store: KeyringStore | None = None) -> str:
    """Write the token file atomically (0600), its secrets in ``store`` if given; returns its path."""
    _save(session, token, store)
    return token_path(session)


def replace(
    session: SsoSession, token: Token, target: KeyringStore | None, keyring: KeyringStore | None
) -> tuple[str | None, str | None]:
    """Write ``token``, its secrets in ``target`` (None: the file). Returns where they were and
    where they are now; a copy left in ``keyring`` when they went to the file is removed."""
    raw = _read_json(token_path(session)) or {}
    before = "file" if raw.get("refreshToken") or raw.get("clientSecret") else None
    if before is None and keyring is not None and keyring.get(_secrets_name(session)):
        before = "keyring"
    after = _save(session, token, target)
    if before == "keyring" and after == "file" and keyring is not None:
        keyring.delete(_secrets_name(session))
    return before, after


def _save(session: SsoSession, token: Token, store: KeyringStore | None) -> str | None:
    """Write the token file; returns where its secrets went ("keyring", "file"; None: it has none)."""
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
    secrets = {"clientSecret": token.client_secret, "refreshToken": token.refresh_token}
    secrets = {k: v for k, v in secrets.items() if v}
    kept = False  # a locked keyring: keep them in the file, as the AWS CLI does
    if store is not None and secrets:
        kept = store.set(_secrets_name(session), {"clientId": token.client_id, **secrets})
    if not kept:
        raw.update(secrets)
    _write_json(token_path(session), raw)
    return "keyring" if kept else ("file" if secrets else None)


def secrets_place(session: SsoSession, store: KeyringStore | None) -> str | None:
    """Where this session's refresh token and client secret are now: "file", "keyring" or None."""
    raw = _read_json(token_path(session)) or {}
    if raw.get("refreshToken") or raw.get("clientSecret"):
        return "file"
    if store is not None and store.get(_secrets_name(session)):
        return "keyring"
    return None


def secrets_location(session: SsoSession, store: KeyringStore | None) -> str:
    """Where this session's refresh token and client secret actually are, for people to read."""
    place = secrets_place(session, store)
    if place == "file":
        return describe(None)
    if place == "keyring" and store is not None:
        return describe(store)
    return "nowhere (no refresh token was issued)"


def delete_token(session: SsoSession, store: KeyringStore | None = None) -> bool:
    if store is not None:
        store.delete(_secrets_name(session))
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


def load_registration(session: SsoSession, store: KeyringStore | None = None, auth_code: bool = False) -> dict | None:
    """``{"clientId", "clientSecret", "expiresAt"}`` (epoch seconds), or None."""
    key = registration_key(session, auth_code)
    raw = _read_json(_registration_path(session, auth_code))
    if raw is None or not isinstance(raw.get("clientId"), str):
        return None
    secret = raw.get("clientSecret")
    if not secret and store is not None:
        secret = (store.get("registration/" + key) or {}).get("clientSecret")
    try:
        expires_at = parse_epoch(raw["expiresAt"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if not secret:
        return None
    return {"clientId": raw["clientId"], "clientSecret": secret, "expiresAt": expires_at}


def save_registration(
    session: SsoSession, registration: dict, store: KeyringStore | None = None, auth_code: bool = False
) -> None:
    raw: dict = {
        "clientId": registration["clientId"],
        "expiresAt": format_epoch(registration["expiresAt"]),
        "scopes": list(session.scopes),
    }
    if auth_code:
        raw["grantTypes"] = list(AUTH_CODE_GRANTS)
    secret = {"clientSecret": registration["clientSecret"]}
    if store is None or not store.set("registration/" + registration_key(session, auth_code), secret):
        raw.update(secret)
    _write_json(_registration_path(session, auth_code), raw)


def delete_registration(session: SsoSession, store: KeyringStore | None = None) -> bool:
    """Forget both the device-flow and the browser-flow registration; True if a file went."""
    removed = False
    for auth_code in (False, True):
        if store is not None:
            store.delete("registration/" + registration_key(session, auth_code))
        removed = remove_quietly(_registration_path(session, auth_code)) or removed
    return removed

"""What ``ssohelper status`` reports: sign-ins, where their secrets are, cached role credentials,
and how botocore resolves each profile (its kind, from ``kinds.registry``).

One value, no secrets in it: the CLI renders it as text or JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ssohelper import paths, times
from ssohelper.cache import keyringstore, rolestore
from ssohelper.cache.keyringstore import KeyringStore
from ssohelper.errors import ConfigError
from ssohelper.kinds.registry import ProfileKind
from ssohelper.models import SsoSession, epoch_now
from ssohelper.settings import load_process_settings
from ssohelper.tokens.secrets_policy import UNSET
from ssohelper.tokens.vault import TokenVault


@dataclass(frozen=True)
class CachedRole:
    account_id: str
    role_name: str
    expires_at: float | None  # None: unreadable, or kept in a keyring we cannot open now
    seconds_left: float | None
    store: str  # "file" or "keyring"


@dataclass(frozen=True)
class SessionStatus:
    name: str  # the sso-session name, or the start URL of a legacy profile
    start_url: str
    region: str
    token_path: str
    state: str  # "signed in", "expired" or "not signed in"
    expires_at: float | None
    seconds_left: float | None
    can_refresh: bool
    secrets_location: str | None  # None when there is no refresh token
    secrets_where: str  # where the refresh token and client secret are now, and why
    secrets_reason: str
    warnings: tuple[str, ...]
    roles: tuple[CachedRole, ...]
    error: str | None = None  # the token file can't be used (unreadable, untrusted): say why
    secrets_store: str | None = None  # "file" or "keyring"; None when there is no refresh token


@dataclass(frozen=True)
class StatusReport:
    sessions: tuple[SessionStatus, ...]
    keyring_backend: str
    secure_keyring: str  # the secure keyring ssohelper can use, or "none"
    secrets_destination: str  # where new long-lived secrets go
    role_store: str
    role_cache: str
    config_path: str
    profiles: tuple[ProfileKind, ...] = ()

    def document(self) -> dict[str, Any]:
        """The JSON schema of ``status --output json`` (README: "JSON schemas"): RFC 3339 UTC
        times, whole seconds, fixed lowercase words for states, null for none, one key per fact."""
        return {
            "sessions": [_session_document(item) for item in self.sessions],
            "secure_keyring": None if self.secure_keyring == "none" else self.secure_keyring,
            "keyring_backend": None if self.keyring_backend.startswith("none") else self.keyring_backend,
            "role_store": self.role_store,
            "role_cache": self.role_cache if self.role_store == "file" else None,
            "config_path": self.config_path,
            "profiles": [item.document() for item in self.profiles],
        }


STATE_WORDS = {"signed in": "signed-in", "expired": "expired", "not signed in": "signed-out", "cannot tell": "unknown"}


def _time(epoch: float | None) -> str | None:
    return None if epoch is None else times.format_epoch(epoch)


def _seconds(left: float | None) -> int | None:
    return None if left is None else max(0, int(left))


def _session_document(item: SessionStatus) -> dict[str, Any]:
    return {
        "name": item.name,
        "start_url": item.start_url,
        "region": item.region,
        "token_path": item.token_path,
        "state": STATE_WORDS[item.state],
        "expires_at": _time(item.expires_at),
        "seconds_left": _seconds(item.seconds_left),
        "can_refresh": item.can_refresh,
        "secrets_store": item.secrets_store,
        "secrets_reason": None if item.error else item.secrets_reason,
        "warnings": list(item.warnings),
        "error": item.error,
        "roles": [
            {
                "account_id": role.account_id,
                "role_name": role.role_name,
                "expires_at": _time(role.expires_at),
                "seconds_left": _seconds(role.seconds_left),
                "store": role.store,
            }
            for role in item.roles
        ],
    }


def status(
    sessions: Sequence[SsoSession],
    *,
    profiles: Sequence[ProfileKind] = (),
    clock: Callable[[], float] = epoch_now,
    store: KeyringStore | None = UNSET,
) -> StatusReport:
    """The state of ``sessions``, ``profiles`` and the caches, read without changing anything."""
    store = keyringstore.secure_keyring() if store is UNSET else store
    now = clock()
    cached = _cached_roles(store, now)
    settings = load_process_settings()
    return StatusReport(
        sessions=tuple(_session_status(s, store, now, cached) for s in sessions),
        keyring_backend=keyring_backend(),
        secure_keyring=store.description if store is not None else "none",
        secrets_destination=keyringstore.describe(store),
        role_store=settings.store,
        role_cache=paths.role_cache_dir() if settings.store == "file" else "OS keyring",
        config_path=paths.aws_config_file(),
        profiles=tuple(profiles),
    )


def keyring_backend() -> str:
    """The keyring backend Python's keyring picked (secure or not), by class name."""
    backend = keyringstore.load_backend()
    if backend is None:
        return "none (keyring is not installed or could not load a backend; --debug says why)"
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _session_status(
    session: SsoSession, store: KeyringStore | None, now: float, cached: dict[str, list[CachedRole]]
) -> SessionStatus:
    sid = rolestore.session_id(session.name, session.start_url)
    roles = tuple(sorted(cached.get(sid, []), key=lambda r: (r.account_id, r.role_name)))
    vault = TokenVault(session, store=store)
    try:  # applies the secrets rule first: it may move them
        secrets = vault.explain()
        token = vault.load()
    except ConfigError as exc:  # an unreadable or untrusted token file: say so, go on with the others
        return SessionStatus(
            session.label,
            session.start_url,
            session.region,
            vault.path,
            "cannot tell",
            None,
            None,
            False,
            None,
            "unknown",
            str(exc),
            (),
            roles,
            error=str(exc),
        )
    left = token.seconds_left(now) if token else None
    state = "not signed in" if left is None else ("signed in" if left > 0 else "expired")
    can_refresh = bool(token and token.refresh_token)
    return SessionStatus(
        name=session.label,
        start_url=session.start_url,
        region=session.region,
        token_path=vault.path,
        state=state,
        expires_at=token.expires_at if token else None,
        seconds_left=left,
        can_refresh=can_refresh,
        secrets_location=vault.location() if can_refresh else None,
        secrets_store=vault.place() if can_refresh else None,
        secrets_where=secrets.where,
        secrets_reason=secrets.reason,
        warnings=secrets.warnings,
        roles=roles,
    )


def _cached_roles(store: KeyringStore | None, now: float) -> dict[str, list[CachedRole]]:
    """Cached role credentials by session id; only their expiry is read, never their secrets."""
    files = rolestore.FileStore()
    keyring_roles = rolestore.KeyringRoleStore(store.backend) if store is not None else None
    found: dict[str, list[CachedRole]] = {}
    for name in files.names():
        parts = rolestore.split_entry_name(name)
        if parts is None:
            continue
        raw = files.read(name)
        kind = "file"
        if raw is not None and raw.split("\n")[1:2] == [rolestore.IN_KEYRING]:
            kind = "keyring"
            raw = keyring_roles.read(name) if keyring_roles is not None else None
        expires_at = rolestore.entry_expiry(raw)
        left = None if expires_at is None else expires_at - now
        found.setdefault(parts[0], []).append(CachedRole(parts[1], parts[2], expires_at, left, kind))
    return found

"""One session's token, its client registrations, and where their secrets live.

Login, refresh, status, logout and migrate ask a ``TokenVault`` to load and to save; none of
them decides where a refresh token or client secret goes. The vault decides that once
(``secrets_policy.decide``: the file or the OS keyring), and is the only module that puts
secrets in the keyring, reads them back or removes them there; ``tokencache`` is only the AWS
CLI's file format and writes the secrets into the file when the vault says so. A keyring that
refuses a write (locked, gone) leaves them in the file, as the AWS CLI keeps them. Secrets
that sit in the wrong place are moved, and the move is reported through ``notify``.
"""

from __future__ import annotations

import dataclasses
import logging
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from ssohelper import paths, settings
from ssohelper.aws import deadline
from ssohelper.cache import keyringstore, locks
from ssohelper.cache.keyringstore import KeyringStore
from ssohelper.errors import Busy
from ssohelper.ini import awsconfig
from ssohelper.ini.awsconfig import AwsConfig
from ssohelper.models import SsoSession, Token
from ssohelper.tokens import secrets_policy, tokencache
from ssohelper.tokens.secrets_policy import UNSET, Notify, Placement, SecretsStatus, report

MOVE_WAIT = 5.0  # seconds status or migrate wait for a refresh under way before leaving the move to it
log = logging.getLogger("ssohelper")
_PLACES = {"file": "the token file", "keyring": "the OS keyring"}


class TokenVault:
    """``session``'s token and registrations; their secrets go where ``secrets_policy`` says.

    ``mode`` is auto, keyring or file (None: the settings file); ``store`` the secure keyring
    (left out: looked up when first needed; None: there is none). Both are resolved lazily, so a
    caller whose token is still valid never loads the keyring or the AWS config.
    """

    def __init__(
        self,
        session: SsoSession,
        *,
        mode: str | None = None,
        store: KeyringStore | None = UNSET,
        config: AwsConfig | None = None,
        notify: Notify = report,
    ) -> None:
        self.session = session
        self.notify = notify
        self._mode, self._store, self._config = mode, store, config
        self._placement: Placement | None = None

    @property
    def keyring(self) -> KeyringStore | None:
        """The secure OS keyring, or None: secrets already there are read from it."""
        if self._store is UNSET:
            self._store = keyringstore.secure_keyring()
        return self._store

    @property
    def placement(self) -> Placement:
        """Where the secrets belong, and why (decided once per vault)."""
        if self._placement is None:
            self._placement = secrets_policy.decide(
                self.session, mode=self._mode, store=self.keyring, config=self._config
            )
        return self._placement

    @property
    def path(self) -> str:
        return tokencache.token_path(self.session)

    def lock(self, timeout: float, what: str) -> AbstractContextManager[Any]:
        """The session lock: held while the token is refreshed, written, or its secrets moved."""
        return locks.file_lock(tokencache.lock_path(self.session), timeout=deadline.remaining(timeout), what=what)

    def signin_lock(self, timeout: float) -> AbstractContextManager[Any]:
        """Held while a person signs in (device code or browser): one sign-in at a time per session."""
        path = signin_lock_path(self.session)
        return locks.file_lock(path, timeout=deadline.remaining(timeout), what=f"sign-in to {self.session.label}")

    def peek(self) -> Token | None:
        """The cached token without its keyring secrets: enough to tell whether it is still valid."""
        return tokencache.load_token(self.session)

    def load(self) -> Token | None:
        return _read(self.session, self.keyring).token

    def save(self, token: Token) -> str:
        """Write ``token`` with its secrets where they belong; report a move. Returns the path."""
        placement = self.placement
        before, after = _replace(self.session, token, placement.target, placement.store)
        if before and after and before != after:
            what = f"the refresh token and client secret of '{self.session.label}'"
            self.notify(f"moved {what} from {_PLACES[before]} to {_PLACES[after]}: {placement.reason}")
        return self.path

    def settle(self) -> Token | None:
        """The cached token, its secrets moved to where they belong if they are elsewhere."""
        placement = self.placement
        cached = _read(self.session, placement.store)
        if cached.token is None or cached.place in (None, placement.where):
            return cached.token
        try:  # re-entrant: login and refresh already hold it
            with self.lock(MOVE_WAIT, f"refresh of {self.session.label}"):
                cached = _read(self.session, placement.store)
                if cached.token is not None and cached.place not in (None, placement.where):
                    self.save(cached.token)
        except Busy:  # a sign-in or refresh is under way; it applies the rule itself
            log.debug("the session lock of %s is busy; not moving its secrets now", self.session.label)
        return cached.token

    def place(self) -> str | None:
        """Where the refresh token and client secret are now: "file", "keyring" or None."""
        return _place(self.session, self.keyring)

    def location(self) -> str:
        """Where the refresh token and client secret are now, for people to read."""
        place = self.place()
        if place == "file":
            return keyringstore.describe(None)
        if place == "keyring":
            return keyringstore.describe(self.keyring)
        return "nowhere (no refresh token was issued)"

    def explain(self) -> SecretsStatus:
        """Where the secrets are now and why (settling them first)."""
        self.settle()
        placement = self.placement
        if tokencache.read_raw(self.session) is None:
            where = f"none yet (a sign-in puts them in {_PLACES[placement.where]})"
            if self.keyring is not None and self.place() == "keyring":
                # the token file went with a logout by another tool (aws sso logout): so do they
                self.keyring.delete(_secrets_name(self.session))
                where = "none: signed out by another tool; the copy in the OS keyring is removed"
        else:
            where = self.location()
        return SecretsStatus(where, placement.reason, placement.warnings)

    def registration(self, auth_code: bool = False) -> dict | None:
        """The cached client registration (device or browser flow) with its secret, or None."""
        found = tokencache.load_registration(self.session, auth_code)
        store = self.placement.registration_store
        if found is not None and not found["clientSecret"] and store is not None:
            kept = store.get(_registration_name(self.session, auth_code)) or {}
            found["clientSecret"] = kept.get("clientSecret")
        return found if found is not None and found["clientSecret"] else None

    def save_registration(self, registration: dict, auth_code: bool = False) -> None:
        store, name = self.placement.registration_store, _registration_name(self.session, auth_code)
        kept = store is not None and store.set(name, {"clientSecret": registration["clientSecret"]})
        tokencache.save_registration(self.session, registration, auth_code=auth_code, with_secret=not kept)

    def forget_registration(self) -> None:
        """The server no longer knows the client: the next sign-in registers again."""
        for auth_code in (False, True):
            if self.keyring is not None:
                self.keyring.delete(_registration_name(self.session, auth_code))
            tokencache.delete_registration(self.session, auth_code)

    def delete(self) -> bool:
        """Forget the token and the registrations, wherever their secrets are; True if the token file went."""
        if self.keyring is not None:
            self.keyring.delete(_secrets_name(self.session))
        removed = tokencache.delete_token(self.session)
        self.forget_registration()
        return removed


@dataclass(frozen=True)
class _Cached:
    """The cached token and where its refresh token and client secret are: "file", "keyring" or None."""

    token: Token | None
    place: str | None


def _secrets_name(session: SsoSession) -> str:
    return "token/" + tokencache.token_key(session)


def _registration_name(session: SsoSession, auth_code: bool) -> str:
    return "registration/" + tokencache.registration_key(session, auth_code)


def _place(session: SsoSession, store: KeyringStore | None) -> str | None:
    """Where the session's secrets are now: "file", "keyring" (in ``store``) or None."""
    if tokencache.holds_secrets(tokencache.read_raw(session)):
        return "file"
    return "keyring" if store is not None and store.get(_secrets_name(session)) else None


def _read(session: SsoSession, store: KeyringStore | None) -> _Cached:
    """The cached token, its secrets from ``store`` if they are not in the file, in one reading."""
    raw = tokencache.read_raw(session)
    token = tokencache.parse_token(session, raw)
    kept = None
    if store is not None and raw is not None and not raw.get("refreshToken"):
        kept = store.get(_secrets_name(session))
    if token is not None and kept and kept.get("clientId") == token.client_id:
        secret = token.client_secret or kept.get("clientSecret")
        token = dataclasses.replace(token, client_secret=secret, refresh_token=kept.get("refreshToken"))
    return _Cached(token, "file" if tokencache.holds_secrets(raw) else ("keyring" if kept else None))


def _replace(
    session: SsoSession, token: Token, target: KeyringStore | None, keyring: KeyringStore | None
) -> tuple[str | None, str | None]:
    """Write ``token``, its secrets in ``target`` (None: the file). Returns where they were and
    where they are now; a copy left in ``keyring`` when they went to the file is removed."""
    before = _place(session, keyring)
    secrets = tokencache.secrets_of(token)
    kept = bool(
        target is not None and secrets and target.set(_secrets_name(session), {"clientId": token.client_id, **secrets})
    )
    tokencache.save_token(session, token, with_secrets=not kept)  # a keyring that refused: the file
    after = "keyring" if kept else ("file" if secrets else None)
    if before == "keyring" and after == "file" and keyring is not None:
        keyring.delete(_secrets_name(session))
    return before, after


def signin_lock_path(session: SsoSession) -> str:
    """Held while a person signs in; named by the token file's key, as the session lock is."""
    return paths.lock_file("signin", tokencache.token_key(session))


def settle_configured(*, notify: Notify = report) -> None:
    """Settle the secrets of every session in the AWS config (after migrate-profiles changed it)."""
    config = awsconfig.load_sso()
    mode, store = settings.secrets_mode(), keyringstore.secure_keyring()
    for session in config.sessions():
        TokenVault(session, mode=mode, store=store, config=config, notify=notify).settle()

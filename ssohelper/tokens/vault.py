"""One session's token, its client registrations, and where their secrets live.

Login, refresh, status, logout and migrate ask a ``TokenVault`` to load and to save; none of
them decides where a refresh token or client secret goes. The vault decides that once
(``secrets_policy.decide``: the file or the OS keyring), reads and writes through
``tokencache`` (the AWS CLI's file format) with that answer, and moves secrets that sit in the
wrong place, reporting the move through ``notify``.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
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
        return tokencache.load_token(self.session, self.keyring)

    def save(self, token: Token) -> str:
        """Write ``token`` with its secrets where they belong; report a move. Returns the path."""
        placement = self.placement
        before, after = tokencache.replace(self.session, token, placement.target, placement.store)
        if before and after and before != after:
            what = f"the refresh token and client secret of '{self.session.label}'"
            self.notify(f"moved {what} from {_PLACES[before]} to {_PLACES[after]}: {placement.reason}")
        return self.path

    def settle(self) -> Token | None:
        """The cached token, its secrets moved to where they belong if they are elsewhere."""
        placement = self.placement
        cached = tokencache.read(self.session, placement.store)
        if cached.token is None or cached.place in (None, placement.where):
            return cached.token
        try:  # re-entrant: login and refresh already hold it
            with self.lock(MOVE_WAIT, f"refresh of {self.session.label}"):
                cached = tokencache.read(self.session, placement.store)
                if cached.token is not None and cached.place not in (None, placement.where):
                    self.save(cached.token)
        except Busy:  # a sign-in or refresh is under way; it applies the rule itself
            log.debug("the session lock of %s is busy; not moving its secrets now", self.session.label)
        return cached.token

    def place(self) -> str | None:
        """Where the refresh token and client secret are now: "file", "keyring" or None."""
        return tokencache.secrets_place(self.session, self.keyring)

    def location(self) -> str:
        """Where the refresh token and client secret are now, for people to read."""
        return tokencache.secrets_location(self.session, self.keyring)

    def explain(self) -> SecretsStatus:
        """Where the secrets are now and why (settling them first)."""
        self.settle()
        placement = self.placement
        if tokencache.read_raw(self.session) is None:
            where = f"none yet (a sign-in puts them in {_PLACES[placement.where]})"
        else:
            where = self.location()
        return SecretsStatus(where, placement.reason, placement.warnings)

    def registration(self, auth_code: bool = False) -> dict | None:
        """The cached client registration (device or browser flow), or None."""
        return tokencache.load_registration(self.session, self.placement.registration_store, auth_code)

    def save_registration(self, registration: dict, auth_code: bool = False) -> None:
        tokencache.save_registration(self.session, registration, self.placement.registration_store, auth_code)

    def forget_registration(self) -> None:
        """The server no longer knows the client: the next sign-in registers again."""
        tokencache.delete_registration(self.session, self.keyring)

    def delete(self) -> bool:
        """Forget the token and the registrations, wherever their secrets are; True if the token file went."""
        removed = tokencache.delete_token(self.session, self.keyring)
        tokencache.delete_registration(self.session, self.keyring)
        return removed


def signin_lock_path(session: SsoSession) -> str:
    """Held while a person signs in; named by the token file's key, as the session lock is."""
    return paths.lock_file("signin", tokencache.token_key(session))


def settle_configured(*, notify: Notify = report) -> None:
    """Settle the secrets of every session in the AWS config (after migrate-profiles changed it)."""
    config = awsconfig.load()
    mode, store = settings.secrets_mode(), keyringstore.secure_keyring()
    for session in config.sessions():
        TokenVault(session, mode=mode, store=store, config=config, notify=notify).settle()

"""Where a session's long-lived secrets (refresh token, client secret) go, and why.

``secrets = auto | keyring | file`` (``[login] secrets`` in the settings file, or
``login --secrets``). ``auto`` puts them in the OS keyring only when all of these hold:

- a secure keyring backend exists;
- no profile uses the session through the AWS CLI's and SDKs' own SSO support: they refresh
  only from the token file;
- the token file did not already hold them from another tool (``aws sso login``): ssohelper
  never moves secrets out of a file another tool wrote.

Otherwise they stay in the 0600 token file, as the AWS CLI keeps them. ``tokens.vault`` applies the
rule on every login, refresh, status and migrate, and moves secrets that sit elsewhere.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ssohelper import settings
from ssohelper.cache import keyringstore
from ssohelper.cache.keyringstore import KeyringStore
from ssohelper.ini import awsconfig
from ssohelper.ini.awsconfig import AwsConfig
from ssohelper.models import SsoSession
from ssohelper.tokens import tokencache

UNSET: Any = object()
Notify = Callable[[str], None]


def report(message: str) -> None:
    """The default ``notify``: one line on stderr, for people."""
    try:
        sys.stderr.write(f"ssohelper: {message}\n")
        sys.stderr.flush()
    except OSError:  # nobody is listening any more
        pass


@dataclass(frozen=True)
class Placement:
    """Where a session's secrets belong now, and why (the rule, in words)."""

    where: str  # "keyring" or "file"
    reason: str
    mode: str
    native_profiles: tuple[str, ...]
    store: KeyringStore | None  # the secure keyring, if any: secrets already there are read from it

    @property
    def target(self) -> KeyringStore | None:
        """Where the vault should put the secrets (None: the token file)."""
        return self.store if self.where == "keyring" else None

    @property
    def registration_store(self) -> KeyringStore | None:
        """ssohelper's own client registration: no other tool reads it, so only ``file`` keeps it out."""
        return None if self.mode == "file" else self.store

    @property
    def warnings(self) -> tuple[str, ...]:
        if self.where != "keyring":
            return ()
        return tuple(
            f"profile '{name}' uses this session through the AWS CLI's or an SDK's own SSO support; "
            "it cannot refresh the token while the secrets are in the keyring (set secrets = auto or file)"
            for name in self.native_profiles
        )


@dataclass(frozen=True)
class SecretsStatus:
    """What ``status`` says about a session's secrets."""

    where: str  # where they are now, for people
    reason: str
    warnings: tuple[str, ...]


def decide(
    session: SsoSession,
    *,
    mode: str | None = None,
    store: KeyringStore | None = UNSET,
    config: AwsConfig | None = None,
) -> Placement:
    """Where ``session``'s secrets belong under ``mode`` (default: the settings file)."""
    mode = settings.secrets_mode() if mode is None else mode
    store = keyringstore.secure_keyring() if store is UNSET else store
    natives = tuple((config or awsconfig.load()).native_profiles(session))

    def placed(where: str, reason: str) -> Placement:
        return Placement(where, reason, mode, natives, store)

    if mode == "file":
        return placed("file", "secrets = file")
    if store is None:
        return placed("file", f"secrets = {mode}, but there is no secure OS keyring backend")
    if mode == "keyring":
        return placed("keyring", "secrets = keyring")
    if natives:
        names = ", ".join(f"'{name}'" for name in natives)
        return placed(
            "file",
            f"secrets = auto, and profile(s) {names} use this session through the AWS CLI's and SDKs' own "
            "SSO support, which refresh only from the token file",
        )
    if _written_by_another_tool(session):
        return placed(
            "file",
            "secrets = auto, and another tool (such as aws sso login) wrote them to the token file; "
            "ssohelper leaves them there",
        )
    return placed("keyring", "secrets = auto, a secure OS keyring exists, and no profile uses this session natively")


def _written_by_another_tool(session: SsoSession) -> bool:
    """The token file holds secrets from a client registration that is not ssohelper's own."""
    raw = tokencache.read_raw(session) or {}
    if not (raw.get("refreshToken") or raw.get("clientSecret")):
        return False
    return raw.get("clientId") not in tokencache.registration_client_ids(session)

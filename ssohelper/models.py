"""Plain values shared by the use cases (stdlib only)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ssohelper import paths
from ssohelper.settings import DEFAULT_SCOPE

DEFAULT_SCOPES = (DEFAULT_SCOPE,)


def epoch_now() -> float:
    """The wall clock, looked up on every call (so a frozen clock in tests reaches it)."""
    return time.time()


@dataclass(frozen=True)
class SsoSession:
    """An Identity Center sign-in: an ``[sso-session NAME]`` or a legacy start-URL profile."""

    start_url: str
    region: str
    name: str | None = None
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    redirect_port: int | None = None  # sso_redirect_port: a fixed port for the browser callback
    in_config: bool = field(default=True, compare=False)  # False: an [sso-session] still to be written

    @property
    def token_key_input(self) -> str:
        """What the AWS CLI hashes to name the token file: the session name, else the URL."""
        return paths.session_key_input(self.name, self.start_url)

    @property
    def label(self) -> str:
        return self.name if self.name is not None else self.start_url

    def login_command(self) -> str:
        """The command that signs in to this session, each word quoted for a shell."""
        from shlex import quote  # only on the way to a message

        if self.name is not None and not self.in_config:  # login writes the section, then signs in
            words = ["--sso-session", self.name, "--start-url", self.start_url, "--sso-region", self.region]
        elif self.name is not None:
            words = ["--sso-session", self.name]
        else:
            words = ["--start-url", self.start_url, "--sso-region", self.region]
        return "ssohelper login " + " ".join(quote(word) for word in words)


@dataclass(frozen=True)
class AccountRole:
    """An (account, role) pair: a permission set in an account. ``account_name`` is the account's
    display name where a listing gave it; it is not part of the pair's identity."""

    account_id: str
    role_name: str
    account_name: str = field(default="", compare=False)


@dataclass(frozen=True)
class RoleTarget:
    """An (account, role) pair in a resolved sign-in session: what role credentials are fetched for."""

    session: SsoSession
    account_id: str
    role_name: str

    @property
    def role(self) -> AccountRole:
        return AccountRole(self.account_id, self.role_name)


@dataclass(frozen=True)
class Token:
    """An SSO access token as the AWS CLI v2 caches it (timestamps are epoch seconds here)."""

    start_url: str
    region: str
    access_token: str = field(repr=False)
    expires_at: float
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    registration_expires_at: float | None = None
    refresh_token: str | None = field(default=None, repr=False)

    def seconds_left(self, now: float) -> float:
        return self.expires_at - now


@dataclass(frozen=True)
class RoleCredentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expires_at: float
    account_id: str


def mask(secret: str | None) -> str:
    """``ASIAABCDEFGHWXYZ`` -> ``ASIA****WXYZ``; short values are hidden completely."""
    if not secret:
        return "-"
    if len(secret) < 12:
        return "****"
    return f"{secret[:4]}****{secret[-4:]}"

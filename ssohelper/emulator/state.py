"""The emulator's knobs and in-memory state. Every read and write goes through `State.lock`."""

from __future__ import annotations

import copy
import dataclasses
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ssohelper.emulator.faults import Fault
from ssohelper.emulator.throttle import TokenBucket
from ssohelper.emulator.wire import OPERATIONS

Accounts = dict[str, dict[str, Any]]

DEFAULT_ACCOUNTS: Accounts = {
    "111111111111": {"name": "dev", "email": "dev@example.com", "roles": ["Developer", "ReadOnly"]},
    "222222222222": {"name": "prod", "email": "prod@example.com", "roles": ["ReadOnly"]},
}


@dataclass(frozen=True)
class Settings:
    """Runtime knobs. `approve_after_polls=None` means only /verify or `approve()` approves."""

    approve_after_polls: int | None = 1
    deny: bool = False
    slow_down: int = 0
    interval: int = 1
    device_code_ttl: int = 600
    token_ttl: int = 3600
    role_ttl: int = 3600
    refresh_tokens: bool = True
    rotate_refresh_tokens: bool = True  # False: a refresh answer omits the refresh token (keep the old one)
    latency: float = 0.0
    client_secret_ttl: int = 90 * 24 * 3600
    wrong_state: bool = False  # /authorize answers with a state that is not the one sent
    bad_code: bool = False  # /authorize answers with a code CreateToken will refuse
    dribble_ms: int = 0  # send API (and console federation) answers one byte every N ms (0: at once)
    refresh_grace: bool = False  # True: a rotated-out refresh token is accepted once more
    throttle_rate: float = 0.0  # portal calls a second past which it answers 429 (0: never)
    throttle_burst: int = 0  # calls the throttle lets through at once (0: as many as throttle_rate)
    answer_bytes: int = 0  # portal answers padded to this many bytes (0: as they are)
    sts_endpoint: str | None = None  # role credentials from STS AssumeRole there (moto): tied to the account

    def replace(self, **changes: Any) -> Settings:
        for name, value in changes.items():
            _check_knob(name, value)
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_KNOB_TYPES: dict[str, tuple[type, ...]] = {
    "approve_after_polls": (int, type(None)),
    "deny": (bool,),
    "wrong_state": (bool,),
    "bad_code": (bool,),
    "refresh_tokens": (bool,),
    "rotate_refresh_tokens": (bool,),
    "refresh_grace": (bool,),
    "latency": (int, float),
    "throttle_rate": (int, float),
    "sts_endpoint": (str, type(None)),
}


def _check_knob(name: str, value: Any) -> None:
    if name not in Settings.__dataclass_fields__:
        raise TypeError(f"unknown emulator setting: {name}")
    allowed = _KNOB_TYPES.get(name, (int,))
    numeric_bool = isinstance(value, bool) and bool not in allowed
    if numeric_bool or not isinstance(value, allowed):
        raise TypeError(f"bad value for emulator setting {name}: {value!r}")
    number: Any = value  # isinstance against a tuple of types leaves mypy with 'object'
    if name in _NOT_NEGATIVE and number < 0:
        raise ValueError(f"emulator setting {name} must be zero or more, not {value!r}")


_NOT_NEGATIVE = {"latency", "throttle_rate", "throttle_burst", "answer_bytes", "dribble_ms"}


def check_accounts(accounts: Accounts) -> Accounts:
    """A deep copy of a fixture shaped {account_id: {name, email, roles: [...]}}."""
    if not isinstance(accounts, dict):
        raise TypeError("accounts must be a dict keyed by account id")
    for account_id, info in accounts.items():
        if not isinstance(info, dict) or not isinstance(info.get("roles", []), list):
            raise TypeError(f"account {account_id!r} needs a dict with a 'roles' list")
    return copy.deepcopy(accounts)


@dataclass(frozen=True)
class Client:
    """A RegisterClient call as the emulator saw it. `grant_types` is None when none were sent."""

    client_id: str
    client_secret: str
    client_name: str
    client_type: str
    scopes: tuple[str, ...]
    grant_types: tuple[str, ...] | None
    issued_at: int
    secret_expires_at: int
    redirect_uris: tuple[str, ...] = ()
    issuer_url: str | None = None


@dataclass
class AuthCodeGrant:
    """An authorization code /authorize handed out, and what CreateToken must match."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    created_at: float


@dataclass
class DeviceGrant:
    device_code: str
    user_code: str
    client_id: str
    created_at: float
    polls: int = 0
    slow_downs: int = 0
    approved: bool = False
    exchanged: bool = False


@dataclass
class Session:
    """One sign-in: its refresh token rotates, and Logout revokes all of it."""

    client_id: str
    refresh_token: str | None = None
    revoked: bool = False
    previous_refresh_token: str | None = None  # accepted once more when refresh_grace is on


@dataclass
class AccessToken:
    session: Session
    expires_at: float


@dataclass
class State:
    settings: Settings = field(default_factory=Settings)
    accounts: Accounts = field(default_factory=lambda: copy.deepcopy(DEFAULT_ACCOUNTS))
    clients: dict[str, Client] = field(default_factory=dict)
    devices: dict[str, DeviceGrant] = field(default_factory=dict)
    user_codes: dict[str, str] = field(default_factory=dict)  # user code -> device code
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, Session] = field(default_factory=dict)
    auth_codes: dict[str, AuthCodeGrant] = field(default_factory=dict)
    pending_authorizations: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> /authorize query
    authorize_requests: list[dict[str, str]] = field(default_factory=list)  # every /authorize query, in order
    calls: Counter[str] = field(default_factory=Counter)
    failures: dict[str, list[Fault]] = field(default_factory=dict)  # op -> what the next calls do
    role_keys: dict[str, str] = field(default_factory=dict)  # issued access key id -> secret
    signin_tokens: list[str] = field(default_factory=list)  # console sign-in tokens handed out
    throttled: int = 0  # portal calls answered 429 by the throttle
    bucket: TokenBucket | None = None  # the portal throttle, while throttle_rate is set
    lock: threading.RLock = field(default_factory=threading.RLock)

    def configure(self, **knobs: Any) -> None:
        with self.lock:
            accounts = knobs.pop("accounts", None)
            settings = self.settings.replace(**knobs)
            if accounts is not None:
                self.accounts = check_accounts(accounts)
            throttle_changed = (settings.throttle_rate, settings.throttle_burst) != (
                self.settings.throttle_rate,
                self.settings.throttle_burst,
            )
            self.settings = settings
            if throttle_changed or (settings.throttle_rate and self.bucket is None):
                self.bucket = self._new_bucket()

    def _new_bucket(self) -> TokenBucket | None:
        rate = self.settings.throttle_rate
        return TokenBucket(rate, self.settings.throttle_burst or int(rate)) if rate > 0 else None

    def admit(self) -> bool:
        """False when the portal throttle refuses this call (and count it)."""
        bucket = self.bucket
        if bucket is None or bucket.take():
            return True
        with self.lock:
            self.throttled += 1
        return False

    def count_call(self, operation: str) -> None:
        with self.lock:
            self.calls[operation] += 1

    def call_counts(self) -> Counter[str]:
        with self.lock:
            counts = Counter({op: 0 for op in OPERATIONS})
            counts.update(self.calls)
            return counts

    def reset_calls(self) -> None:
        """Zero the counts, and refill the throttle's bucket."""
        with self.lock:
            self.calls.clear()
            self.throttled = 0
            self.bucket = self._new_bucket()

    def fail_next(self, operation: str, count: int, fault: Fault) -> None:
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; known: {sorted(OPERATIONS)}")
        with self.lock:
            self.failures.setdefault(operation, []).extend([fault] * count)

    def take_failure(self, operation: str) -> Fault | None:
        with self.lock:
            pending = self.failures.get(operation)
            return pending.pop(0) if pending else None

    def approve(self, user_code: str) -> None:
        with self.lock:
            device_code = self.user_codes.get(normalize_user_code(user_code))
            if device_code is None:
                raise KeyError(f"unknown user code: {user_code}")
            self.devices[device_code].approved = True

    def expire_tokens(self) -> None:
        now = time.time()
        with self.lock:
            for token in self.access_tokens.values():
                token.expires_at = min(token.expires_at, now)

    def pending_user_codes(self) -> list[str]:
        with self.lock:
            live = (d for d in self.devices.values() if not (d.approved or d.exchanged))
            return [d.user_code for d in live]

    def issue_tokens(self, session: Session, with_refresh: bool, *, rotate: bool = True) -> dict[str, Any]:
        """A CreateToken answer for `session`; a new refresh token replaces the old one, unless
        ``rotate`` is False and it has one: then the answer carries none and the old one stays."""
        ttl = self.settings.token_ttl
        access = "aoa" + secrets.token_urlsafe(48)
        self.access_tokens[access] = AccessToken(session, time.time() + ttl)
        answer: dict[str, Any] = {"accessToken": access, "tokenType": "Bearer", "expiresIn": ttl}
        if not rotate and session.refresh_token is not None:
            return answer
        if session.refresh_token is not None:
            self.refresh_tokens.pop(session.refresh_token, None)
            session.previous_refresh_token = session.refresh_token if self.settings.refresh_grace else None
            session.refresh_token = None
        if with_refresh:
            session.refresh_token = "aor" + secrets.token_urlsafe(48)
            self.refresh_tokens[session.refresh_token] = session
            answer["refreshToken"] = session.refresh_token
        return answer

    def live_session(self, access_token: str | None) -> Session | None:
        with self.lock:
            token = self.access_tokens.get(access_token or "")
            if token is None or token.session.revoked or token.expires_at <= time.time():
                return None
            return token.session

    def revoke(self, session: Session) -> None:
        with self.lock:
            session.revoked = True
            if session.refresh_token is not None:
                self.refresh_tokens.pop(session.refresh_token, None)


def normalize_user_code(user_code: str) -> str:
    """Users type codes in any case, with or without the dash."""
    bare = "".join(ch for ch in user_code.upper() if ch.isalnum())
    return f"{bare[:4]}-{bare[4:]}" if len(bare) == 8 else user_code.upper()

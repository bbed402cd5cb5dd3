"""ssohelper's own settings file (INI), and every default, in one place. Stdlib only: the
credential_process cache hit reads it.

    [credential-process]
    store = keyring          # or: file (default)
    min_ttl_minutes = 15     # hand out cached credentials only while this much is left

    [login]
    use_device_code = true   # sign in with a device code instead of the browser (default false)
    secrets = auto           # or: keyring, file; where refresh tokens and client secrets go

    [aws]
    call_timeout_seconds = 30  # the deadline of each AWS call (or $SSOHELPER_CALL_TIMEOUT)
"""

from __future__ import annotations

import os

from ssohelper import paths
from ssohelper.errors import ConfigError, UsageError

TYPE_CHECKING = False  # importing typing costs ~3 ms on the hot path
if TYPE_CHECKING:
    import configparser

# botocore refreshes credential_process credentials 15 minutes (advisory) and 10 minutes
# (mandatory) before they expire, so cached ones are handed out only with more than this left.
# A token is refreshed when less than the same is left.
DEFAULT_MIN_TTL = 15 * 60
# credential-process ends within this, lock waits included, unless it waits for a person: the Go SDK
# kills it at 60 s. It is also the longest it waits for another ssohelper process (seconds).
PROCESS_BUDGET = 55.0
DEFAULT_LOCK_TIMEOUT = PROCESS_BUDGET
# A sign-in can take ten minutes; whoever waits for one (--auto-login, a second login) must outlast it.
LOGIN_WAIT = 15 * 60
STORES = ("file", "keyring")
# Where a session's refresh token and client secret go (see sso.secrets_policy).
SECRETS_MODES = ("auto", "keyring", "file")


class ProcessOptions:
    """How credential-process behaves: the command line over the settings file over defaults.

    A plain class: a dataclass would import dataclasses on the hot path (~10 ms).
    """

    __slots__ = ("auto_login", "lock_timeout", "min_ttl", "store")

    def __init__(
        self,
        store: str = "file",
        min_ttl: float = DEFAULT_MIN_TTL,
        auto_login: bool = False,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        self.store = store
        self.min_ttl = min_ttl
        self.auto_login = auto_login
        self.lock_timeout = lock_timeout

    @property
    def lock_wait(self) -> float:
        """How long to wait for another process: a sign-in under way can take ten minutes;
        otherwise at most the 55 s budget."""
        return LOGIN_WAIT if self.auto_login else min(self.lock_timeout, PROCESS_BUDGET)


def process_options(options: dict[str, str]) -> ProcessOptions:
    """Merge credential-process options (as ``target.parse`` gives them) over the settings file."""
    file_store, file_min_ttl = _read_settings()
    store = options.get("--store", file_store)
    if store not in STORES:
        raise UsageError(f"--store must be one of {', '.join(STORES)}, not {store!r}")
    min_ttl = _number(options["--min-ttl"], "--min-ttl") * 60 if "--min-ttl" in options else file_min_ttl
    lock_timeout = (
        _number(options["--lock-timeout"], "--lock-timeout") if "--lock-timeout" in options else DEFAULT_LOCK_TIMEOUT
    )
    return ProcessOptions(store, min_ttl, "--auto-login" in options, lock_timeout)


def _number(text: str, option: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{option} must be a number, not {text!r}") from None
    if not (value >= 0 and value != float("inf")):
        raise UsageError(f"{option} must be zero or more, not {text}")
    return value


def load_process_settings() -> ProcessOptions:
    """The settings file alone (for status and the like)."""
    store, min_ttl = _read_settings()
    return ProcessOptions(store, min_ttl)


def read_setting(section: str, key: str) -> str | None:
    """One raw value from the settings file, or None."""
    parser = _parser()
    value = parser.get(section, key, fallback=None) if parser else None
    return None if value is None else value.strip()


def secrets_mode(option: str | None = None) -> str:
    """``secrets`` from the command line (``login --secrets``), else ``[login] secrets``, else auto."""
    if option is not None:
        mode = option.strip().lower()
        if mode not in SECRETS_MODES:
            raise UsageError(f"--secrets must be one of {', '.join(SECRETS_MODES)}, not {option!r}")
        return mode
    parser = _parser()
    mode = parser.get("login", "secrets", fallback="auto").strip().lower() if parser else "auto"
    if mode not in SECRETS_MODES:
        raise ConfigError(f"{paths.settings_file()}: secrets must be one of {', '.join(SECRETS_MODES)}, not {mode!r}")
    return mode


def _parser() -> configparser.RawConfigParser | None:
    """The settings file parsed, or None when there is none."""
    path = paths.settings_file()
    if not os.path.exists(path):
        return None
    import configparser

    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot parse ({exc.__class__.__name__}); fix the file") from None
    return parser


def _read_settings() -> tuple[str, float]:
    path = paths.settings_file()
    parser = _parser()
    if parser is None:
        return "file", DEFAULT_MIN_TTL
    section = "credential-process"
    store = parser.get(section, "store", fallback="file").strip().lower()
    if store not in STORES:
        raise ConfigError(f"{path}: store must be one of {', '.join(STORES)}, not {store!r}")
    try:
        minutes = float(parser.get(section, "min_ttl_minutes", fallback=DEFAULT_MIN_TTL / 60))
    except ValueError:
        raise ConfigError(f"{path}: min_ttl_minutes must be a number of minutes") from None
    if minutes < 0:
        raise ConfigError(f"{path}: min_ttl_minutes must be zero or more")
    return store, minutes * 60


class LoginSettings:
    """``[login] use_device_code = true`` makes the device flow the default."""

    __slots__ = ("use_device_code",)

    def __init__(self, use_device_code: bool = False) -> None:
        self.use_device_code = use_device_code


def load_login_settings() -> LoginSettings:
    parser = _parser()
    if parser is None:
        return LoginSettings()
    try:
        return LoginSettings(use_device_code=parser.getboolean("login", "use_device_code", fallback=False))
    except ValueError:
        raise ConfigError(f"{paths.settings_file()}: [login] use_device_code must be true or false; fix it") from None

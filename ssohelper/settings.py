"""Every setting of ssohelper and its default, in one place, and where each value came from.

A value comes from its command-line flag, else its environment variable, else ssohelper's own
settings file (INI), else its default; ``Value.source`` says which, and ``--debug`` prints it.
Stdlib only: the credential_process cache hit reads it.

    [credential-process]
    store = keyring          # or: file (default)
    min_ttl_minutes = 15     # hand out cached credentials only while this much is left

    [login]
    use_device_code = true   # sign in with a device code instead of the browser (default false)
    secrets = auto           # or: keyring, file; where refresh tokens and client secrets go

    [aws]
    call_timeout_seconds = 30  # the deadline of each AWS call (or $SSOHELPER_CALL_TIMEOUT)
    portal_max_rate = 10       # portal calls a second at most (default: paced only after a 429)

    [list]
    cache_max_age_minutes = 60 # how long a listing is served from the cache (0: no cache)

A new setting is one line in ``SETTINGS``: its section, key, default, parser and words.
"""

from __future__ import annotations

import os

from ssohelper import paths
from ssohelper.errors import ConfigError, UsageError

TYPE_CHECKING = False  # importing typing costs ~3 ms on the hot path
if TYPE_CHECKING:
    import configparser
    from collections.abc import Callable

# The scope every sign-in asks for: the AWS access portal's.
DEFAULT_SCOPE = "sso:account:access"
# botocore refreshes credential_process credentials 15 minutes (advisory) and 10 minutes
# (mandatory) before they expire, so cached ones are handed out only with more than this left.
# A token is refreshed when less than the same is left.
DEFAULT_MIN_TTL = 15 * 60.0
# credential-process ends within this, lock waits included, unless it waits for a person: the Go SDK
# kills it at 60 s. It is also the longest it waits for another ssohelper process (seconds).
PROCESS_BUDGET = 55.0
DEFAULT_LOCK_TIMEOUT = PROCESS_BUDGET
# A sign-in can take ten minutes; whoever waits for one (--auto-login, a second login) must outlast it.
LOGIN_WAIT = 15 * 60
STORES = ("file", "keyring")
# Where a session's refresh token and client secret go (see sso.secrets_policy).
SECRETS_MODES = ("auto", "keyring", "file")
ENV_CALL_TIMEOUT = "SSOHELPER_CALL_TIMEOUT"


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}, not {text.strip()!r}")
        return value

    return parse


def _at_least_zero(text: str, unit: str, scale: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"must be a number of {unit}, not {text.strip()!r}") from None
    if not (value >= 0 and value != float("inf")):
        raise ValueError(f"must be zero or more, not {text.strip()}")
    return value * scale


def _minutes(text: str) -> float:
    """Minutes in, seconds out."""
    return _at_least_zero(text, "minutes", 60.0)


def _seconds(text: str) -> float:
    return _at_least_zero(text, "seconds", 1.0)


def _timeout(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < 24 * 3600:
        raise ValueError(f"must be a positive number of seconds, not {text!r}")
    return seconds


# Portal calls a second a listing may make, at most (the portal allows about 20 per caller).
MAX_PORTAL_RATE = 1000.0


def _rate(text: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if not 1 <= rate <= MAX_PORTAL_RATE:
        raise ValueError(f"must be a number of calls a second from 1 to {MAX_PORTAL_RATE:g}, not {text.strip()!r}")
    return rate


_BOOLEANS = {"1": True, "yes": True, "true": True, "on": True, "0": False, "no": False, "false": False, "off": False}


def _boolean(text: str) -> bool:
    value = _BOOLEANS.get(text.strip().lower())
    if value is None:
        raise ValueError("must be true or false")
    return value


class Setting:
    """One setting: where the settings file keeps it (if it does), its variable, default and parser."""

    __slots__ = ("default", "env", "key", "label", "parse", "section", "unit")

    def __init__(
        self,
        section: str,
        key: str | None,
        default: object,
        parse: Callable[[str], object],
        label: str,
        unit: str = "",
        env: str | None = None,
    ) -> None:
        self.section, self.key, self.default, self.parse = section, key, default, parse
        self.label, self.unit, self.env = label, unit, env


# name: Setting(section, key in the settings file (None: flag only), default, parser, words, unit, variable)
SETTINGS = {
    "store": Setting("credential-process", "store", "file", _choice(*STORES), "role credential store"),
    "min_ttl": Setting("credential-process", "min_ttl_minutes", DEFAULT_MIN_TTL, _minutes, "minimum time left", "min"),
    "lock_timeout": Setting("credential-process", None, DEFAULT_LOCK_TIMEOUT, _seconds, "lock timeout", "s"),
    "use_device_code": Setting("login", "use_device_code", False, _boolean, "use device code"),
    "secrets": Setting("login", "secrets", "auto", _choice(*SECRETS_MODES), "secrets"),
    "call_timeout": Setting("aws", "call_timeout_seconds", 30.0, _timeout, "call timeout", "s", ENV_CALL_TIMEOUT),
    "portal_max_rate": Setting("aws", "portal_max_rate", None, _rate, "portal calls a second at most"),
    "listing_max_age": Setting("list", "cache_max_age_minutes", 3600.0, _minutes, "listing cache age", "min"),
}


_UNITS = {"s": 1, "min": 60}


class Value:
    """A setting's value and where it came from: "flag --x", "environment $X", "settings file PATH" or "default"."""

    __slots__ = ("name", "source", "value")

    def __init__(self, name: str, value: object, source: str) -> None:
        self.name, self.value, self.source = name, value, source

    def __str__(self) -> str:
        setting, value = SETTINGS[self.name], self.value
        shown = f"{value / _UNITS[setting.unit]:g} {setting.unit}" if setting.unit else str(value).lower()  # type: ignore[operator]
        return f"{setting.label} {shown} (from {self.source})"


_listener: list[Callable[[str], object]] = []  # who hears each value as it is resolved (--debug)
_told: set[str] = set()


def listen(hear: Callable[[str], object]) -> None:
    """Tell ``hear`` every setting once as it is resolved (with where it came from)."""
    _listener[:] = [hear]


def resolve(name: str, flag: str | None = None, flag_text: str | None = None) -> Value:
    """Setting ``name``: ``flag_text`` (given as ``flag``), else its variable, else the settings file, else its default.

    A bad flag is a UsageError (exit 2); a bad variable or settings file line, a ConfigError (exit 4)."""
    setting = SETTINGS[name]
    if flag_text is not None:
        value = Value(name, _parsed(setting, flag_text, UsageError, str(flag)), f"flag {flag}")
    elif setting.env and os.environ.get(setting.env):
        value = Value(
            name, _parsed(setting, os.environ[setting.env], ConfigError, setting.env), f"environment {setting.env}"
        )
    else:
        value = _from_file(name, setting)
    if _listener and str(value) not in _told:
        _told.add(str(value))
        _listener[0](str(value))
    return value


def _from_file(name: str, setting: Setting) -> Value:
    parser = _parser() if setting.key else None
    text = parser.get(setting.section, setting.key, fallback=None) if parser and setting.key else None
    if text is None or not text.strip():
        return Value(name, setting.default, "default")
    path = paths.settings_file()
    return Value(name, _parsed(setting, text, ConfigError, f"{path}: {setting.key}"), f"settings file {path}")


def _parsed(setting: Setting, text: str, error: type[Exception], where: str) -> object:
    try:
        return setting.parse(text)
    except ValueError as exc:
        raise error(f"{where} {exc}") from None


_parsed_files: dict[tuple, configparser.RawConfigParser] = {}  # read once while the file stays the same


def _parser() -> configparser.RawConfigParser | None:
    """The settings file parsed, or None when there is none."""
    path = paths.settings_file()
    try:
        stat = os.stat(path)
    except OSError:
        return None
    version = (path, stat.st_mtime_ns, stat.st_size, stat.st_ino)
    if version in _parsed_files:
        return _parsed_files[version]
    import configparser

    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot parse ({exc.__class__.__name__}); fix the file") from None
    _parsed_files.clear()
    _parsed_files[version] = parser
    return parser


class ProcessOptions:
    """How credential-process behaves: the command line over the settings file over defaults.

    A plain class: a dataclass would import dataclasses on the hot path (~10 ms).
    """

    __slots__ = ("auto_login", "lock_timeout", "min_ttl", "store")

    def __init__(
        self,
        store: str = SETTINGS["store"].default,  # type: ignore[assignment]
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


# The credential-process options (its flags, and the command line botocore runs for a
# ``credential_process`` profile): long name -> short alias. The click command declares the
# same set (a test compares them).
VALUE_OPTIONS = {
    "--profile": "-p",
    "--sso-session": "-s",
    "--start-url": None,
    "--sso-region": None,
    "--account-id": None,
    "--role-name": None,
    "--store": None,
    "--min-ttl": None,
    "--lock-timeout": None,
}
FLAGS = ("--auto-login", "--debug")
_SHORT = {short: long for long, short in VALUE_OPTIONS.items() if short}


def parse(argv: list[str]) -> dict[str, str] | None:
    """The options of a plain credential-process command line; None for anything else (help, typos).

    Accepts what click accepts for these options: ``--opt value``, ``--opt=value``, ``-p value``
    and ``-pvalue``. A flag's presence is recorded with an empty value.
    """
    options: dict[str, str] = {}
    args = iter(argv)
    for arg in args:
        if arg in FLAGS:
            options[arg] = ""
            continue
        if arg[:2] in _SHORT:
            key, value, inline = _SHORT[arg[:2]], arg[2:], len(arg) > 2
        else:
            key, eq, value = arg.partition("=")
            inline = bool(eq)
            if key not in VALUE_OPTIONS:
                return None
        if not inline:
            value = next(args, "")
        if not value:
            return None
        options[key] = value
    return options


def process_options(options: dict[str, str]) -> ProcessOptions:
    """Merge credential-process options (as ``parse`` gives them) over the settings file."""
    store = resolve("store", "--store", options.get("--store")).value
    min_ttl = resolve("min_ttl", "--min-ttl", options.get("--min-ttl")).value
    lock_timeout = resolve("lock_timeout", "--lock-timeout", options.get("--lock-timeout")).value
    return ProcessOptions(store, min_ttl, "--auto-login" in options, lock_timeout)  # type: ignore[arg-type]


def load_process_settings() -> ProcessOptions:
    """The settings file alone (for status and the like)."""
    return process_options({})


def secrets_mode(option: str | None = None) -> str:
    """``secrets`` from the command line (``login --secrets``), else ``[login] secrets``, else auto."""
    return str(resolve("secrets", "--secrets", option).value)


def use_device_code() -> bool:
    """``[login] use_device_code = true`` makes the device flow the default."""
    return bool(resolve("use_device_code").value)


def call_timeout() -> float:
    """Seconds one AWS call may take: $SSOHELPER_CALL_TIMEOUT, else ``[aws] call_timeout_seconds``, else 30."""
    return float(resolve("call_timeout").value)  # type: ignore[arg-type]

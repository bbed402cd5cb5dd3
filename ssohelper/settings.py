"""ssohelper's own settings file (INI), read on the hot path, so stdlib only.

[credential-process]
store = keyring          # or: file (default)
min_ttl_minutes = 15     # hand out cached credentials only while this much is left

[login]
use_device_code = true   # sign in with a device code instead of the browser (default false)
"""

from __future__ import annotations

import os

from ssohelper import paths
from ssohelper.errors import ConfigError

DEFAULT_MIN_TTL = 15 * 60
STORES = ("file", "keyring")


class ProcessSettings:
    """Where role credentials are cached and how long they must still be valid (seconds).

    A plain class: a dataclass would import dataclasses on the hot path (~10 ms).
    """

    __slots__ = ("min_ttl", "store")

    def __init__(self, store: str = "file", min_ttl: float = DEFAULT_MIN_TTL) -> None:
        self.store = store
        self.min_ttl = min_ttl


def load_process_settings() -> ProcessSettings:
    path = paths.settings_file()
    if not os.path.exists(path):
        return ProcessSettings()
    import configparser

    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot parse ({exc.__class__.__name__}); fix the file") from None
    section = "credential-process"
    store = parser.get(section, "store", fallback="file").strip().lower()
    if store not in STORES:
        raise ConfigError(f"{path}: store must be one of {', '.join(STORES)}, not {store!r}")
    try:
        minutes = float(parser.get(section, "min_ttl_minutes", fallback=DEFAULT_MIN_TTL / 60))
    except ValueError:
        raise ConfigError(f"{path}: min_ttl_minutes must be a number of minutes") from None
    return ProcessSettings(store=store, min_ttl=minutes * 60)


class LoginSettings:
    """``[login] use_device_code = true`` makes the device flow the default."""

    __slots__ = ("use_device_code",)

    def __init__(self, use_device_code: bool = False) -> None:
        self.use_device_code = use_device_code


def load_login_settings() -> LoginSettings:
    path = paths.settings_file()
    if not os.path.exists(path):
        return LoginSettings()
    import configparser

    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
        return LoginSettings(use_device_code=parser.getboolean("login", "use_device_code", fallback=False))
    except (configparser.Error, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read [login] use_device_code ({exc.__class__.__name__}); fix it") from None

"""ssohelper's own settings file (INI), read on the hot path, so stdlib only.

[credential-process]
store = keyring          # or: file (default)
min_ttl_minutes = 15     # hand out cached credentials only while this much is left

[aws]
call_timeout_seconds = 30  # the deadline of each AWS call (or $SSOHELPER_CALL_TIMEOUT)
"""

from __future__ import annotations

import os

from ssohelper import paths
from ssohelper.errors import ConfigError

TYPE_CHECKING = False  # importing typing costs ~3 ms
if TYPE_CHECKING:
    import configparser

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


def _parser(path: str) -> configparser.RawConfigParser:
    import configparser

    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot parse ({exc.__class__.__name__}); fix the file") from None
    return parser


def read_setting(section: str, key: str) -> str | None:
    """One raw value from the settings file, or None."""
    path = paths.settings_file()
    if not os.path.exists(path):
        return None
    value = _parser(path).get(section, key, fallback=None)
    return None if value is None else value.strip()


def load_process_settings() -> ProcessSettings:
    path = paths.settings_file()
    if not os.path.exists(path):
        return ProcessSettings()
    parser = _parser(path)
    section = "credential-process"
    store = parser.get(section, "store", fallback="file").strip().lower()
    if store not in STORES:
        raise ConfigError(f"{path}: store must be one of {', '.join(STORES)}, not {store!r}")
    try:
        minutes = float(parser.get(section, "min_ttl_minutes", fallback=DEFAULT_MIN_TTL / 60))
    except ValueError:
        raise ConfigError(f"{path}: min_ttl_minutes must be a number of minutes") from None
    return ProcessSettings(store=store, min_ttl=minutes * 60)

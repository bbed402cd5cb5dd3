"""Where long-lived secrets (refresh token, client secret) go: the OS keyring when it is secure.

keyring is imported lazily: resolving its backend costs ~200 ms, and the credential_process
hot path never needs it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

SERVICE = "ssohelper"

# Backends that keep secrets in plaintext on disk, or nowhere at all.
_INSECURE_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


def _backend_name(backend: Any) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _is_secure(backend: Any) -> bool:
    children = getattr(backend, "backends", None)
    if children is not None:  # keyring's ChainerBackend: secure if any member is
        return any(_is_secure(child) for child in children)
    return not _backend_name(backend).startswith(_INSECURE_MODULES)


@dataclass
class KeyringStore:
    """Secrets as JSON blobs in the OS keyring, one entry per name."""

    backend: Any

    @property
    def description(self) -> str:
        return f"OS keyring ({_backend_name(self.backend)})"

    def get(self, name: str) -> dict | None:
        try:
            raw = self.backend.get_password(SERVICE, name)
        except Exception:  # a locked or broken keyring is a miss, never a crash
            return None
        try:
            value = json.loads(raw) if raw else None
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def set(self, name: str, value: dict) -> bool:
        """Store ``value``; False if the keyring refused (locked, no permission...)."""
        try:
            self.backend.set_password(SERVICE, name, json.dumps(value, separators=(",", ":")))
        except Exception:
            return False
        return True

    def delete(self, name: str) -> None:
        try:
            self.backend.delete_password(SERVICE, name)
        except Exception:  # absent already: nothing to do
            pass


def load_backend() -> Any | None:
    """The backend keyring picks; None when keyring is missing or cannot load one (say, a
    PYTHON_KEYRING_BACKEND naming no class): no secure keyring then, and --debug says why."""
    try:
        import keyring

        return keyring.get_keyring()
    except Exception as exc:  # keyring loads plugins and the named class: anything can fail
        from ssohelper.cache.fileio import notice

        notice(f"no secure keyring: keyring could not load a backend ({type(exc).__name__}: {exc})")
        return None


def secure_keyring() -> KeyringStore | None:
    """The keyring when it has a secure backend; None means: keep secrets in the token file."""
    backend = load_backend()
    return KeyringStore(backend) if backend is not None and _is_secure(backend) else None


def describe(store: KeyringStore | None) -> str:
    if store is not None:
        return store.description
    return "the token file (0600), where the AWS CLI keeps them"

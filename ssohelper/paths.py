"""Where files live. Resolved on every call (never at import), stdlib only.

The user cache, config and data directories follow the same rules as platformdirs (a test checks
that they agree); they are written out here because importing platformdirs costs ~25 ms,
more than the whole credential_process cache hit is allowed to take.
"""

from __future__ import annotations

import os
import sys

APP = "ssohelper"


def home() -> str:
    return os.path.expanduser("~")


def aws_config_file() -> str:
    return os.path.expanduser(os.environ.get("AWS_CONFIG_FILE") or os.path.join("~", ".aws", "config"))


def aws_credentials_file() -> str:
    default = os.path.join("~", ".aws", "credentials")
    return os.path.expanduser(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or default)


def sso_cache_dir() -> str:
    """The AWS CLI v2 / botocore SSO token cache."""
    return os.path.join(home(), ".aws", "sso", "cache")


def session_key_input(name: str | None, start_url: str) -> str:
    """What the AWS CLI hashes to name a session's token file: the session name, else the URL."""
    return name if name is not None else start_url


def session_key(name: str | None, start_url: str) -> str:
    """sha1 of ``session_key_input``: the token file's name, and the session's lock and keyring
    names. The credential_process hot path needs it, so no ``hashlib`` (~10 ms with OpenSSL):
    the builtin ``_sha1`` costs ~0.2 ms."""
    try:
        from _sha1 import sha1  # type: ignore[import-not-found]
    except ImportError:  # an interpreter built without it
        from hashlib import sha1
    return sha1(session_key_input(name, start_url).encode("utf-8")).hexdigest()


def sso_token_file(name: str | None, start_url: str) -> str:
    """The token file of a session (``name``, else legacy by ``start_url``), as the AWS CLI v2
    names it: ~/.aws/sso/cache/<sha1>.json. Every reader and writer of the file asks here."""
    return os.path.join(sso_cache_dir(), session_key(name, start_url) + ".json")


def aws_cli_cache_dir() -> str:
    """Where the AWS CLI v2 caches role credentials (assume-role, SSO): ~/.aws/cli/cache."""
    return os.path.join(home(), ".aws", "cli", "cache")


def user_cache_dir() -> str:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(home(), "AppData", "Local")
        return os.path.join(base, APP, "Cache")
    if sys.platform == "darwin":
        return os.path.join(home(), "Library", "Caches", APP)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.join(home(), ".cache")
    return os.path.join(base, APP)


def user_config_dir() -> str:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(home(), "AppData", "Local")
        return os.path.join(base, APP)
    if sys.platform == "darwin":
        return os.path.join(home(), "Library", "Application Support", APP)
    base = os.environ.get("XDG_CONFIG_HOME", "").strip() or os.path.join(home(), ".config")
    return os.path.join(base, APP)


def user_data_dir() -> str:
    """ssohelper's own data: saved audits and their history (``audit --org --save``, ``keys
    report``), the credential_process launcher."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(home(), "AppData", "Local")
        return os.path.join(base, APP)
    if sys.platform == "darwin":
        return os.path.join(home(), "Library", "Application Support", APP)
    base = os.environ.get("XDG_DATA_HOME", "").strip() or os.path.join(home(), ".local", "share")
    return os.path.join(base, APP)


def settings_file() -> str:
    """ssohelper's own settings (INI, section [ssohelper])."""
    return os.path.join(user_config_dir(), "config")


def role_cache_dir() -> str:
    """Role credentials: the per-user runtime dir (tmpfs, cleared at logout) when there is one."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "").strip()
    if sys.platform.startswith("linux") and runtime and os.path.isdir(runtime):
        return os.path.join(runtime, APP, "credentials")
    return os.path.join(user_cache_dir(), "credentials")


def serve_dir() -> str:
    """Credential-server token files: beside the role credentials, in the runtime dir when there is one."""
    return os.path.join(os.path.dirname(role_cache_dir()), "serve")


def lock_dir() -> str:
    return os.path.join(role_cache_dir(), "locks")


def lock_file(kind: str, key: str) -> str:
    """A lock file: ``role-<entry>``, ``session-<session key>`` or ``signin-<session key>``."""
    return os.path.join(lock_dir(), f"{kind}-{key}.lock")


def backup_dir() -> str:
    return os.path.join(user_config_dir(), "backups")


def iam_users_dir() -> str:
    """What ``iam-users apply`` created, one journal per Identity Center instance (0600 in a 0700 dir)."""
    return os.path.join(user_config_dir(), "iam-users")

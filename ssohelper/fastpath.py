"""The credential_process cache hit, with nothing but the standard library.

This runs before click, botocore or keyring are imported. It understands the plain option
forms only; anything else (help, errors, misses) falls through to the full CLI, which
parses the same arguments again and does the slow work.
"""

from __future__ import annotations

import sys
import time

_VALUE_OPTIONS = {
    "--profile",
    "--sso-session",
    "--start-url",
    "--sso-region",
    "--account-id",
    "--role-name",
    "--store",
    "--min-ttl",
    "--lock-timeout",
}
_FLAGS = {"--auto-login", "--debug"}


def _parse(argv: list[str]) -> dict[str, str] | None:
    options: dict[str, str] = {}
    args = iter(argv)
    for arg in args:
        key, eq, value = arg.partition("=")
        if key in _VALUE_OPTIONS:
            value = value if eq else next(args, "")
            if not value:
                return None
            options[key] = value
        elif arg not in _FLAGS:
            return None
    return options


_TARGET_OPTIONS = ("--sso-session", "--start-url", "--sso-region", "--account-id", "--role-name")


def _entry_name(options: dict[str, str]) -> str | None:
    """The cache entry these options name, exactly as the CLI would resolve them; None if unsure."""
    from ssohelper.cache import rolestore

    if "--profile" in options:
        if any(name in options for name in _TARGET_OPTIONS):
            return None  # a usage error: the CLI explains it
        found = _profile_target(options["--profile"])
        return rolestore.entry_name(*found) if found else None
    account, role = options.get("--account-id"), options.get("--role-name")
    if not (account and role):
        return None
    if "--sso-session" in options and "--start-url" not in options and "--sso-region" not in options:
        return rolestore.entry_name(rolestore.session_id(options["--sso-session"], ""), account, role)
    if "--start-url" in options and "--sso-region" in options and "--sso-session" not in options:
        return rolestore.entry_name(rolestore.session_id(None, options["--start-url"]), account, role)
    return None


def _profile_target(profile: str) -> tuple[str, str, str] | None:
    """(session id, account, role) of a native SSO profile, read with botocore's rules."""
    from ssohelper import paths
    from ssohelper.cache import rolestore
    from ssohelper.ini.read import read_sections, section_kind

    values = None
    for header, section in read_sections(paths.aws_config_file()).items():
        if section_kind(header) == ("profile", profile):
            values = section  # the last duplicate wins, as in botocore
    if not values or not values.get("sso_account_id") or not values.get("sso_role_name"):
        return None
    if "sso_session" in values:  # as awsconfig does: even an empty one wins over sso_start_url
        sid = rolestore.session_id(values["sso_session"].strip(), "")
    elif values.get("sso_start_url"):
        sid = rolestore.session_id(None, values["sso_start_url"].strip())
    else:
        return None
    return sid, values["sso_account_id"].strip(), values["sso_role_name"].strip()


def serve_cached(argv: list[str]) -> int | None:
    """Print cached credentials and return 0 on a hit; None means: take the slow path.

    On a miss it first takes the role lock: while another process is fetching these
    credentials, waiting here costs nothing, and the fresh entry is then served from here.
    If the entry is still missing, the lock stays held for the slow path in this process.
    """
    options = _parse(argv)
    if options is None:
        return None
    try:
        from ssohelper.cache import rolestore
        from ssohelper.optioncheck import problem
        from ssohelper.settings import load_process_settings

        if any(problem(key, value) for key, value in options.items()):
            return None  # the CLI explains it
        settings = load_process_settings()
        store = options.get("--store", settings.store)
        min_ttl = float(options["--min-ttl"]) * 60 if "--min-ttl" in options else settings.min_ttl
        name = _entry_name(options)
        if store != "file" or name is None:
            return None
        output = _read(name, min_ttl)
        if output is None:
            from ssohelper.cache import locks

            # Kept on a miss: the slow path in this process re-enters it and does the fetch.
            # the same rule as credentials.ProcessOptions.lock_wait
            wait = min(float(options.get("--lock-timeout", locks.PROCESS_BUDGET)), locks.PROCESS_BUDGET)
            timeout = locks.LOGIN_WAIT if "--auto-login" in argv else wait
            locks.acquire(rolestore.lock_path(name), timeout=timeout, what="credentials for " + name)
            output = _read(name, min_ttl)
    except Exception as exc:  # Busy, or any surprise: the slow path reports it properly
        from ssohelper.errors import Busy

        if isinstance(exc, Busy):
            sys.stderr.write(f"ssohelper: {exc}\n")
            return exc.exit_code
        return None
    if output is None:
        return None
    if "--debug" in argv:
        sys.stderr.write(f"ssohelper debug: cache hit for {name} (fast path)\n")
    sys.stdout.write(output + "\n")
    sys.stdout.flush()
    return 0


def _read(name: str, min_ttl: float) -> str | None:
    from ssohelper.cache import rolestore

    return rolestore.decode_entry(rolestore.FileStore().read(name), now=time.time(), min_ttl=min_ttl)

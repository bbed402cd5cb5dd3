"""The credential_process cache hit, with nothing but the standard library.

This runs before click, botocore or keyring are imported. It understands the plain option
forms only; anything else (help, errors, misses) falls through to the full CLI, which
parses the same arguments again and does the slow work.
"""

from __future__ import annotations

import sys
import time

_VALUE_OPTIONS = {
    "--profile", "--sso-session", "--start-url", "--sso-region", "--account-id", "--role-name", "--store",
    "--min-ttl", "--lock-timeout",
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


def _entry_name(options: dict[str, str]) -> str | None:
    from . import rolecache

    if "--profile" in options:
        from . import awsconfig

        target = awsconfig.load().resolve_target(options["--profile"])
        sid = rolecache.session_id(target.session.name, target.session.start_url)
        return rolecache.entry_name(sid, target.account_id, target.role_name)
    account, role = options.get("--account-id"), options.get("--role-name")
    if not (account and role):
        return None
    if "--sso-session" in options:
        sid = rolecache.session_id(options["--sso-session"], "")
    elif "--start-url" in options:
        sid = rolecache.session_id(None, options["--start-url"])
    else:
        return None
    return rolecache.entry_name(sid, account, role)


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
        from . import rolecache
        from .settings import load_process_settings

        settings = load_process_settings()
        store = options.get("--store", settings.store)
        min_ttl = float(options["--min-ttl"]) * 60 if "--min-ttl" in options else settings.min_ttl
        name = _entry_name(options)
        if store != "file" or name is None:
            return None
        output = _read(name, min_ttl)
        if output is None:
            from . import locks

            # Kept on a miss: the slow path in this process re-enters it and does the fetch.
            default = locks.LOGIN_WAIT if "--auto-login" in options else 60
            timeout = float(options.get("--lock-timeout", default))
            locks.acquire(rolecache.lock_path(name), timeout=timeout, what="credentials for " + name)
            output = _read(name, min_ttl)
    except Exception as exc:  # Busy, or any surprise: the slow path reports it properly
        from .errors import Busy

        if isinstance(exc, Busy):
            sys.stderr.write(f"ssohelper: {exc}\n")
            return exc.exit_code
        return None
    if output is None:
        return None
    sys.stdout.write(output + "\n")
    sys.stdout.flush()
    return 0


def _read(name: str, min_ttl: float) -> str | None:
    from . import rolecache

    return rolecache.decode_entry(rolecache.FileStore().read(name), now=time.time(), min_ttl=min_ttl)

"""The credential_process cache hit, with nothing but the standard library.

This runs before click, botocore or keyring are imported. It resolves the arguments with the
same rule as the full command (``ssohelper.target``); anything it cannot answer from the cache
(help, errors, misses) falls through to the full CLI, which resolves them again and reports.
"""

from __future__ import annotations

import sys
import time


def serve_cached(argv: list[str]) -> int | None:
    """Print cached credentials and return 0 on a hit; None means: take the slow path.

    On a miss it first takes the role lock: while another process is fetching these
    credentials, waiting here costs nothing, and the fresh entry is then served from here.
    If the entry is still missing, the lock stays held for the slow path in this process.
    """
    from ssohelper import target
    from ssohelper.settings import parse

    options = parse(argv)
    if options is None:
        return None
    try:
        from ssohelper import settings as loader
        from ssohelper.cache import rolestore

        if "--debug" in options:
            loader.listen(_debug)
        settings = loader.process_options(options)
        if settings.store != "file":
            return None
        found = target.resolve(options)
        if rolestore.signed_out(found.token_file):
            return None  # signed out (by any tool): the slow path forgets the entry and says so
        name = found.entry_name
        output = _read(name, settings.min_ttl)
        if output is None:
            from ssohelper.cache import locks

            # Kept on a miss: the slow path in this process re-enters it and does the fetch.
            locks.acquire(rolestore.lock_path(name), timeout=settings.lock_wait, what="credentials for " + name)
            output = _read(name, settings.min_ttl)
    except Exception as exc:  # Busy, or any error: the slow path reports it properly
        from ssohelper.errors import Busy

        if isinstance(exc, Busy):
            sys.stderr.write(f"ssohelper: {exc}\n")
            return exc.exit_code
        return None
    if output is None:
        return None
    if "--debug" in options:
        _debug(f"cache hit for {name} (fast path)")
    sys.stdout.write(output + "\n")
    sys.stdout.flush()
    return 0


def _debug(line: str) -> None:
    sys.stderr.write(f"ssohelper debug: {line}\n")


def _read(name: str, min_ttl: float) -> str | None:
    from ssohelper.cache import rolestore

    return rolestore.decode_entry(rolestore.FileStore().read(name), now=time.time(), min_ttl=min_ttl)

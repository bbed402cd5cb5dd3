"""The listing cache: the accounts and roles a sign-in gives, per session (stdlib only).

One 0600 JSON file per session beside the role cache, read back only under the same trust
rules (fileio). It is served while younger than ``[list] cache_max_age_minutes`` (60 by
default; 0 turns the cache off) and while the session's token file exists, so a logout by any
tool ends it; ``logout`` removes it too. Anything that deletes from the user's files asks the
portal, never this cache. Anything unexpected in the file is a miss, never an error. Names are
made printable again when read (ssohelper.names), in case an older version wrote them.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator

from ssohelper import paths
from ssohelper.cache.fileio import remove_quietly
from ssohelper.cache.rolestore import escape, read_private, session_id, write_private
from ssohelper.names import is_printable, printable
from ssohelper.settings import resolve

FORMAT = "ssohelper-listing 1"
Row = tuple[str, str, str]  # (account ID, account name, role name)


def directory() -> str:
    return os.path.join(paths.role_cache_dir(), "listings")


def path_for(name: str | None, start_url: str) -> str:
    return os.path.join(directory(), escape(session_id(name, start_url)) + ".json")


def max_age() -> float:
    """Seconds a listing is served: ``[list] cache_max_age_minutes`` (0: never), else an hour."""
    return float(resolve("listing_max_age").value)  # type: ignore[arg-type]


def _decode(raw: str | None) -> tuple[float, list[Row]] | None:
    try:
        document = json.loads(raw or "")
        fetched_at = float(document["fetched_at"])
        rows = [(str(a), printable(str(n)), str(r)) for a, n, r in document["rows"] if is_printable(str(r))]
    except (ValueError, TypeError, KeyError):
        return None
    return (fetched_at, rows) if document.get("format") == FORMAT else None


def load(name: str | None, start_url: str, *, now: float | None = None) -> tuple[float, list[Row]] | None:
    """(age in seconds, rows) of the session's listing, or None when there is none to serve."""
    limit = max_age()
    if limit <= 0 or not os.path.exists(paths.sso_token_file(name, start_url)):
        return None
    found = _decode(read_private(path_for(name, start_url)))
    if found is None:
        return None
    age = (time.time() if now is None else now) - found[0]
    return (age, found[1]) if 0 <= age < limit else None


def store(name: str | None, start_url: str, rows: Iterable[Row]) -> bool:
    """Keep a fresh listing (0600); False if the cache could not be written (the caller goes on)."""
    if max_age() <= 0:
        return False
    document = {"format": FORMAT, "fetched_at": time.time(), "rows": [list(row) for row in rows]}
    return write_private(path_for(name, start_url), json.dumps(document, separators=(",", ":")))


def drop(name: str | None, start_url: str) -> bool:
    return remove_quietly(path_for(name, start_url))


def every_row() -> Iterator[Row]:
    """The rows of every trusted listing, however old (for shell completion; never fails)."""
    try:
        names = sorted(os.listdir(directory()))
    except OSError:
        return
    for name in names:
        if name.endswith(".json") and not name.startswith("."):
            found = _decode(read_private(os.path.join(directory(), name)))
            yield from found[1] if found else ()


def format_age(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{int(seconds)} s" if minutes < 1 else f"{minutes} min"

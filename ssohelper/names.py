"""Names from the server are input: check them before they go into a file or a terminal (stdlib only).

An account name is shown and may name a profile: control characters (NUL, newlines, escapes),
brackets, '=', ';' and '#' are replaced with '_', with a warning. A role name must be used as
it is (it goes back to the portal and into credential_process), so a role name with any of them
is left out, with a warning. An account ID that is not 12 digits is left out too.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, line and paragraph separators; brackets and INI syntax
_BAD = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\[\]=;#]")
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
MAX_NAME = 256


def shown(text: str, limit: int = 60) -> str:
    """``text`` safe for a warning line: escapes for anything unprintable, cut to ``limit``."""
    escaped = text.encode("unicode_escape").decode("ascii").replace("[", "\\x5b").replace("]", "\\x5d")
    return escaped if len(escaped) <= limit else escaped[: limit - 3] + "..."


def account_name(account_id: str, name: str, warnings: list[str]) -> str:
    """The account name with unsafe characters replaced by '_' (a warning says so)."""
    cleaned = _BAD.sub("_", name)[:MAX_NAME]
    if cleaned != name:
        warnings.append(f"account {account_id}: its name {shown(name)!s} has unsafe characters; shown as {cleaned}")
    return cleaned


def account_id_ok(account_id: str, warnings: list[str]) -> bool:
    if _ACCOUNT_ID.fullmatch(account_id):
        return True
    warnings.append(f"an account ID {shown(account_id)} from the portal is not 12 digits; left out")
    return False


def role_name_ok(account_id: str, role: str, warnings: list[str]) -> bool:
    """True if the role name can be used as it is; otherwise a warning, and False."""
    if role and not _BAD.search(role) and len(role) <= MAX_NAME:
        return True
    warnings.append(f"account {account_id}: a role named {shown(role)} has unsafe characters; left out")
    return False

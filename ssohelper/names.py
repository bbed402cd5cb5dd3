"""Names from servers are input: one rule for what may be shown or written (stdlib only).

A name is printable when it holds no control characters (C0, C1, DEL), no format characters
(the bidi controls U+202A-202E, U+2066-2069, U+200E/F and U+061C; the zero-width U+200B-200D,
U+2060 and U+FEFF; the rest of Unicode's Cf), no line or paragraph separators, no other space
than ' ', nothing unassigned or private, and none of the letters that show as nothing (the
Hangul fillers, U+034F, U+17B4/5). A name that may go into an INI file (an account name can
name a profile; a role name goes into credential_process and ``sso_role_name``) must also hold
none of ``[ ] = ; #``.

An account name is shown and may name a profile: anything else is replaced with '_', the name
is cut at 256 characters, and a warning says so. A name that is not text (a JSON number) is
shown as its digits, with a warning; anything else that is not text is left blank, with a
warning. A role name must be used as it is (it goes back to the portal and into
credential_process), so a role name that breaks the rule is left out, with a warning. An
account ID that is not 12 digits is left out too. Warnings escape what they quote (``shown``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_SAFE_ASCII = re.compile(r"[ -~]*")  # printable ASCII: the common case, checked at C speed
_INI_SYNTAX = frozenset("[]=;#")
_BLANK_LETTERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")
MAX_NAME = 256
REPLACEMENT = "_"


def _bad(char: str, ini: bool) -> bool:
    return not char.isprintable() or char in _BLANK_LETTERS or (ini and char in _INI_SYNTAX)


def is_printable(text: str, *, ini: bool = True) -> bool:
    """True if ``text`` breaks no part of the rule (INI syntax only counts with ``ini``)."""
    if _SAFE_ASCII.fullmatch(text):
        return not (ini and _INI_SYNTAX.intersection(text))
    return not any(_bad(char, ini) for char in text)


def printable(text: str, *, ini: bool = True, limit: int = MAX_NAME) -> str:
    """``text`` with every character the rule forbids replaced by '_', cut at ``limit``."""
    if not is_printable(text, ini=ini):
        text = "".join(REPLACEMENT if _bad(char, ini) else char for char in text)
    return text[:limit]


def shown(text: str, limit: int = 60) -> str:
    """``text`` safe for a warning line: escapes for anything unprintable, cut to ``limit``."""
    escaped = text.encode("unicode_escape").decode("ascii").replace("[", "\\x5b").replace("]", "\\x5d")
    return escaped if len(escaped) <= limit else escaped[: limit - 3] + "..."


def account_name(account_id: str, name: object, warnings: list[str]) -> str:
    """The account name made printable ('_' for what is not; a warning says what changed)."""
    if not isinstance(name, str):
        return _not_text(account_id, name, warnings)
    cleaned = printable(name)
    if cleaned != name:
        warnings.append(f"account {account_id}: its name {shown(name)!s} has unsafe characters; shown as {cleaned}")
    return cleaned


def _not_text(account_id: str, name: object, warnings: list[str]) -> str:
    if isinstance(name, (int, float)) and not isinstance(name, bool):
        text = printable(str(name))
        warnings.append(f"account {account_id}: its name is a number, not text; shown as {text}")
        return text
    if name is not None:
        warnings.append(f"account {account_id}: its name is {type(name).__name__}, not text; left blank")
    return ""


def account_id_ok(account_id: str, warnings: list[str]) -> bool:
    if _ACCOUNT_ID.fullmatch(account_id):
        return True
    warnings.append(f"an account ID {shown(account_id)} from the portal is not 12 digits; left out")
    return False


def role_name_ok(account_id: str, role: str, warnings: list[str]) -> bool:
    """True if the role name can be used as it is; otherwise a warning, and False."""
    if role and len(role) <= MAX_NAME and is_printable(role):
        return True
    warnings.append(f"account {account_id}: a role named {shown(role)} has unsafe characters; left out")
    return False


@contextmanager
def collected(warnings: list[str] | None) -> Iterator[list[str]]:
    """``warnings`` itself; or, where the caller gave none, a list said on stderr at the end
    (a warning about a name is never dropped)."""
    if warnings is not None:
        yield warnings
        return
    found: list[str] = []
    yield found
    try:
        sys.stderr.write("".join(f"warning: {warning}\n" for warning in found))
        sys.stderr.flush()
    except OSError:  # nobody is listening any more
        pass

"""Checks on option values that the fast path and the CLI share (no imports: hot path).

The fast path serves nothing for arguments that fail these checks: it falls through to the
CLI, which reports the same problem as a usage error (exit 2).
"""

from __future__ import annotations

ACCOUNT_ID_DIGITS = 12


def non_negative(text: str) -> float | None:
    """A finite number >= 0, or None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0 <= value < float("inf") else None


def account_id_ok(text: str) -> bool:
    return len(text) == ACCOUNT_ID_DIGITS and text.isascii() and text.isdigit()


def problem(option: str, text: str) -> str | None:
    """Why ``text`` is no value for ``option`` (a numeric one or --account-id), or None."""
    if option == "--account-id":
        return None if account_id_ok(text) else f"{text!r} is not an AWS account ID (12 digits)"
    if option in ("--min-ttl", "--lock-timeout") and non_negative(text) is None:
        return f"{text!r} is not a number of {'minutes' if option == '--min-ttl' else 'seconds'} (0 or more)"
    return None

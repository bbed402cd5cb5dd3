"""A value as a field of ``--output text``, a table cell, or a CSV cell: one rule (stdlib only).

null is empty, booleans are lowercase (as in JSON), anything else its string; a field is
printable (ssohelper.names: no controls, bidi or zero-width characters, so a tab or newline
cannot split a row). A CSV cell that a spreadsheet would run as a formula (it starts with
``=``, ``+``, ``-`` or ``@``; a lone ``-`` is a placeholder, not a formula) gets a leading
``'``, which makes it text; a leading tab or carriage return, the other way in, is already a
'_' by then.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from ssohelper.names import printable

_FORMULA_STARTS = ("=", "+", "-", "@")


def text(value: object) -> str:
    """``value`` as a text field or table cell."""
    if value is None:
        return ""
    raw = str(value).lower() if isinstance(value, bool) else str(value)
    if raw.isascii() and raw.isprintable():  # nothing the rule forbids: skip the scan (a report has 100,000s)
        return raw
    return printable(raw, ini=False, limit=len(raw))


def csv_cell(value: object) -> str:
    """``value`` as a CSV cell a spreadsheet shows as text, never runs."""
    field = text(value)
    return "'" + field if field.startswith(_FORMULA_STARTS) and field != "-" else field


def to_csv(header: Sequence[str], rows: Iterable[Iterable[object]]) -> str:
    """A header line and one line per row of values, each by ``csv_cell``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue()

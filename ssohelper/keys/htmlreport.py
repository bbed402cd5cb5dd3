"""The burn-down as one self-contained HTML page: a chart of active keys over time and the tables.

No script, no font, no image, nothing fetched: a Content-Security-Policy of ``default-src
'none'`` says so to the browser as well. Every value is escaped. Key IDs are masked.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from ssohelper.keys.history import Row

WIDTH, HEIGHT, PAD = 720, 240, 40
STYLE = (
    "body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}th{background:#eee}"
    ".gone,.deactivated{color:#777}.unused{color:#a40}svg{border:1px solid #ccc}"
)


def page(rows: Sequence[Row], audits: Sequence[dict[str, Any]], generated_at: str) -> str:
    counts = [(a["generated_at"], int(a["counts"].get("active_keys", 0))) for a in audits]
    states: dict[str, int] = {}
    for row in rows:
        states[row.state] = states.get(row.state, 0) + 1
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>Static AWS keys: burn-down</title><style>{STYLE}</style></head><body>",
        f"<h1>Static AWS keys: burn-down</h1><p>Made {escape(generated_at)} by ssohelper keys report; "
        f"{len(audits)} saved audit(s); key IDs are masked.</p>",
        "<h2>Active keys over time</h2>",
        chart(counts),
        "<h2>Keys now</h2>",
        _table(["state", "keys"], [[state, str(n)] for state, n in sorted(states.items())]),
        "<h2>Audits</h2>",
        _table(
            ["audit", "active keys", "unused 90+ days", "accounts", "unreachable"],
            [
                [a["generated_at"]]
                + [
                    str(a["counts"].get(k, ""))
                    for k in ("active_keys", "unused_90_days", "accounts", "accounts_unreachable")
                ]
                for a in audits
            ],
        ),
        "<h2>Every key</h2>",
        _table(
            list(Row._fields),
            [["" if v is None else str(v) for v in row] for row in rows],
            classes=[row.state for row in rows],
        ),
        "</body></html>\n",
    ]
    return "".join(parts)


def chart(points: Sequence[tuple[str, int]]) -> str:
    """An inline SVG line of the active-key count per audit (nothing to draw: a note)."""
    if not points:
        return "<p>No saved audits yet: run ssohelper audit --org --role-name ROLE --save</p>"
    top = max(n for _, n in points) or 1
    step = (WIDTH - 2 * PAD) / max(len(points) - 1, 1)
    xy = [(PAD + i * step, HEIGHT - PAD - (n / top) * (HEIGHT - 2 * PAD)) for i, (_, n) in enumerate(points)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{escape(at)}: {n}</title></circle>'
        for (x, y), (at, n) in zip(xy, points, strict=True)
    )
    labels = (
        f'<text x="{PAD}" y="{HEIGHT - 10}">{escape(points[0][0][:10])}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 10}" text-anchor="end">{escape(points[-1][0][:10])}</text>'
        f'<text x="4" y="{PAD}">{top}</text><text x="4" y="{HEIGHT - PAD}">0</text>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="active keys per audit"><polyline fill="none" stroke="#a40" stroke-width="2" '
        f'points="{line}"/>{dots}{labels}</svg>'
    )


def _table(head: Sequence[str], body: Sequence[Sequence[str]], classes: Sequence[str] = ()) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    lines = []
    for index, row in enumerate(body):
        css = f' class="{escape(classes[index])}"' if classes else ""
        lines.append(f"<tr{css}>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>")
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{''.join(lines)}</tbody></table>"

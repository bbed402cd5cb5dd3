"""Listings in the AWS CLI's --output formats, and a progress line for slow work on a terminal."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

FORMATS = ("json", "table", "text")


def _json_alias(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta["ssohelper.output.json"] = True


def output_options(func: Any) -> Any:
    """``--output json|table|text`` as in the AWS CLI, and ``--json`` as a short alias."""
    func = click.option(
        "--json",
        is_flag=True,
        expose_value=False,
        callback=_json_alias,
        help="The same as --output json.",
    )(func)
    return click.option(
        "--output",
        "output",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="json: one JSON document; table: aligned columns; text: tab-separated, no header.",
    )(func)


def chosen_format(output: str) -> str:
    return "json" if click.get_current_context().meta.get("ssohelper.output.json") else output


def render(rows: Sequence[dict[str, str]], columns: Sequence[tuple[str, str]], output: str) -> str:
    """rows as ``output``; columns are (key, TABLE HEADING) pairs in display order."""
    if output == "json":
        return json.dumps([{key: row[key] for key, _ in columns} for row in rows], separators=(",", ":")) + "\n"
    cells = [[str(row[key]) for key, _ in columns] for row in rows]
    if output == "text":
        return "".join("\t".join(line) + "\n" for line in cells)
    table = [[heading for _, heading in columns], *cells]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    return "".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() + "\n" for line in table)


@contextmanager
def progress_on_terminal(what: str, *, after: float = 1.0) -> Iterator[Callable[[int, int, str], None] | None]:
    """A ``(done, total, pace)`` callback that shows ``what: done/total (pace)`` on stderr once
    ``after`` seconds have passed; None when stderr is not a terminal (pipes and SDKs get nothing)."""
    if not sys.stderr.isatty():
        yield None
        return
    start, shown = time.monotonic(), [False]

    def update(done: int, total: int, pace: str = "") -> None:
        if time.monotonic() - start >= after:
            shown[0] = True
            click.echo(f"\r{what}: {done}/{total}{f' ({pace})' if pace else ''}\033[K", err=True, nl=False)

    try:
        yield update
    finally:
        if shown[0]:
            click.echo("\r\033[K", err=True, nl=False)

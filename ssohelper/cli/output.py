"""Listings in the AWS CLI's --output formats, and a progress line for slow work on a terminal."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

from ssohelper import cells

FORMATS = ("json", "table", "text")


def _json_alias(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta["ssohelper.output.json"] = True


def output_options(func: Any = None, *, extra: tuple[str, ...] = ()) -> Any:
    """``--output json|table|text`` as in the AWS CLI (plus ``extra`` formats a command also
    prints, such as csv), and ``--json`` as a short alias.

    Without --output, AWS_DEFAULT_OUTPUT, else the profile's ``output`` setting, else json."""
    if func is None:
        return lambda wrapped: output_options(wrapped, extra=extra)
    func = click.option(
        "--json",
        is_flag=True,
        expose_value=False,
        callback=_json_alias,
        help="The same as --output json.",
    )(func)
    more = "".join(f"; {name}" for name in extra)
    return click.option(
        "--output",
        "output",
        type=click.Choice(FORMATS + extra),
        help=f"json: one JSON document; table: for people; text: tab-separated, no header{more} "
        "(default: AWS_DEFAULT_OUTPUT, else the profile's output setting, else json).",
    )(func)


def chosen_format(output: str | None, *, default: str | None = None) -> str:
    """--output, or --json, else ``default``, else the AWS CLI's defaults; --json with another
    --output is a usage error."""
    from ssohelper.errors import UsageError

    if click.get_current_context().meta.get("ssohelper.output.json"):
        if output not in (None, "json"):
            raise UsageError(f"--json means --output json; give one of them, not --json with --output {output}")
        return "json"
    return output or default or default_output()


def default_output() -> str:
    """As the AWS CLI v2 picks it: AWS_DEFAULT_OUTPUT, else the ``output`` of the profile in use
    (the command's --profile, else AWS_PROFILE, else default), else json. A value the AWS CLI
    refuses is refused; yaml, which ssohelper does not print, is json."""
    import os

    from ssohelper.errors import ConfigError, SsoHelperError, UsageError
    from ssohelper.ini import awsconfig
    from ssohelper.ini.read import display_path

    chosen = os.environ.get("AWS_DEFAULT_OUTPUT")
    if chosen:
        return _known(chosen, lambda: UsageError(f"AWS_DEFAULT_OUTPUT={chosen!r} is not an output format ({ONE_OF})"))
    context = click.get_current_context(silent=True)
    profile = (context.params.get("profile") if context else None) or awsconfig.default_profile()
    try:
        config = awsconfig.load()
    except SsoHelperError:
        return "json"
    chosen = config.profiles.get(profile, {}).get("output")
    if not isinstance(chosen, str) or not chosen.strip():
        return "json"
    where = f"profile '{profile}' in {display_path(config.config_path)}"
    return _known(chosen.strip(), lambda: ConfigError(f"{where}: output = {chosen.strip()} is not a format ({ONE_OF})"))


ONE_OF = "json, table, text, yaml or yaml-stream, as in the AWS CLI"


def _known(value: str, refusal: Callable[[], Exception]) -> str:
    if value in FORMATS:
        return value
    if value in ("yaml", "yaml-stream"):  # the AWS CLI's; ssohelper prints its data as json instead
        return "json"
    raise refusal()


def json_text(value: Any) -> str:
    """``--output json`` as the AWS CLI prints it: indented by 4, non-ASCII as is."""
    return json.dumps(value, indent=4, ensure_ascii=False) + "\n"


def render(rows: Sequence[dict[str, str]], columns: Sequence[tuple[str, str]], output: str) -> str:
    """rows as ``output``; columns are (key, TABLE HEADING) pairs in display order."""
    if output == "json":
        return json_text([{key: row[key] for key, _ in columns} for row in rows])
    found = [[cells.text(row[key]) for key, _ in columns] for row in rows]
    if output == "text":
        return "".join("\t".join(line) + "\n" for line in found)
    table = [[heading for _, heading in columns], *found]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    return "".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() + "\n" for line in table)


def show_document(document: dict[str, Any], fmt: str) -> None:
    """A plan as ``--output json`` (one document) or ``text`` (a row per profile, no header)."""
    from ssohelper.migration.plandoc import rows

    if fmt == "json":
        click.echo(json_text(document), nl=False)
        return
    click.echo(text_rows(rows(document)), nl=False)


def text_rows(rows: Iterable[Iterable[object]]) -> str:
    """``--output text``: one tab-separated line per row, each field by the cell rule (ssohelper.cells)."""
    return "".join("\t".join(cells.text(value) for value in row) + "\n" for row in rows)


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

"""keys retire and keys report: the keys that remain, across the organisation (the work is in
ssohelper.keys)."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

import click

from ssohelper import cells, errors, times
from ssohelper.cli.options import complete_sessions, confirm_apply, debug_option, say
from ssohelper.cli.output import chosen_format, json_text, output_options, progress_on_terminal, render
from ssohelper.models import mask

if TYPE_CHECKING:
    from ssohelper.keys.history import Row
    from ssohelper.keys.retire import Key, RetirePlan

_COLUMNS = [
    ("account_id", "ACCOUNT"),
    ("user", "USER"),
    ("access_key_id", "KEY"),
    ("last_activity", "LAST USED (OR CREATED)"),
    ("idle_days", "IDLE DAYS"),
    ("action", "ACTION"),
    ("reason", "REASON"),
]


@click.group()
@debug_option
def keys() -> None:
    """The static keys that remain: retire the unused ones, and report the burn-down.

    Example: ssohelper keys retire --role-name SecurityAdmin --unused-days 90 --dry-run
    """


@keys.command()
@click.option("--role-name", metavar="ROLE", required=True, help="A role your sign-in has in every account.")
@click.option("--sso-session", "-s", shell_complete=complete_sessions, help="An [sso-session NAME] from ~/.aws/config.")
@click.option("--accounts", "account_ids", metavar="ID,...", help="Only these accounts.")
@click.option("--unused-days", type=click.IntRange(min=1), help="Retire keys unused for this many days or more.")
@click.option(
    "--exclude", multiple=True, metavar="WHO=REASON", help="Keep a user, ACCOUNT/USER or key ID (repeatable)."
)
@click.option("--dry-run", is_flag=True, help="Show the plan; change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Apply without asking.")
@click.option("--rollback", is_flag=True, help="Reactivate exactly the keys the last retirement deactivated.")
@output_options
@debug_option
def retire(
    role_name: str,
    sso_session: str | None,
    account_ids: str | None,
    unused_days: int | None,
    exclude: tuple[str, ...],
    dry_run: bool,
    yes: bool,
    rollback: bool,
    output: str | None,
) -> int:
    """Deactivate every active key unused for --unused-days or more, in every account.

    A key's idle time counts from its last use, or from its creation when it was never used.
    Shows the plan (key IDs masked), then deactivates (never deletes) through the role in each
    account, journalling each key before its call; --rollback reactivates exactly those keys.
    An unreachable account is reported and the others go on (exit 5).

    Example: ssohelper keys retire --role-name SecurityAdmin --unused-days 90 --exclude vendor-bot="billing export"
    """
    from ssohelper.cli.orgaudit import _account_ids
    from ssohelper.ini.awsconfig import resolve_session
    from ssohelper.keys import retire as retiring
    from ssohelper.signin.login import usable_token

    session = resolve_session(None, sso_session)
    if rollback:
        confirm_apply(yes, "Reactivate the keys the last retirement deactivated?")
        token = usable_token(session)
        folder, outcomes = retiring.rollback(session, token, role_name)
        return _outcomes(outcomes, "reactivated", folder)
    if unused_days is None:
        raise errors.UsageError("keys retire needs --unused-days N (or --rollback)")
    excludes = retiring.parse_excludes(exclude)
    token = usable_token(session)
    clients: dict[str, object] = {}  # each account's IAM client, kept for the apply
    with progress_on_terminal("Reading keys") as progress:
        only = _account_ids(account_ids)
        plan = retiring.plan(
            session, token, role_name, unused_days, excludes=excludes, only=only, progress=progress, keep=clients
        )
    _show(plan, chosen_format(output))
    if dry_run or not plan.to_deactivate:
        if not plan.to_deactivate:
            say("Nothing to retire.")
        return errors.EXIT_AWS if plan.unreachable else errors.EXIT_OK
    confirm_apply(yes, f"Deactivate {len(plan.to_deactivate)} key(s)?")
    folder, outcomes = retiring.apply(session, token, plan, clients=clients)
    code = _outcomes(outcomes, "deactivated", folder)
    if code == errors.EXIT_OK:
        say(f"Undo with: ssohelper keys retire --role-name {role_name} --rollback --yes")
    return errors.EXIT_AWS if plan.unreachable else code


def _row(key: Key) -> dict[str, str]:
    row = {k: "" if v is None else str(v) for k, v in asdict(key).items()}
    row["access_key_id"] = mask(key.access_key_id)
    return row


def _show(plan: RetirePlan, fmt: str) -> None:
    if fmt == "json":
        document = asdict(plan)
        for account in document["accounts"]:
            for key in account["keys"]:
                key["access_key_id"] = mask(key["access_key_id"])
        click.echo(json_text(document), nl=False)
    else:
        rows = [_row(key) for account in plan.accounts for key in account.keys]
        click.echo(render(rows, _COLUMNS, fmt), nl=False)
    for account in plan.unreachable:
        say(f"{account.account_id}: unreachable: {account.note}")
    say(
        f"{len(plan.to_deactivate)} key(s) to deactivate (unused {plan.unused_days}+ days) in "
        f"{len(plan.accounts) - len(plan.unreachable)} of {len(plan.accounts)} account(s)"
    )


def _outcomes(outcomes: list[tuple[Key, str]], verb: str, folder: str) -> int:
    failed = [(key, why) for key, why in outcomes if why != "done"]
    for key, why in failed:
        say(f"{key.account_id} {key.user} {mask(key.access_key_id)}: not {verb}: {why}")
    say(f"{len(outcomes) - len(failed)} key(s) {verb}; journal: {folder}")
    return errors.EXIT_AWS if failed else errors.EXIT_OK


_REPORT_COLUMNS = [
    ("account_id", "ACCOUNT"),
    ("user", "USER"),
    ("access_key_id", "KEY"),
    ("state", "STATE"),
    ("idle_days", "IDLE DAYS"),
    ("last_used", "LAST USED"),
    ("found_in", "FOUND IN"),
    ("controls", "CIS CONTROLS NOT MET"),
]


@keys.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@output_options(extra=("csv",))
@click.option(
    "--html",
    "html_file",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Also write one self-contained HTML page.",
)
@debug_option
def report(files: tuple[str, ...], output: str | None, html_file: str | None) -> int:
    """The burn-down: every key from the saved audits and FILES, its state, and counts over time.

    Joins every `audit --org --save` (kept under the data directory) with FILES (`audit
    --output json` from laptops, `audit --ci --output json` from repositories) into one
    history: each key's account, user, where it was found, last use, state (active, unused 90+
    days, deactivated by `keys retire`, gone from the latest audit, or in a pipeline) and the
    CIS AWS Foundations controls it fails. --html writes a page with the chart of active keys
    per audit that loads nothing from the network. Key IDs are masked.

    Example: ssohelper keys report --output csv > keys.csv
    Example: ssohelper keys report laptop-audit.json --html burn-down.html
    """
    import time

    from ssohelper.keys import history, retire

    rows, audits = history.report(files, deactivated=retire.deactivated_masked())
    fmt = chosen_format(output)
    if fmt == "json":
        click.echo(json_text({"audits": audits, "keys": [row._asdict() for row in rows]}), nl=False)
    elif fmt == "csv":
        click.echo(_csv(rows), nl=False)
    else:
        click.echo(render([row._asdict() for row in rows], _REPORT_COLUMNS, fmt), nl=False)
    if html_file:
        from ssohelper.keys.htmlreport import page

        made = times.format_epoch(time.time())
        _write_private(html_file, page(rows, audits, made).encode())
        say(f"wrote {html_file}")
    if not audits:
        say("no saved audits yet: run ssohelper audit --org --role-name ROLE --save")
    return errors.EXIT_OK


def _csv(rows: list[Row]) -> str:
    from ssohelper.keys.history import Row

    return cells.to_csv(Row._fields, rows)  # a cell a spreadsheet would run is made text


def _write_private(path: str, data: bytes) -> None:
    from ssohelper.cache.fileio import write_atomic
    from ssohelper.journal.backups import writing

    with writing(path):
        write_atomic(path, data)  # 0600: it names users and accounts; share it on purpose

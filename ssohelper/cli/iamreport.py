"""``iam-users report``: who is migrated, and every permission set's accounts and holders
(the work is in ssohelper.admin.report)."""

from __future__ import annotations

from typing import Any

import click

from ssohelper import errors
from ssohelper.cli.iamusers import admin_clients, read_text, reading_options, unreachable
from ssohelper.cli.options import debug_option, say
from ssohelper.cli.orgaudit import _account_ids
from ssohelper.cli.output import json_text, progress_on_terminal, render

_REPORT_COLUMNS = [
    ("account_id", "ACCOUNT"),
    ("iam_user", "IAM USER"),
    ("identity_center_user", "IDENTITY CENTER USER"),
    ("permission_sets", "PERMISSION SETS"),
    ("migrated", "MIGRATED"),
    ("access_keys_active", "KEYS"),
    ("keys_last_used", "LAST USED"),
    ("console_password", "PASSWORD"),
    ("reason", "WHY NOT"),
]
_SET_COLUMNS = [("name", "PERMISSION SET"), ("account_id", "ACCOUNT"), ("holders", "HELD BY")]


@click.command("report")
@reading_options(role_help="Role that reads IAM in each account (without it: sets only).", role_required=False)
@click.option("--output", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@debug_option
def report(
    profile: str,
    role_name: str | None,
    sso_session: str | None,
    account_ids: str | None,
    how: str,
    map_file: str | None,
    region: str | None,
    output: str,
) -> int:
    """Who is migrated: per IAM user the person, the permission sets held, keys and password;
    per permission set the accounts it is assigned in and who holds it.

    Example: ssohelper iam-users report --profile admin --role-name OrgAudit --output csv > migrated.csv
    """
    from datetime import datetime, timezone

    from ssohelper.admin import matching
    from ssohelper.admin.center import read_center
    from ssohelper.admin.report import build_report

    matching.check_match(how)
    lines = matching.parse_map(read_text(map_file), map_file) if map_file else []
    sso_admin, store = admin_clients(profile, region)
    center = read_center(sso_admin, store)
    found = _accounts(role_name, sso_session, account_ids) if role_name else []
    if not role_name:
        say("without --role-name only the permission sets are reported (IAM users need a role in each account)")
    matching.check_map(lines, [u for a in found for u in a.users], center, map_file or "--map")
    made = build_report(found, center, how=how, lines=lines, now=datetime.now(timezone.utc).replace(microsecond=0))
    _print_report(made, output)
    unreachable(made["accounts"])
    s = made["summary"]
    migrated = f"{s['migrated']} of {s['iam_users']} IAM users migrated"
    say(f"{migrated}; {s['machine']} machine users; {s['keys_active']} active keys remain")
    if any(a["status"] == "unreachable" for a in made["accounts"]):
        return errors.EXIT_AWS
    return errors.EXIT_OK


def _accounts(role_name: str, sso_session: str | None, account_ids: str | None) -> list[Any]:
    from ssohelper.admin.reach import read_accounts
    from ssohelper.ini.awsconfig import resolve_session
    from ssohelper.signin.login import usable_token

    only = _account_ids(account_ids)
    session = resolve_session(None, sso_session)
    token = usable_token(session)
    with progress_on_terminal("Reading accounts") as progress:
        return read_accounts(session, token, role_name, only=only, progress=progress)


def _print_report(made: dict[str, Any], output: str) -> None:
    import csv
    import io

    from ssohelper.admin.report import CSV_COLUMNS, csv_rows

    if output == "json":
        click.echo(json_text(made), nl=False)
        return
    rows = csv_rows(made)
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
        return
    table = [{k: v or "-" for k, v in row.items()} for row in rows]
    click.echo(render(table, _REPORT_COLUMNS, "table"), nl=False)
    sets = [
        {
            "name": s["name"],
            "account_id": a["account_id"],
            "holders": ", ".join(f"{h['principal_type'].lower()} {h['name']}" for h in a["holders"]),
        }
        for s in made["permission_sets"]
        for a in s["accounts"] or [{"account_id": "-", "holders": []}]
    ]
    click.echo()
    click.echo(render(sets, _SET_COLUMNS, "table"), nl=False)

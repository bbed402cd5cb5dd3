"""``iam-users plan|apply|report``: the administrator's move from IAM users to Identity Center
(the work is in ssohelper.admin)."""

from __future__ import annotations

from typing import Any

import click

from ssohelper import errors
from ssohelper.cli.options import confirm_apply, debug_option, say
from ssohelper.cli.orgaudit import _account_ids
from ssohelper.cli.output import json_text, progress_on_terminal, render

_PLAN_COLUMNS = [
    ("account_id", "ACCOUNT"),
    ("iam_user", "IAM USER"),
    ("status", "STATUS"),
    ("identity_center_user", "IDENTITY CENTER USER"),
    ("permission_set", "PERMISSION SET"),
    ("action", "SET"),
    ("via", "VIA"),
    ("reason", "REASON OR WAY OUT"),
]


@click.group("iam-users")
@debug_option
def iam_users() -> None:
    """Give each person in Identity Center what their IAM user could do: plan, apply, report.

    Example: ssohelper iam-users plan --profile admin --role-name OrgAudit --output json > plan.json
    """


def admin_clients(profile: str, region: str | None) -> tuple[Any, Any]:
    from ssohelper.admin.clients import admin_client

    return admin_client("sso-admin", profile, region), admin_client("identitystore", profile, region)


def reading_options(*, role_help: str, role_required: bool) -> Any:
    """The options of the commands that read IAM users and Identity Center (plan, report)."""
    options = [
        click.option(
            "--profile", "profile", required=True, metavar="ADMIN", help="Profile that administers Identity Center."
        ),
        click.option("--role-name", required=role_required, metavar="ROLE", help=role_help),
        click.option("--sso-session", metavar="S", help="SSO session that reaches the accounts."),
        click.option("--accounts", "account_ids", metavar="ID,...", help="Only these accounts."),
        click.option("--match", "how", default="username", show_default=True, metavar="username|email|tag:KEY"),
        click.option(
            "--map", "map_file", type=click.Path(exists=True, dir_okay=False), help="CSV iam_user,identity_center_user."
        ),
        click.option("--region", metavar="R", help="Identity Center's region (default: the profile's)."),
    ]

    def apply(func: Any) -> Any:
        for option in reversed(options):
            func = option(func)
        return func

    return apply


@iam_users.command("plan")
@reading_options(role_help="Role that reads IAM in each account.", role_required=True)
@click.option("--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@debug_option
def plan(
    profile: str,
    role_name: str,
    sso_session: str | None,
    account_ids: str | None,
    how: str,
    map_file: str | None,
    region: str | None,
    output: str,
) -> int:
    """Plan permission sets and assignments that give each person exactly what their IAM user had.

    Nothing is changed. Review the JSON plan, then: ssohelper iam-users apply plan.json --profile ADMIN

    Example: ssohelper iam-users plan --profile admin --role-name OrgAudit --output json > plan.json
    """
    from ssohelper.admin import matching
    from ssohelper.admin.planning import make_plan
    from ssohelper.ini.awsconfig import resolve_session
    from ssohelper.signin.login import usable_token

    matching.check_match(how)
    lines = matching.parse_map(read_text(map_file), map_file) if map_file else []
    only = _account_ids(account_ids)
    session = resolve_session(None, sso_session)
    token = usable_token(session)
    sso_admin, store = admin_clients(profile, region)
    with progress_on_terminal("Reading accounts") as progress:
        made = make_plan(
            session,
            token,
            role_name,
            sso_admin,
            store,
            only=only,
            how=how,
            lines=lines,
            map_source=map_file or "--map",
            progress=progress,
        )
    if output == "json":
        click.echo(json_text(made), nl=False)
    else:
        click.echo(render(_plan_rows(made), _PLAN_COLUMNS, "table"), nl=False)
    return _plan_outcome(made)


def _plan_outcome(made: dict[str, Any]) -> int:
    """stderr, for people: unreachable accounts and the summary; the exit code."""
    from ssohelper.admin.planning import sentence, summary

    unreachable(made["accounts"])
    say(sentence(made))
    counts = summary(made)
    if counts["accounts_unreachable"]:
        say(f"ssohelper: the plan is incomplete: some accounts were unreachable (exit {errors.EXIT_AWS})")
        return errors.EXIT_AWS
    if counts["unmatched"] or counts["not_planned"]:
        return errors.EXIT_FINDINGS
    return errors.EXIT_OK


def unreachable(accounts: list[dict[str, Any]]) -> None:
    for account in accounts:
        if account["status"] == "unreachable":
            say(f"{account['account_id']}: unreachable: {account['reason']}")


def read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read(4 * 1024 * 1024)
    except (OSError, UnicodeDecodeError) as exc:
        raise errors.UsageError(f"can't read {path}: {getattr(exc, 'strerror', None) or exc}") from None


def _plan_rows(made: dict[str, Any]) -> list[dict[str, str]]:
    actions = {s["name"]: s["action"] for s in made["permission_sets"]}
    rows = []
    for user in made["users"]:
        reason = user["reason"] or ""
        if user["way_out"]:
            reason = f"{reason}; way out: {user['way_out']}"
        rows.append(
            {
                "account_id": user["account_id"],
                "iam_user": user["iam_user"],
                "status": user["status"],
                "identity_center_user": user["identity_center_user"] or "-",
                "permission_set": user["permission_set"] or "-",
                "action": actions.get(user["permission_set"], "-"),
                "via": (user["group"] and f"group {user['group']}") or user["via"] or "-",
                "reason": reason or "-",
            }
        )
    return rows


@iam_users.command("apply")
@click.argument("plan_file", metavar="PLAN", required=False)
@click.option("--profile", "profile", required=True, metavar="ADMIN", help="Profile that administers Identity Center.")
@click.option("--region", metavar="R", help="Identity Center's region (default: the profile's).")
@click.option("--rollback", is_flag=True, help="Remove exactly what apply created, nothing else.")
@click.option("--yes", is_flag=True, help="Apply without asking.")
@debug_option
def apply(plan_file: str | None, profile: str, region: str | None, rollback: bool, yes: bool) -> int:
    """Carry out a reviewed plan: groups, permission sets, policies, assignments (journalled).

    A second run changes nothing. IAM users and their keys are never touched.

    Example: ssohelper iam-users apply plan.json --profile admin --yes
    """
    if rollback:
        if plan_file:
            raise errors.UsageError("apply --rollback takes no PLAN: it removes what the journal says apply created")
        return _rollback(profile, region, yes)
    if not plan_file:
        raise errors.UsageError("apply needs a PLAN file (ssohelper iam-users plan --output json > plan.json)")
    from ssohelper.admin.apply import apply_plan
    from ssohelper.admin.plandoc import load

    plan_doc = load(plan_file)
    sso_admin, store = admin_clients(profile, region)
    done = apply_plan(plan_doc, sso_admin, store, confirm=lambda: confirm_apply(yes, "Apply this plan?"))
    for line in done:
        click.echo(line)
    say(f"{len(done)} changes made" if done else "nothing changed: Identity Center already matches the plan")
    return errors.EXIT_OK


def _rollback(profile: str, region: str | None, yes: bool) -> int:
    from ssohelper.admin.undo import describe, journalled, roll_back

    sso_admin, store = admin_clients(profile, region)
    pending = journalled(sso_admin)
    if not pending:
        say("nothing to roll back: apply created nothing in this instance (or it was rolled back)")
        return errors.EXIT_OK
    for entry in pending:
        say(describe(entry, "will remove"))
    confirm_apply(yes, "Remove these?")
    for line in roll_back(sso_admin, store):
        click.echo(line)
    return errors.EXIT_OK

"""``audit --org``: render the organisation audit (the work is in ssohelper.org)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ssohelper import errors
from ssohelper.cli.options import say
from ssohelper.cli.output import json_text, progress_on_terminal, render

if TYPE_CHECKING:
    from ssohelper.org.findings import OrgAudit

_COLUMNS = [
    ("account_id", "ACCOUNT"),
    ("finding", "FINDING"),
    ("user", "USER"),
    ("access_key_id", "KEY"),
    ("age_days", "AGE"),
    ("last_used", "LAST USED"),
    ("last_service", "SERVICE"),
    ("unused_90_days", "UNUSED 90+"),
    ("detail", "DETAIL"),
]


def run_org_audit(
    role_name: str | None, sso_session: str | None, account_ids: str | None, output: str, *, save: bool = False
) -> int:
    """Audit every account the sign-in reaches with ``role_name``; exit 10 when keys are found."""
    from ssohelper.ini.awsconfig import resolve_session
    from ssohelper.org.audit import audit_org
    from ssohelper.org.export import document, rows, to_csv
    from ssohelper.signin.login import usable_token

    if not role_name:
        raise errors.UsageError("audit --org needs --role-name ROLE (a role your sign-in has in every account)")
    only = _account_ids(account_ids)
    session = resolve_session(None, sso_session)
    token = usable_token(session)
    with progress_on_terminal("Auditing accounts") as progress:
        audit = audit_org(session, token, role_name, only=only, progress=progress)
    if output == "json":
        click.echo(json_text(document(audit)), nl=False)
    elif output == "csv":
        click.echo(to_csv(audit), nl=False)
    else:
        click.echo(render(rows(audit), _COLUMNS, output), nl=False)
    _notes(audit)
    if save:
        from ssohelper.keys import history

        say(f"saved this audit in {history.save(document(audit))}")
    if audit.long_term_keys_found:
        return errors.EXIT_FINDINGS
    if audit.summary()["accounts_unreachable"]:
        say(f"ssohelper: the audit is incomplete: some accounts were unreachable (exit {errors.EXIT_AWS})")
        return errors.EXIT_AWS
    return errors.EXIT_OK


def _account_ids(text: str | None) -> list[str] | None:
    if text is None:
        return None
    wanted = [part.strip() for part in text.split(",") if part.strip()]
    bad = [part for part in wanted if not (len(part) == 12 and part.isdigit())]
    if not wanted or bad:
        shown = f": {bad[0]!r} is not 12 digits" if bad else ""
        raise errors.UsageError(f"--accounts takes 12-digit account IDs separated by commas{shown}")
    return wanted


def _notes(audit: OrgAudit) -> None:
    """stderr, for people: which accounts were listed rather than reported, and the summary."""
    for account in audit.accounts:
        if account.note and account.status == "audited":
            say(f"{account.account_id}: {account.note}")
        elif account.status != "audited":
            say(f"{account.account_id}: unreachable: {account.note}")
    say(audit.sentence())

"""Finding static keys: audit (on this machine), and audit --org (ssohelper.cli.orgaudit)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import click

from ssohelper import errors
from ssohelper.cli.options import debug_option, say
from ssohelper.cli.output import chosen_format, json_text, output_options, text_rows

if TYPE_CHECKING:
    from ssohelper.keys.survey import AuditReport, KeyAge


@click.command()
@click.argument("path", required=False, type=click.Path(exists=True))
@output_options(extra=("csv",))
@click.option("--online", is_flag=True, help="Ask IAM (with each key itself) for the key's age and last use.")
@click.option("--ci", "pipelines", is_flag=True, help="Audit the CI pipelines under PATH (default: here) instead.")
@click.option("--org", is_flag=True, help="Audit every account your sign-in reaches with --role-name instead.")
@click.option("--role-name", metavar="ROLE", help="With --org: the role to use in each account.")
@click.option("--sso-session", "-s", help="With --org: an [sso-session NAME] from ~/.aws/config.")
@click.option("--accounts", "account_ids", metavar="ID,...", help="With --org: only these accounts.")
@click.option("--save", is_flag=True, help="With --org: keep this audit (keys masked, 0600) for keys report.")
@debug_option
def audit(
    path: str | None,
    output: str | None,
    online: bool,
    pipelines: bool,
    org: bool,
    role_name: str | None,
    sso_session: str | None,
    account_ids: str | None,
    save: bool,
) -> int:
    """Find static AWS credentials: in ~/.aws/credentials, ~/.aws/config and the environment.

    Reports long-term (AKIA) and temporary (ASIA) keys with IDs masked, which profiles could
    move to SSO (and the migrate-profiles command to run), and credential_process lines whose
    program is missing. With --org, reports every IAM user's active keys, console passwords
    without MFA and root keys in each account the sign-in reaches with --role-name. Exits 10
    when a long-term key is found, for CI.

    With --ci, finds static keys in the GitHub workflows, composite actions and GitLab CI
    files under PATH (or in the one pipeline file PATH names) instead, with file and line
    (exit 10 when any is found).

    Example: ssohelper audit --online --output json
    Example: ssohelper audit --org --role-name SecurityAudit --output csv > keys.csv
    """
    if pipelines and org:
        raise errors.UsageError("--ci and --org are two different audits; pick one")
    if pipelines or path is not None:
        from ssohelper.cli.ci import audit_pipelines

        if not pipelines or online:
            raise errors.UsageError("PATH goes with --ci, and --online without it")
        if output == "csv":
            raise errors.UsageError("--output csv goes with --org")
        return audit_pipelines(path or ".", chosen_format(output))
    if org:
        from ssohelper.cli.orgaudit import run_org_audit

        if online:
            raise errors.UsageError("--online is for this machine's keys; --org always asks IAM")

        return run_org_audit(role_name, sso_session, account_ids, chosen_format(output), save=save)
    if role_name or sso_session or account_ids or save or output == "csv":
        raise errors.UsageError("--role-name, --sso-session, --accounts and --output csv go with --org")
    from ssohelper.keys.survey import collect

    fmt = chosen_format(output)
    report, material = collect()
    if online:
        from ssohelper.keys.keyage import with_key_ages

        report = with_key_ages(report, material)
    document = dataclasses.asdict(report)
    document["long_term_keys"] = report.long_term_keys
    document["profiles"] = [found.document() for found in report.profiles]
    if fmt == "json":
        click.echo(json_text(document), nl=False)
    elif fmt == "text":
        _render_rows(document)
    else:
        _render_text(report)
    if report.long_term_keys:
        say(f"ssohelper: {report.long_term_keys} long-term access key(s) found (exit {errors.EXIT_FINDINGS})")
    return errors.EXIT_FINDINGS if report.long_term_keys else errors.EXIT_OK


def _render_text(report: AuditReport) -> None:
    for key in report.keys:
        where = f"{key.source} {key.path}" if key.path else key.source
        profile = f"profile '{key.profile}'" if key.profile else "AWS_ACCESS_KEY_ID"
        click.echo(f"{key.kind} key {key.key}: {profile} in {where}; {key.note}")
        if key.used_by:
            click.echo(f"  used through source_profile by: {', '.join(key.used_by)}")
        if key.iam is not None:
            click.echo("  IAM: " + _age_text(key.iam))
    for process in report.processes:
        click.echo(f"credential_process of profile '{process.profile}': {process.program}: {process.problem}")
    for found in report.profiles:
        if found.shadowed:
            click.echo(
                f"profile '{found.profile}' resolves through botocore's {found.resolves_through} provider "
                f"({found.label}); never used while it does: {', '.join(found.shadowed)}"
            )
    if not (report.keys or report.processes):
        click.echo("no static credentials and no broken credential_process lines found")
    if report.migrate_command:
        click.echo(f"to move them to SSO, run: {report.migrate_command}")
    if report.roles_anywhere_command:
        click.echo(
            "on a machine that can use neither SSO nor OIDC (a server, a script), move them to IAM Roles "
            f"Anywhere (aws_signing_helper credential-process): {report.roles_anywhere_command}"
        )


def _render_rows(document: dict) -> None:
    """One tab-separated row per key (with IAM's status and dates under --online) and per broken
    credential_process; an empty field for none."""
    rows: list[list[object]] = []
    for key in document["keys"]:
        iam = key["iam"] or {}
        rows.append(["key", key["kind"], key["key"], key["profile"], key["source"], key["path"], key["migratable"]])
        rows[-1] += [iam.get("status"), iam.get("created"), iam.get("last_used")]
    rows += [["process", p["profile"], p["program"], p["problem"]] for p in document["processes"]]
    rows += [
        ["shadowed", found["profile"], found["kind"], found["resolves_through"], ",".join(found["shadowed"])]
        for found in document["profiles"]
        if found["shadowed"]
    ]
    click.echo(text_rows(rows), nl=False)


def _age_text(age: KeyAge) -> str:
    if age.error:
        return age.error
    created = f"created {age.created} ({age.age_days} days ago)" if age.created else "creation date unknown"
    used = f"last used {age.last_used}" + (f" ({age.last_service})" if age.last_service else "")
    status = f"{age.status.capitalize()}; " if age.status else ""
    return f"{status}{created}; {used if age.last_used else 'never used'}"

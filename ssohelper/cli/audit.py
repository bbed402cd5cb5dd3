"""Finding static keys and keeping new ones out: audit, scp-policy."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

import click

from ssohelper import errors
from ssohelper.cli.options import debug_option, say
from ssohelper.cli.output import chosen_format, output_options, text_cell

if TYPE_CHECKING:
    from ssohelper.migration.audit import AuditReport, KeyAge


@click.command()
@output_options
@click.option("--online", is_flag=True, help="Ask IAM (with each key itself) for the key's age and last use.")
@debug_option
def audit(output: str | None, online: bool) -> int:
    """Find static AWS credentials: in ~/.aws/credentials, ~/.aws/config and the environment.

    Reports long-term (AKIA) and temporary (ASIA) keys with IDs masked, which profiles could
    move to SSO (and the migrate-profiles command to run), and credential_process lines whose
    program is missing. Exits 10 when a long-term key is found, for CI.

    Example: ssohelper audit --online --output json
    """
    from ssohelper.migration.audit import collect

    fmt = chosen_format(output)
    report, material = collect()
    if online:
        from ssohelper.migration.keyage import with_key_ages

        report = with_key_ages(report, material)
    document = dataclasses.asdict(report)
    document["long_term_keys"] = report.long_term_keys
    if fmt == "json":
        click.echo(json.dumps(document, indent=2))
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
    if not (report.keys or report.processes):
        click.echo("no static credentials and no broken credential_process lines found")
    if report.migrate_command:
        click.echo(f"to move them to SSO, run: {report.migrate_command}")


def _render_rows(document: dict) -> None:
    """One tab-separated row per key (with IAM's status and dates under --online) and per broken
    credential_process; an empty field for none."""
    for key in document["keys"]:
        iam = key["iam"] or {}
        fields = [key["kind"], key["key"], key["profile"], key["source"], key["path"], key["migratable"]]
        fields += [iam.get("status"), iam.get("created"), iam.get("last_used")]
        click.echo("\t".join(text_cell(value) for value in ["key", *fields]))
    for process in document["processes"]:
        click.echo("\t".join(["process", process["profile"], process["program"], process["problem"]]))


def _age_text(age: KeyAge) -> str:
    if age.error:
        return age.error
    created = f"created {age.created} ({age.age_days} days ago)" if age.created else "creation date unknown"
    used = f"last used {age.last_used}" + (f" ({age.last_service})" if age.last_service else "")
    status = f"{age.status.capitalize()}; " if age.status else ""
    return f"{status}{created}; {used if age.last_used else 'never used'}"


@click.command("scp-policy")
@click.option(
    "--allow-principal",
    "principals",
    multiple=True,
    metavar="ARN",
    help="A break-glass principal ARN that stays exempt (repeatable; * and ? wildcards allowed).",
)
@click.option("--compact", is_flag=True, help="Print the policy without whitespace (fits more principals).")
@debug_option
def scp_policy(principals: tuple[str, ...], compact: bool) -> None:
    """Print a service control policy that denies creating IAM users, access keys and console passwords.

    Attach it in AWS Organizations so no new static keys appear once everyone uses SSO. The
    output is checked against the 5,120-character SCP limit.

    Example: ssohelper scp-policy --allow-principal arn:aws:iam::111111111111:role/BreakGlass
    """
    from ssohelper.migration.scp import scp_policy as build

    text = build(principals, compact=compact)
    click.echo(text)
    if not principals:
        say("note: no break-glass principal is exempt; add --allow-principal ARN for one")

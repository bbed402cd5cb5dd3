"""The populate use case: list what the sign-in gives, plan the generated profiles, show, apply.

It shares migrate-profiles' machinery: the same snapshot and parse of the config, the same
session rules, the same credential_process command, the same diff, backups and rollback.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ssohelper import paths
from ssohelper.ini import awsconfig
from ssohelper.journal import masking
from ssohelper.journal.backups import FileChange
from ssohelper.listings.accounts import Progress, list_access
from ssohelper.migration import generated, planner
from ssohelper.models import SsoSession
from ssohelper.signin.login import usable_token


@dataclass(frozen=True)
class Request:
    sso_session: str
    template: str = generated.DEFAULT_TEMPLATE
    style: str = "process"
    region: str | None = None
    prune: bool = False
    start_url: str | None = None
    sso_region: str | None = None


@dataclass(frozen=True)
class Plan:
    request: Request
    session: SsoSession
    change: FileChange
    outcome: generated.Outcome
    region_note: str
    command_note: str

    @property
    def changes(self) -> list[FileChange]:
        return [self.change]

    @property
    def changed(self) -> bool:
        return self.change.after != (self.change.before or b"")

    def diff_parts(self) -> Iterator[str]:
        """The config file's unified diff, hunk by hunk, with key material masked (neighbours' too)."""
        return masking.masked_diff_parts([(self.change.path, self.change.before, self.change.after)])


def make_plan(request: Request, *, progress: Progress | None = None) -> Plan:
    """Read the config, list every account and role, and plan the profiles. Writes nothing."""
    generated.check_template(request.template)
    config_path, credentials_path = paths.aws_config_file(), paths.aws_credentials_file()
    config_bytes, config_doc, config_sections = planner.read_document(config_path)
    _, _, credential_sections = planner.read_document(credentials_path)
    model = awsconfig.from_sections(config_path, config_sections, credentials_path, credential_sections)
    session, new_session = planner.resolve_session(
        model,
        planner.Request(sso_session=request.sso_session, start_url=request.start_url, sso_region=request.sso_region),
    )
    warnings: list[str] = []
    access = list_access(session, usable_token(session), progress=progress, warnings=warnings)
    region = request.region or session.region
    command, command_note = planner.credential_command()
    settings = generated.Settings(
        sso_session=request.sso_session,
        template=request.template,
        style=request.style,
        region=region,
        prune=request.prune,
        command=command,
        new_session=new_session,
    )
    outcome = generated.plan(config_doc, credential_sections, access, settings)
    outcome.notes.extend(f"warning: {warning}" for warning in warnings)
    if new_session is not None:
        outcome.notes.append(f"[sso-session {request.sso_session}] is added")
    where = "from --region" if request.region else f"the sso_region of sso-session '{request.sso_session}'"
    return Plan(
        request,
        session,
        FileChange(config_path, config_bytes, outcome.text.encode("utf-8")),
        outcome,
        f"region = {region} ({where})",
        command_note if planner.runs_process(request.style) else "",
    )


def table(plan: Plan) -> str:
    """What happens to each profile that changes, then the counts (the plan, for stdout)."""
    rows = [("PROFILE", "ACCOUNT", "ROLE", "ACTION")]
    for name, item, action in plan.outcome.actions:
        if action != "unchanged":
            rows.append((name, item.account_id if item else "-", item.role_name if item else "-", action))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[3] for row in rows
    ]
    if len(rows) == 1:
        lines = []
    counts = {action: plan.outcome.count(action) for action in ("create", "update", "remove", "unchanged")}
    lines.append(", ".join(f"{n} {'unchanged' if what == 'unchanged' else 'to ' + what}" for what, n in counts.items()))
    return "\n".join(line.rstrip() for line in lines) + "\n"


def notes(plan: Plan) -> list[str]:
    """What people should know about the plan (for stderr): the region, skips, warnings, the command."""
    lines = [plan.region_note, *plan.outcome.notes]
    if plan.command_note and (plan.outcome.count("create") or plan.outcome.count("update")):
        lines.append(plan.command_note)
    return lines

"""The migrate-profiles use case: read both files, plan, show, apply, verify, retire keys."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from ssohelper import paths
from ssohelper.ini import awsconfig
from ssohelper.ini.editor import IniFile, parse_bytes
from ssohelper.ini.read import Section, parse_sections
from ssohelper.journal import backups, masking
from ssohelper.journal.backups import FileChange
from ssohelper.journal.masking import gc_paused
from ssohelper.kinds import PROCESS, quote, registry
from ssohelper.kinds.rolesanywhere import SIGNING_HELPER
from ssohelper.migration import rolesanywhere, sessions
from ssohelper.migration.discovery import Chooser, KeyOutcome, Resolution, deactivate_key, resolve_targets
from ssohelper.migration.rewrite import Survey, rewrite_config, rewrite_credentials, survey
from ssohelper.migration.rolesanywhere import RolesAnywhere
from ssohelper.models import AccountRole, SsoSession, mask
from ssohelper.signin.login import usable_token


@dataclass(frozen=True)
class Request:
    sso_session: str
    only: Sequence[str] = ()
    start_url: str | None = None
    sso_region: str | None = None
    mapped: dict[str, AccountRole] | None = None
    account_id: str | None = None
    role_name: str | None = None
    offline: bool = False
    style: str = "process"
    command: str | None = None  # the program credential_process runs; None: this ssohelper
    roles_anywhere: RolesAnywhere | None = None  # the settings of --style roles-anywhere


@dataclass(frozen=True)
class Plan:
    request: Request
    session: SsoSession | None  # None: roles-anywhere uses no SSO session
    config: FileChange
    credentials: FileChange
    survey: Survey
    resolution: Resolution
    command: str
    command_note: str

    @property
    def changes(self) -> list[FileChange]:
        return [self.config, self.credentials]

    def diff(self) -> str:
        """Both files' unified diffs, with key material masked."""
        return "".join(self.diff_parts())

    def diff_parts(self) -> Iterator[str]:
        """diff() hunk by hunk, to print a big one without holding it whole."""
        return masking.masked_diff_parts([(c.path, c.before, c.after) for c in self.changes])


def read_document(path: str) -> tuple[bytes | None, IniFile, dict[str, Section]]:
    """Snapshot one file once, and parse it both losslessly and as botocore does.

    botocore's view must parse too: a file botocore rejects is not migrated.
    """
    data = backups.snapshot(path)
    document = parse_bytes(data or b"", path)
    return data, document, parse_sections(document.render(), path)


def credential_command(override: str | None = None) -> tuple[str, str]:
    """What credential_process should run, and a note for the plan saying which and why.

    By default the launcher (``roles.launcher``): a path that outlives reinstalls, starting the
    running ssohelper without the console script's imports; it is written when the plan is
    applied. Where a launcher can't start this install, the absolute path of the running
    ssohelper, quoted for botocore's shell-style split: a bare name breaks as soon as a venv
    leaves PATH (IDEs start SDKs with another PATH).
    """
    if override:
        return override, f"credential_process runs {override} (from --command)"
    from ssohelper.roles import launcher

    program = launcher.program()
    if program is not None:
        command = quote(program)
        where = launcher.interpreter()
        note = f"credential_process runs {command}, which starts the ssohelper running now ({where})"
        return command, note + "; --command to change it"
    own = os.path.join(os.path.dirname(sys.executable), "ssohelper" + (".exe" if os.name == "nt" else ""))
    if os.path.basename(sys.argv[0]) in ("ssohelper", "ssohelper.exe") and os.path.isfile(sys.argv[0]):
        own = sys.argv[0]
    words = [os.path.abspath(own)] if os.path.isfile(own) else [sys.executable, "-m", "ssohelper"]
    command = " ".join(quote(word) for word in words)
    return command, f"credential_process runs {command} (the ssohelper running now; --command to change it)"


def resolve_session(config: awsconfig.AwsConfig, request: Request) -> tuple[SsoSession, tuple[str, str] | None]:
    """The request's session, and (start URL, region) when its section is still to be added."""
    session = sessions.requested(request.sso_session, request.start_url, request.sso_region, config=config)
    return session, None if session.in_config else (session.start_url, session.region)


def make_plan(request: Request, *, choose: Chooser | None = None) -> Plan:
    config_path, credentials_path = paths.aws_config_file(), paths.aws_credentials_file()
    config_bytes, credentials_bytes = backups.snapshot(config_path), backups.snapshot(credentials_path)
    # botocore's view first, one file at a time, and not paused: configparser leaves cycles
    sessions = _sso_sessions(config_path, config_bytes, credentials_path, credentials_bytes)
    gc.collect()
    with gc_paused():
        session, new_session, found = _survey(
            request, sessions, config_path, config_bytes, credentials_path, credentials_bytes
        )
    # Not paused: online discovery makes botocore clients, which are full of cycles. The parsed
    # files are gone by now: botocore parses the whole config file again for each client, and
    # both at once made the peak memory of 20,000 profiles 305 MiB.
    resolution = _resolve(request, found, session, choose)
    gc.collect()  # discovery's botocore garbage (cycles): before the pause below, not after it
    command, note = _command(request)
    with gc_paused():  # one file at a time: each is parsed again, edited in place, and dropped
        config_after = rewrite_config(
            parse_bytes(config_bytes or b"", config_path),
            resolution.targets,
            sso_session=request.sso_session,
            style=request.style,
            command=command,
            new_session=new_session,
        ).encode("utf-8")
        credentials_after = rewrite_credentials(
            parse_bytes(credentials_bytes or b"", credentials_path), resolution.targets
        ).encode("utf-8")
    return Plan(
        request,
        session,
        FileChange(config_path, config_bytes, config_after),
        FileChange(credentials_path, credentials_bytes, credentials_after),
        found,
        resolution,
        command,
        note,
    )


def _resolve(request: Request, found: Survey, session: SsoSession | None, choose: Chooser | None) -> Resolution:
    if request.roles_anywhere is not None:
        return rolesanywhere.resolve(found.static, request.roles_anywhere)
    assert session is not None
    return resolve_targets(
        found.static,
        session=session,
        mapped=request.mapped or {},
        account_id=request.account_id,
        role_name=request.role_name,
        offline=request.offline,
        token=lambda: usable_token(session),
        choose=choose,
    )


def _command(request: Request) -> tuple[str, str]:
    if request.roles_anywhere is None:
        return credential_command(request.command)
    helper = SIGNING_HELPER
    return request.roles_anywhere.command(), f"credential_process runs {helper} (IAM Roles Anywhere; install it here)"


def _decoded(data: bytes | None, path: str) -> str:
    """The text botocore would read; undecodable bytes are named by the lossless parser."""
    try:
        return (data or b"").decode("utf-8")
    except UnicodeDecodeError:
        parse_bytes(data or b"", path)  # raises the ConfigError that names the line
        raise


def _sso_sessions(
    config_path: str, config: bytes | None, credentials_path: str, credentials: bytes | None
) -> dict[str, Section]:
    """Both files as botocore reads them (a file botocore rejects is not migrated); of that
    view only the sso-session sections are kept: 20,000 profiles weigh."""
    sessions = {
        name: values
        for name, values in parse_sections(_decoded(config, config_path), config_path).items()
        if name.startswith("sso-session")
    }
    parse_sections(_decoded(credentials, credentials_path), credentials_path)
    return sessions


def _survey(
    request: Request,
    sessions: dict[str, Section],
    config_path: str,
    config: bytes | None,
    credentials_path: str,
    credentials: bytes | None,
) -> tuple[SsoSession | None, tuple[str, str] | None, Survey]:
    """Parse both files losslessly and survey them; the documents are dropped afterwards."""
    config_doc = parse_bytes(config or b"", config_path)
    credentials_doc = parse_bytes(credentials or b"", credentials_path)
    model = awsconfig.from_sections(config_path, sessions, credentials_path, {})
    session, new_session = resolve_session(model, request) if request.roles_anywhere is None else (None, None)
    return session, new_session, survey(config_doc, credentials_doc, request.only, mapped=list(request.mapped or {}))


def runs_process(style: str) -> bool:
    """Whether profiles of this style run a credential_process (so the plan says which program)."""
    return registry.by_style(style).provider == PROCESS


def verify_profile(name: str) -> str | None:
    """Prove that botocore now gets SSO role credentials for ``name``; None if it does."""
    script = (
        "import sys, botocore.session\n"
        "c = botocore.session.Session(profile=sys.argv[1]).get_credentials()\n"
        "print(c.method if c else 'none')\n"
    )
    try:
        result = subprocess.run([sys.executable, "-c", script, name], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return "botocore took over two minutes to get credentials for it"
    method = result.stdout.strip()
    if result.returncode != 0 or method not in ("custom-process", "sso"):
        return f"botocore did not get role credentials for it ({method or 'error'})"
    return None


def retire_keys(plan: Plan, *, verify: Callable[[str], str | None] = verify_profile) -> list[KeyOutcome]:
    """Deactivate each migrated key, but only once its profile is shown to work without it."""
    outcomes = []
    for profile in plan.survey.static:
        if profile.name not in plan.resolution.targets:
            continue
        problem = verify(profile.name)
        if problem:
            outcomes.append(KeyOutcome(profile.name, mask(profile.access_key_id), "not deactivated", problem))
        else:
            outcomes.append(deactivate_key(profile))
    return outcomes


def finish_command(plan: Plan) -> str | None:
    """The migrate-profiles line that moves the profiles this plan leaves with their keys, every
    missing choice named at once (an account the plan found is filled in); None when none is left."""
    skipped = [name for name, _ in plan.resolution.skipped]
    if not skipped:
        return None
    words = ["ssohelper", "migrate-profiles", *skipped]
    if plan.session is not None:
        words += ["--sso-session", plan.request.sso_session]
        if not plan.session.in_config:
            words += ["--start-url", plan.session.start_url, "--sso-region", plan.session.region]
    for name in skipped:
        words += ["--map", f"{name}={plan.resolution.skipped_accounts.get(name, 'ACCOUNT_ID')}:ROLE_NAME"]
    return " ".join(quote(word) for word in words)


def table(plan: Plan) -> str:
    rows = [("PROFILE", "ACCOUNT", "ROLE", "STYLE", "FOUND BY")]
    for profile in plan.survey.static:
        target = plan.resolution.targets.get(profile.name)
        if target:
            rows.append(
                (
                    profile.name,
                    target.account_id,
                    target.role_name,
                    plan.request.style,
                    plan.resolution.sources[profile.name],
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[4] for row in rows
    ]
    for profile in plan.survey.static:
        for dependent in profile.dependents if profile.name in plan.resolution.targets else ():
            lines.append(f"{dependent}: keeps working (source_profile {profile.name} becomes role chaining over SSO)")
    for name, reason in plan.resolution.skipped:
        lines.append(f"{name}: skipped, keys kept: {reason}")
    for name, reason in plan.survey.skipped:
        lines.append(f"{name}: left alone: {reason}")
    if runs_process(plan.request.style) and plan.resolution.targets:
        lines.append(plan.command_note)
    return "\n".join(line.rstrip() for line in lines) + "\n"

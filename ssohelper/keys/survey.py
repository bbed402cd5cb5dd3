"""Where static credentials hide: both AWS files and the environment, and broken credential_process lines.

Each profile's kind comes from the ordered list (``kinds.registry``): which botocore provider
resolves it, and which of its other credentials that provider shadows.

Key IDs are reported masked (``AKIA****WXYZ``); secret keys are never part of a finding.
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ssohelper import paths
from ssohelper.ini.read import Section, display_path, section_kind
from ssohelper.kinds import Profile, registry
from ssohelper.kinds.registry import ProfileKind
from ssohelper.kinds.rolesanywhere import ROLES_ANYWHERE
from ssohelper.migration.planner import read_document
from ssohelper.migration.rewrite import StaticProfile, survey
from ssohelper.models import mask

LONG_TERM, TEMPORARY, UNKNOWN = "long-term", "temporary", "unknown"


def key_kind(access_key_id: str) -> str:
    """AKIA: an IAM user's long-term key; ASIA: temporary (STS) credentials."""
    return {"AKIA": LONG_TERM, "ASIA": TEMPORARY}.get(access_key_id[:4], UNKNOWN)


@dataclass(frozen=True)
class KeyAge:
    """What IAM says about a key (``audit --online``); ``error`` when it would not say."""

    created: str | None = None
    age_days: int | None = None
    last_used: str | None = None
    last_service: str | None = None
    error: str | None = None
    status: str | None = None  # "active" or "inactive", as IAM lists the key


@dataclass(frozen=True)
class KeyFinding:
    source: str  # "credentials file", "config file" or "environment"
    path: str | None
    profile: str | None
    key: str  # masked
    kind: str
    migratable: bool
    note: str  # why it can or cannot be migrated
    used_by: tuple[str, ...] = ()  # profiles whose source_profile is this one
    iam: KeyAge | None = None


@dataclass(frozen=True)
class ProcessFinding:
    profile: str
    program: str
    problem: str


@dataclass(frozen=True)
class AuditReport:
    keys: tuple[KeyFinding, ...]
    processes: tuple[ProcessFinding, ...]
    migrate_command: str | None
    # for machines that can use neither SSO nor OIDC (servers, scripts): IAM Roles Anywhere
    roles_anywhere_command: str | None = None
    # every profile of both files: how botocore resolves it, and what that shadows
    profiles: tuple[ProfileKind, ...] = ()

    @property
    def long_term_keys(self) -> int:
        return sum(1 for k in self.keys if k.kind == LONG_TERM)


@dataclass(frozen=True)
class KeyMaterial:
    """A found key with its secret, for the online lookup only: never rendered."""

    finding: KeyFinding
    access_key_id: str
    secret_access_key: str | None = field(repr=False)
    session_token: str | None = field(repr=False)
    region: str | None


def collect(environ: Mapping[str, str] = os.environ) -> tuple[AuditReport, list[KeyMaterial]]:
    """Every static key and broken credential_process, plus the key material for ``--online``."""
    config_path, credentials_path = paths.aws_config_file(), paths.aws_credentials_file()
    _, config_doc, config_sections = read_document(config_path)
    _, credentials_doc, credentials_sections = read_document(credentials_path)
    found = survey(config_doc, credentials_doc)
    movable = {p.name: p for p in found.static}
    reasons = dict(found.skipped)
    profiles = {k[1]: values for h, values in config_sections.items() if (k := section_kind(h)) and k[0] == "profile"}
    material: list[KeyMaterial] = []
    for source, path, sections in (
        ("credentials file", credentials_path, credentials_sections),
        ("config file", config_path, profiles),
    ):
        for name, values in sections.items():
            material.extend(_profile_key(source, path, name, values, movable, reasons))
    env_key = environ.get("AWS_ACCESS_KEY_ID")
    if env_key:
        finding = KeyFinding("environment", None, None, mask(env_key), key_kind(env_key), False, _ENV_NOTE)
        secret, token = environ.get("AWS_SECRET_ACCESS_KEY"), environ.get("AWS_SESSION_TOKEN")
        material.append(KeyMaterial(finding, env_key, secret, token, environ.get("AWS_REGION")))
    processes = tuple(p for name, values in profiles.items() if (p := check_process(name, values)))
    names = {**profiles, **credentials_sections}
    report = AuditReport(
        tuple(m.finding for m in material),
        processes,
        migrate_command(movable, config_sections),
        roles_anywhere_command(movable),
        tuple(registry.describe(Profile(n, profiles.get(n), credentials_sections.get(n))) for n in names),
    )
    return report, material


_ENV_NOTE = "AWS_ACCESS_KEY_ID is set in the environment; unset it and use 'ssohelper exec' or 'ssohelper export'"


def _profile_key(
    source: str,
    path: str,
    name: str,
    values: Section,
    movable: Mapping[str, StaticProfile],
    reasons: Mapping[str, str],
) -> list[KeyMaterial]:
    key = values.get("aws_access_key_id")
    if not isinstance(key, str) or not key.strip():
        return []
    key = key.strip()
    static = movable.get(name)
    note = "migrate-profiles can move it to SSO" if static else f"not migrated: it {reasons.get(name, 'is shadowed')}"
    finding = KeyFinding(
        source,
        display_path(path),
        name,
        mask(key),
        key_kind(key),
        static is not None,
        note,
        static.dependents if static else (),
    )
    secret, token = values.get("aws_secret_access_key"), values.get("aws_session_token")
    return [KeyMaterial(finding, key, _text(secret), _text(token), _text(values.get("region")))]


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def migrate_command(movable: Mapping[str, StaticProfile], config_sections: Mapping[str, Section]) -> str | None:
    """The migrate-profiles command line for every movable profile (a dry run first)."""
    if not movable:
        return None
    sessions = [kind[1] for h in config_sections if (kind := section_kind(h)) and kind[0] == "sso-session"]
    if not sessions:  # the way in: the session, a sign-in, then the migration
        return "ssohelper configure --sso-session NAME --start-url URL --sso-region REGION --migrate --dry-run"
    session = shlex.quote(sessions[0]) if len(sessions) == 1 else "NAME"
    names = " ".join(shlex.quote(name) for name in sorted(movable))
    return f"ssohelper migrate-profiles {names} --sso-session {session} --dry-run"


def roles_anywhere_command(movable: Mapping[str, StaticProfile]) -> str | None:
    """The migrate-profiles line that moves the profiles to IAM Roles Anywhere (a dry run first)."""
    if not movable:
        return None
    names = " ".join(shlex.quote(name) for name in sorted(movable))
    settings = "--certificate CERT.pem --private-key KEY.pem --trust-anchor-arn ARN --profile-arn ARN --role-arn ARN"
    return f"ssohelper migrate-profiles {names} --style {ROLES_ANYWHERE.style} {settings} --dry-run"


def check_process(profile: str, values: Section) -> ProcessFinding | None:
    """A credential_process whose program is missing or cannot be run, as botocore would split it."""
    command = values.get("credential_process")
    if not isinstance(command, str) or not command.strip():
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        return ProcessFinding(profile, command.split()[0], "the command line has an unbalanced quote")
    program = words[0]
    if os.sep in program or (os.altsep and os.altsep in program):
        if not os.path.isfile(program):
            return ProcessFinding(profile, program, "the program does not exist")
        if not os.access(program, os.X_OK):
            return ProcessFinding(profile, program, "the program is not executable")
        return None
    if shutil.which(program) is None:
        return ProcessFinding(profile, program, "the program is not on PATH")
    return None

"""Read ~/.aws/config and ~/.aws/credentials with botocore's semantics (stdlib only).

Parsing uses configparser.RawConfigParser, as botocore does, so what we see is what the
SDKs see. Writing is done elsewhere (inifile), losslessly.
"""

from __future__ import annotations

import configparser
import os
import shlex
from dataclasses import dataclass

from . import paths
from .errors import ConfigError
from .models import DEFAULT_SCOPES, RoleTarget, SsoSession

Section = dict  # key -> str, or key -> dict for nested (s3 = ...) blocks


def display_path(path: str) -> str:
    home = paths.home()
    return "~" + path[len(home):] if path.startswith(home + os.sep) else path


def read_sections(path: str) -> dict[str, Section]:
    """All sections of one file, keyed by the raw header name. A missing file is empty."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        raise ConfigError(f"{display_path(path)}: not UTF-8 text; fix or replace the file") from None
    except OSError as exc:
        raise ConfigError(f"{display_path(path)}: cannot read ({exc.strerror})") from None
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        raise ConfigError(_parse_error_message(path, exc)) from None
    return {name: _section_values(path, name, parser) for name in parser.sections()}


def _parse_error_message(path: str, exc: configparser.Error) -> str:
    where = display_path(path)
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return f"{where} line {exc.lineno}: a setting before any [section]; fix the file"
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"{where} line {exc.lineno}: section [{exc.section}] appears twice; merge them"
    if isinstance(exc, configparser.DuplicateOptionError):
        return f"{where} line {exc.lineno}: '{exc.option}' appears twice in [{exc.section}]"
    if isinstance(exc, configparser.ParsingError) and exc.errors:
        lineno, line = exc.errors[0]
        return f"{where} line {lineno}: cannot parse {line.strip()!r}; fix the file"
    return f"{where}: cannot parse ({exc.__class__.__name__}); fix the file"


def _section_values(path: str, name: str, parser: configparser.RawConfigParser) -> Section:
    values: Section = {}
    for key in parser.options(name):
        value = parser.get(name, key)
        if value.startswith("\n"):
            value = _parse_nested(path, name, key, value)
        values[key] = value
    return values


def _parse_nested(path: str, section: str, key: str, value: str) -> dict[str, str]:
    nested = {}
    for line in value.splitlines():
        line = line.strip()
        if not line:
            continue
        if "=" not in line:
            raise ConfigError(
                f"{display_path(path)}: in [{section}], the '{key}' block has a line without '=': "
                f"{line!r}; fix the file"
            )
        sub, _, sub_value = line.partition("=")
        nested[sub.strip()] = sub_value.strip()
    return nested


def section_kind(header: str) -> tuple[str, str] | None:
    """``profile dev`` -> (``profile``, ``dev``); ``default`` -> (``profile``, ``default``)."""
    if header == "default":
        return "profile", "default"
    for kind in ("profile", "sso-session", "services"):
        if header.startswith(kind):
            try:
                parts = shlex.split(header)
            except ValueError:
                return None
            return (kind, parts[1]) if len(parts) == 2 else None
    return None


@dataclass(frozen=True)
class AwsConfig:
    config_path: str
    credentials_path: str
    profiles: dict[str, Section]
    sso_sessions: dict[str, Section]
    credentials: dict[str, Section]

    def profile(self, name: str) -> Section:
        if name not in self.profiles and name not in self.credentials:
            raise ConfigError(f"profile '{name}' not found in {display_path(self.config_path)}")
        return self.profiles.get(name, {})

    def resolve_session(self, *, profile: str | None = None, sso_session: str | None = None) -> SsoSession:
        if sso_session is not None:
            return self._named_session(sso_session)
        name = profile or default_profile()
        values = self.profile(name)
        if "sso_session" in values:
            return self._named_session(values["sso_session"], referenced_by=name)
        if "sso_start_url" in values:
            return SsoSession(start_url=values["sso_start_url"], region=self._need(values, "sso_region", name))
        raise ConfigError(
            f"profile '{name}' in {display_path(self.config_path)} has no sso_session or sso_start_url; "
            "add one, or pass --sso-session"
        )

    def resolve_target(self, profile: str | None = None) -> RoleTarget:
        name = profile or default_profile()
        values = self.profile(name)
        session = self.resolve_session(profile=name)
        return RoleTarget(
            session, self._need(values, "sso_account_id", name), self._need(values, "sso_role_name", name)
        )

    def _named_session(self, name: str, referenced_by: str | None = None) -> SsoSession:
        values = self.sso_sessions.get(name)
        if values is None:
            via = f" (used by profile '{referenced_by}')" if referenced_by else ""
            raise ConfigError(
                f"no [sso-session {name}] section in {display_path(self.config_path)}{via}; "
                "add it with sso_start_url and sso_region"
            )
        where = f"sso-session '{name}'"
        scopes = tuple(s.strip() for s in values.get("sso_registration_scopes", "").split(",") if s.strip())
        return SsoSession(
            start_url=self._need(values, "sso_start_url", where, is_profile=False),
            region=self._need(values, "sso_region", where, is_profile=False),
            name=name,
            scopes=scopes or DEFAULT_SCOPES,
        )

    def _need(self, values: Section, key: str, owner: str, *, is_profile: bool = True) -> str:
        value = values.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        owner_text = f"profile '{owner}'" if is_profile else owner
        raise ConfigError(f"{owner_text} in {display_path(self.config_path)} is missing '{key}'; add it")


def default_profile() -> str:
    return os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE") or "default"


def load(config_path: str | None = None, credentials_path: str | None = None) -> AwsConfig:
    config_path = config_path or paths.aws_config_file()
    credentials_path = credentials_path or paths.aws_credentials_file()
    profiles: dict[str, Section] = {}
    sessions: dict[str, Section] = {}
    for header, values in read_sections(config_path).items():
        kind = section_kind(header)
        if kind and kind[0] == "profile":
            profiles[kind[1]] = values
        elif kind and kind[0] == "sso-session":
            sessions[kind[1]] = values
    credentials = read_sections(credentials_path)
    return AwsConfig(config_path, credentials_path, profiles, sessions, credentials)

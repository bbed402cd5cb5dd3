"""The AWS config model: profiles and SSO sessions from ~/.aws/config and ~/.aws/credentials."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ssohelper import paths
from ssohelper.errors import ConfigError, UsageError
from ssohelper.ini.read import Section, display_path, read_sections, section_kind
from ssohelper.models import DEFAULT_SCOPES, RoleTarget, SsoSession


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

    def native_profiles(self, session: SsoSession) -> list[str]:
        """Profiles that use ``session`` through the SDKs' own SSO support (and so read, refresh
        and cache with its token file): ``sso_session = NAME``, or for a legacy session a profile
        with its ``sso_start_url`` and no ``sso_session``."""
        if session.name is not None:
            return [name for name, values in self.profiles.items() if _text(values, "sso_session") == session.name]
        return [
            name
            for name, values in self.profiles.items()
            if "sso_session" not in values and _text(values, "sso_start_url") == session.start_url
        ]

    def sessions(self) -> list[SsoSession]:
        """Every distinct SSO session the config mentions: sso-sessions and legacy start URLs."""
        found: dict[str, SsoSession] = {}
        for name in self.sso_sessions:
            try:
                session = self.resolve_session(sso_session=name)
            except ConfigError:
                continue
            found[session.token_key_input] = session
        for name, values in self.profiles.items():
            if "sso_start_url" in values and "sso_session" not in values:
                try:
                    session = self.resolve_session(profile=name)
                except ConfigError:
                    continue
                found.setdefault(session.token_key_input, session)
        return list(found.values())

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


def _text(values: Section, key: str) -> str | None:
    value = values.get(key)
    return value.strip() if isinstance(value, str) else None


def resolve_session(
    profile: str | None, sso_session: str | None, start_url: str | None = None, sso_region: str | None = None
) -> SsoSession:
    """The SSO session a command means: an explicit URL, a named session or profile, else the only one."""
    if start_url or sso_region:
        if not (start_url and sso_region):
            raise UsageError("--start-url and --sso-region go together")
        return SsoSession(start_url=start_url, region=sso_region)
    config = load()
    if profile is None and sso_session is None and "AWS_PROFILE" not in os.environ:
        if len(config.sso_sessions) == 1:
            return config.resolve_session(sso_session=next(iter(config.sso_sessions)))
        if "default" not in config.profiles and config.sso_sessions:
            names = ", ".join(sorted(config.sso_sessions))
            raise ConfigError(f"say which session to use: --sso-session NAME (one of: {names})")
        if "default" not in config.profiles:
            raise ConfigError(
                f"no SSO session in {display_path(config.config_path)}: add an [sso-session NAME] "
                "section, or pass --start-url URL --sso-region REGION"
            )
    return config.resolve_session(profile=profile, sso_session=sso_session)


def default_profile() -> str:
    return os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE") or "default"


def load(config_path: str | None = None, credentials_path: str | None = None) -> AwsConfig:
    config_path = config_path or paths.aws_config_file()
    credentials_path = credentials_path or paths.aws_credentials_file()
    return from_sections(config_path, read_sections(config_path), credentials_path, read_sections(credentials_path))


def from_sections(
    config_path: str, config: dict[str, Section], credentials_path: str, credentials: dict[str, Section]
) -> AwsConfig:
    profiles: dict[str, Section] = {}
    sessions: dict[str, Section] = {}
    for header, values in config.items():
        kind = section_kind(header)
        if kind and kind[0] == "profile":
            profiles[kind[1]] = values
        elif kind and kind[0] == "sso-session":
            sessions[kind[1]] = values
    return AwsConfig(config_path, credentials_path, profiles, sessions, credentials)

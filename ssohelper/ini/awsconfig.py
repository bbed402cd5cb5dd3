"""The AWS config model: profiles and SSO sessions from ~/.aws/config and ~/.aws/credentials."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from ssohelper import paths
from ssohelper.errors import ConfigError, UsageError
from ssohelper.ini import profiles
from ssohelper.ini.profiles import RoleRef
from ssohelper.ini.read import Section, display_path, read_sections
from ssohelper.kinds import Profile, registry
from ssohelper.kinds.legacysso import LEGACY_SSO
from ssohelper.models import DEFAULT_SCOPES, RoleTarget, SsoSession


@dataclass(frozen=True)
class AwsConfig:
    config_path: str
    credentials_path: str
    profiles: dict[str, Section]
    sso_sessions: dict[str, Section]
    credentials: dict[str, Section]
    sections: dict[str, Section] = field(default_factory=dict)  # the config file's, by raw header

    def profile(self, name: str) -> Section:
        if name not in self.profiles and name not in self.credentials:
            raise profiles.missing_profile(name, {*self.profiles, *self.credentials}, self.config_path)
        return self.profiles.get(name, {})

    def resolve_session(self, *, profile: str | None = None, sso_session: str | None = None) -> SsoSession:
        if sso_session is not None:
            return self._session(profiles.session_values(sso_session, self.sso_sessions, self.config_path))
        name = profile or default_profile()
        session = self._session(self._target(name, role_needed=False))
        port = _redirect_port(self.profiles.get(name, {}), f"profile '{name}'", self.config_path)
        return session if port is None else dataclasses.replace(session, redirect_port=port)

    def resolve_target(self, profile: str | None = None) -> RoleTarget:
        """The role a profile names: natively (sso_* keys), or through ``ssohelper credential-process``."""
        found = self._target(profile or default_profile(), role_needed=True)
        return RoleTarget(self._session(found), found.account_id, found.role_name)

    def native_profiles(self, session: SsoSession) -> list[str]:
        """Profiles that use ``session`` through the SDKs' own SSO support (and so read, refresh
        and cache with its token file): ``sso_session = NAME``, or for a legacy session a profile
        with its ``sso_start_url`` and no ``sso_session``."""
        if session.name is not None:
            return [name for name, values in self.profiles.items() if _text(values, "sso_session") == session.name]
        return [
            name
            for name, values in self.profiles.items()
            if LEGACY_SSO.recognises(Profile(name, values)) and _text(values, "sso_start_url") == session.start_url
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
            if LEGACY_SSO.recognises(Profile(name, values)):
                try:
                    session = self.resolve_session(profile=name)
                except ConfigError:
                    continue
                found.setdefault(session.token_key_input, session)
        return list(found.values())

    def view(self, name: str) -> Profile:
        """The profile as botocore's providers see it: its keys in both files."""
        return Profile(name, self.profiles.get(name), self.credentials.get(name))

    def kinds(self, only: str | None = None) -> list[registry.ProfileKind]:
        """How botocore resolves each profile (or ``only`` that one), in the files' order."""
        names = [only] if only is not None else list({**self.profiles, **self.credentials})
        return [registry.describe(self.view(name)) for name in names]

    def _target(self, name: str, *, role_needed: bool) -> RoleRef:
        if name not in self.profiles:  # only in the credentials file (else "not found"): no SSO there
            return profiles.profile_session(name, self.profile(name), self.sso_sessions, self.config_path)
        return profiles.from_profile(name, self.sections, self.config_path, role_needed=role_needed)

    def _session(self, found: RoleRef) -> SsoSession:
        if found.session_name is None:
            return SsoSession(start_url=found.start_url, region=found.region)
        values = self.sso_sessions.get(found.session_name, {})
        scopes = tuple(s.strip() for s in values.get("sso_registration_scopes", "").split(",") if s.strip())
        where = f"sso-session '{found.session_name}'"
        return SsoSession(
            found.start_url,
            found.region,
            name=found.session_name,
            scopes=scopes or DEFAULT_SCOPES,
            redirect_port=_redirect_port(values, where, self.config_path),
        )


def _redirect_port(values: Section, owner: str, config_path: str) -> int | None:
    raw = values.get("sso_redirect_port")
    if not isinstance(raw, str) or not raw.strip():
        return None
    if not raw.strip().isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError(
            f"{owner} in {display_path(config_path)}: sso_redirect_port must be a port number (1-65535), not {raw!r}"
        )
    return int(raw)


def _text(values: Section, key: str) -> str | None:
    value = values.get(key)
    return value.strip() if isinstance(value, str) else None


def resolve_session(
    profile: str | None,
    sso_session: str | None,
    start_url: str | None = None,
    sso_region: str | None = None,
    *,
    note: Callable[[str], None] | None = None,
) -> SsoSession:
    """The SSO session a command means: an explicit URL, a named session or profile, else the only one.

    An AWS_PROFILE that uses no SSO (static keys, mid-migration) stands aside for the only
    session, and ``note`` is told so."""
    given = [
        name
        for name, value in (("--profile", profile), ("--sso-session", sso_session), ("--start-url", start_url))
        if value
    ]
    if len(given) > 1:
        raise UsageError(f"give one of --profile, --sso-session or --start-url, not {' and '.join(given)}")
    if start_url or sso_region:
        if not (start_url and sso_region):
            raise UsageError("--start-url and --sso-region go together")
        return SsoSession(start_url=start_url, region=sso_region)
    config = load()
    ambient = os.environ.get("AWS_PROFILE")
    lone = len(config.sso_sessions) == 1
    if profile is None and ambient and ambient not in config.profiles and ambient not in config.credentials:
        known = {*config.profiles, *config.credentials}  # botocore refuses to make a client then
        raise ConfigError(
            f"AWS_PROFILE={ambient} names no profile in {display_path(config.config_path)}"
            f"{profiles.did_you_mean(ambient, known)}; set it to one that exists, or unset it"
        )
    if profile is None and sso_session is None and ambient and lone and not _uses_sso(config, ambient):
        only = next(iter(config.sso_sessions))
        if note is not None:
            note(f"AWS_PROFILE={ambient} uses no SSO; using the only sso-session, '{only}'")
        return config.resolve_session(sso_session=only)
    if profile is None and sso_session is None and "AWS_PROFILE" not in os.environ:
        if len(config.sso_sessions) == 1:
            return config.resolve_session(sso_session=next(iter(config.sso_sessions)))
        if "default" not in config.profiles and config.sso_sessions:
            names = ", ".join(sorted(config.sso_sessions))
            raise UsageError(f"say which session to use: --sso-session NAME (one of: {names})")
        if "default" not in config.profiles:
            raise ConfigError(
                f"no SSO session in {display_path(config.config_path)}; create one with: "
                "ssohelper configure --sso-session NAME --start-url URL --sso-region REGION"
            )
    return config.resolve_session(profile=profile, sso_session=sso_session)


def _uses_sso(config: AwsConfig, name: str) -> bool:
    """Whether a profile names an SSO session (natively or through ssohelper's credential_process)."""
    values = config.profiles.get(name)
    return values is not None and registry.sso_kind(Profile(name, values)) is not None


def default_profile() -> str:
    return os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE") or "default"


def load(config_path: str | None = None, credentials_path: str | None = None) -> AwsConfig:
    config_path = config_path or paths.aws_config_file()
    credentials_path = credentials_path or paths.aws_credentials_file()
    return from_sections(config_path, read_sections(config_path), credentials_path, read_sections(credentials_path))


def load_sso(config_path: str | None = None, credentials_path: str | None = None) -> AwsConfig:
    """The config as far as sign-in and secrets placement read it: every section but the profiles
    whole, the profiles with their ``sso_*`` keys only (20,000 profiles whole weigh 40 MiB)."""
    config_path = config_path or paths.aws_config_file()
    credentials_path = credentials_path or paths.aws_credentials_file()
    config = read_sections(config_path, keep=_sso_keys)
    return from_sections(config_path, config, credentials_path, read_sections(credentials_path, keep=_no_keys))


def _sso_keys(header: str, key: str) -> bool:
    return key.startswith("sso_") or not (header == "default" or header.startswith("profile"))


def _no_keys(header: str, key: str) -> bool:
    return False


def from_sections(
    config_path: str, config: dict[str, Section], credentials_path: str, credentials: dict[str, Section]
) -> AwsConfig:
    by_name, sessions = profiles.split_sections(config)
    return AwsConfig(config_path, credentials_path, by_name, sessions, credentials, config)

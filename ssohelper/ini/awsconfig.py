"""The AWS config model: profiles and SSO sessions from ~/.aws/config and ~/.aws/credentials."""

from __future__ import annotations

import dataclasses
import os
import shlex
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
            session = self._named_session(values["sso_session"], referenced_by=name)
            port = _redirect_port(values, f"profile '{name}'", self.config_path)
            return session if port is None else dataclasses.replace(session, redirect_port=port)
        if "sso_start_url" in values:
            return SsoSession(
                start_url=values["sso_start_url"],
                region=self._need(values, "sso_region", name),
                redirect_port=_redirect_port(values, f"profile '{name}'", self.config_path),
            )
        options = self._process_options(values)
        if options is not None:
            return self._process_session(name, options)
        raise ConfigError(
            f"profile '{name}' in {display_path(self.config_path)} has no sso_session or sso_start_url, and "
            "no credential_process that runs ssohelper; add one, or pass --sso-session"
        )

    def resolve_target(self, profile: str | None = None) -> RoleTarget:
        name = profile or default_profile()
        values = self.profile(name)
        session = self.resolve_session(profile=name)
        options = self._process_options(values)
        if options is not None:
            nested = options.get("--profile")
            if nested and self._process_options(self.profiles.get(nested, {})) is None:
                return self.resolve_target(nested)
            if not (options.get("--account-id") and options.get("--role-name")):
                raise ConfigError(
                    f"profile '{name}' in {display_path(self.config_path)}: its credential_process runs "
                    "ssohelper without --account-id and --role-name; add them"
                )
            return RoleTarget(session, options["--account-id"], options["--role-name"])
        return RoleTarget(
            session, self._need(values, "sso_account_id", name), self._need(values, "sso_role_name", name)
        )

    def _process_options(self, values: Section) -> dict[str, str] | None:
        """A credential_process that runs ssohelper, when botocore would use it (no SSO keys first)."""
        if "sso_session" in values or "sso_start_url" in values or not values.get("credential_process"):
            return None
        return ssohelper_process_options(values["credential_process"])

    def _process_session(self, name: str, options: dict[str, str]) -> SsoSession:
        if "--sso-session" in options:
            return self._named_session(options["--sso-session"], referenced_by=name)
        if "--start-url" in options and "--sso-region" in options:
            return SsoSession(start_url=options["--start-url"], region=options["--sso-region"])
        nested = options.get("--profile")
        if nested and self._process_options(self.profiles.get(nested, {})) is None:
            return self.resolve_session(profile=nested)  # one level only: no loops
        raise ConfigError(
            f"profile '{name}' in {display_path(self.config_path)}: its credential_process runs ssohelper "
            "without --sso-session, --start-url with --sso-region, or --profile; add one"
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
            redirect_port=_redirect_port(values, where, self.config_path),
        )

    def _need(self, values: Section, key: str, owner: str, *, is_profile: bool = True) -> str:
        value = values.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        owner_text = f"profile '{owner}'" if is_profile else owner
        raise ConfigError(f"{owner_text} in {display_path(self.config_path)} is missing '{key}'; add it")


def _redirect_port(values: Section, owner: str, config_path: str) -> int | None:
    raw = values.get("sso_redirect_port")
    if not isinstance(raw, str) or not raw.strip():
        return None
    if not raw.strip().isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError(
            f"{owner} in {display_path(config_path)}: sso_redirect_port must be a port number (1-65535), not {raw!r}"
        )
    return int(raw)


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


_PROCESS_OPTIONS = ("--profile", "--sso-session", "--start-url", "--sso-region", "--account-id", "--role-name")


def ssohelper_process_options(command: str) -> dict[str, str] | None:
    """The target options of a credential_process line that runs ``ssohelper credential-process``.

    None when the line runs another program. The line is split shell-style, as botocore does.
    ``{"--sso-session": "corp", "--account-id": "111111111111", "--role-name": "Dev"}``
    """
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if "credential-process" not in words:
        return None
    at = words.index("credential-process")
    program = words[:at]
    runs_ssohelper = bool(program) and (
        os.path.basename(program[-1]).lower() in ("ssohelper", "ssohelper.exe") or program[-2:] == ["-m", "ssohelper"]
    )
    if not runs_ssohelper:
        return None
    options: dict[str, str] = {}
    args = iter(words[at + 1 :])
    for arg in args:
        key, eq, value = arg.partition("=")
        if key in _PROCESS_OPTIONS:
            options[key] = value if eq else next(args, "")
    return options


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

"""An ``[sso-session NAME]`` asked for by name, start URL and region: the one in the config, or
one to add. A name that the config already holds with another URL or region is refused."""

from __future__ import annotations

import re
import shlex
from urllib.parse import urlsplit

from ssohelper import paths
from ssohelper.errors import ConfigError, UsageError
from ssohelper.ini import awsconfig
from ssohelper.ini.editor import parse_bytes
from ssohelper.ini.read import display_path
from ssohelper.journal import backups
from ssohelper.journal.backups import FileChange
from ssohelper.migration.rewrite import session_section
from ssohelper.models import SsoSession


def requested(
    name: str, start_url: str | None, region: str | None, *, config: awsconfig.AwsConfig | None = None
) -> SsoSession:
    """The session ``name``: as the config has it (the URL and region, when given, must match),
    else a new one from the URL and region (``in_config`` False), else a ConfigError that says
    how to create it."""
    start_url, region = checked_url(start_url), checked_region(region)
    config = config or awsconfig.load()
    if name in config.sso_sessions:
        session = config.resolve_session(sso_session=name)
        refuse_conflict(session, start_url, region, config.config_path)
        return session
    checked_name(name, "session")
    if bool(start_url) != bool(region):
        raise UsageError("--start-url and --sso-region go together")
    if not (start_url and region):
        from ssohelper.ini.profiles import did_you_mean

        raise ConfigError(
            f"no [sso-session {name}] in {display_path(config.config_path)}{did_you_mean(name, config.sso_sessions)}; "
            f"create it with: ssohelper configure --sso-session {shlex.quote(name)} --start-url URL --sso-region REGION"
        )
    _refuse_second_session(name, start_url, config)
    return SsoSession(start_url=start_url, region=region, name=name, in_config=False)


def _refuse_second_session(name: str, start_url: str, config: awsconfig.AwsConfig) -> None:
    """A new session for a start URL that a session of the config already signs in to: a typo of
    its name, most likely; two sessions would be two sign-ins to one instance."""
    for other, values in sorted(config.sso_sessions.items()):
        if str(values.get("sso_start_url", "")).strip().rstrip("/") == start_url.rstrip("/"):
            raise ConfigError(
                f"[sso-session {other}] in {display_path(config.config_path)} already signs in to {start_url}; "
                f"nothing was changed: use --sso-session {shlex.quote(other)}"
            )


REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
# What every reader takes back from `[sso-session NAME]`, `[profile NAME]` and `sso_session = NAME`:
# botocore and the AWS CLI split a header shell-style (`[sso-session my corp]` is three words and
# dropped), and the JS SDK's header pattern takes only these characters.
NAME = re.compile(r"[A-Za-z0-9_.@+%:/-]+")


def checked_name(name: str | None, kind: str) -> str:
    """A session or profile name to write into ~/.aws/config, as given; a UsageError (nothing
    written) when botocore, the AWS CLI or the JS SDK could not read it back."""
    text = name or ""
    if not NAME.fullmatch(text):
        raise UsageError(
            f"{kind} name {text!r} can't be used: botocore, the AWS CLI and the JS SDK read back only "
            "letters, digits and _ . @ + % : / - in a section name (no spaces or quotes)"
        )
    return text


def checked_url(start_url: str | None) -> str | None:
    """A start URL as given, without surrounding blanks; a UsageError unless it is an https:// URL."""
    url = (start_url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise UsageError(f"start URL {url!r} is not an https:// URL (one looks like https://corp.awsapps.com/start)")
    return url


def checked_region(region: str | None) -> str | None:
    """A region as given, without surrounding blanks; a UsageError unless it looks like one."""
    name = (region or "").strip()
    if not name:
        return None
    if not REGION.fullmatch(name):
        raise UsageError(f"region {name!r} is not an AWS region name (such as us-east-1 or eu-west-1)")
    return name


def refuse_conflict(session: SsoSession, start_url: str | None, region: str | None, config_path: str) -> None:
    """A session of that name with another URL or region: name both, change nothing."""
    differ = []
    if start_url and start_url != session.start_url:
        differ.append(f"sso_start_url {session.start_url} (you gave {start_url})")
    if region and region != session.region:
        differ.append(f"sso_region {session.region} (you gave {region})")
    if differ:
        raise ConfigError(
            f"[sso-session {session.name}] in {display_path(config_path)} already has {' and '.join(differ)}; "
            "nothing was changed: pick another --sso-session name, or edit that section"
        )


def session_change(session: SsoSession) -> FileChange | None:
    """The config file with ``session``'s section added; None when it is there already."""
    path = paths.aws_config_file()
    before = backups.snapshot(path)
    document = parse_bytes(before or b"", path)
    header = f"sso-session {session.name}"
    if session.name is None or document.has_section(header):
        return None
    document.add_sections([session_section(session.name, session.start_url, session.region)])
    return FileChange(path, before, document.render().encode("utf-8"))


def unique_session(config: awsconfig.AwsConfig) -> str:
    """The name of the config's only sso-session, for commands that need one and were given none."""
    names = sorted(config.sso_sessions)
    if len(names) == 1:
        return names[0]
    if names:
        raise UsageError(f"say which session to use: --sso-session NAME (one of: {', '.join(names)})")
    raise UsageError(
        f"no [sso-session] in {display_path(config.config_path)}; create one with: "
        "ssohelper configure --sso-session NAME --start-url URL --sso-region REGION"
    )

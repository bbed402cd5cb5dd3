"""The way in (``configure``): one ``[sso-session]``, then a single profile when asked for one.

Migrating static-key profiles and writing a profile per role are migrate's and populate's
plans; this module adds what neither has: the session alone, and one chosen profile.
"""

from __future__ import annotations

from ssohelper import paths
from ssohelper.errors import UsageError
from ssohelper.ini.editor import parse_bytes
from ssohelper.journal import backups
from ssohelper.journal.backups import FileChange
from ssohelper.migration import sessions
from ssohelper.migration.rewrite import rewrite_config, survey
from ssohelper.models import AccountRole, SsoSession


def session_change(session: SsoSession) -> FileChange | None:
    """The config with the session's section added; None when it is there already."""
    return sessions.session_change(session)


def profile_change(
    session: SsoSession, profile: str, target: AccountRole, *, style: str, command: str
) -> FileChange | None:
    """The config with ``profile`` using ``target`` through ``session`` (its section added when
    new); None when the file already says so."""
    if session.name is None:
        raise UsageError("a profile needs a named --sso-session")
    path = paths.aws_config_file()
    before = backups.snapshot(path)
    new_session = None if session.in_config else (session.start_url, session.region)
    after = rewrite_config(
        parse_bytes(before or b"", path),
        {profile: target},
        sso_session=session.name,
        style=style,
        command=command,
        new_session=new_session,
    ).encode("utf-8")
    return None if after == (before or b"") else FileChange(path, before, after)


def static_profiles() -> list[str]:
    """The names of the profiles that still get static keys (what --migrate would move)."""
    config_path, credentials_path = paths.aws_config_file(), paths.aws_credentials_file()
    config = parse_bytes(backups.snapshot(config_path) or b"", config_path)
    credentials = parse_bytes(backups.snapshot(credentials_path) or b"", credentials_path)
    return [profile.name for profile in survey(config, credentials).static]

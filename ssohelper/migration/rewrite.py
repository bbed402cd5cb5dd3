"""Planning a migration: find static-key profiles and rewrite them to SSO, losslessly.

Pure functions over parsed documents (ssohelper.ini.editor): nothing here reads or writes files
or calls AWS. Each profile's section is edited on its own and spliced back in one pass, so
a config with thousands of profiles is rewritten in linear time.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ssohelper.errors import ConfigError, UsageError
from ssohelper.ini.editor import IniFile, parse_ini
from ssohelper.ini.read import section_kind
from ssohelper.kinds import Profile, registry
from ssohelper.kinds.static import STATIC_KEYS
from ssohelper.models import AccountRole
from ssohelper.settings import DEFAULT_SCOPE


@dataclass(frozen=True)
class StaticProfile:
    name: str
    access_key_id: str | None
    secret_access_key: str | None = field(repr=False)
    session_token: str | None = field(repr=False)
    in_config: bool
    in_credentials: bool
    region: str | None
    dependents: tuple[str, ...] = ()


@dataclass(frozen=True)
class Survey:
    static: list[StaticProfile]
    skipped: list[tuple[str, str]]


def config_profiles(config: IniFile) -> dict[str, str]:
    """Profile name -> its section header in the config file."""
    found = {}
    for header in config.section_names():
        kind = section_kind(header)
        if kind and kind[0] == "profile":
            found[kind[1]] = header  # botocore keeps the last of duplicates
    return found


def survey(config: IniFile, credentials: IniFile, only: Sequence[str] = (), mapped: Sequence[str] = ()) -> Survey:
    """Every profile that gets static keys, and why the other candidates are left alone.

    A profile named in ``only`` or ``mapped`` (--map) that exists in neither file is an error."""
    headers = config_profiles(config)
    names = list(headers) + [n for n in credentials.section_names() if n not in headers]
    known = set(names)
    missing = [n for n in only if n not in known]
    if missing:
        raise ConfigError(f"no profile named {', '.join(repr(n) for n in missing)} in the config or credentials file")
    unknown = [n for n in mapped if n not in known]
    if unknown:
        raise UsageError(
            f"--map names {', '.join(repr(n) for n in unknown)}: no such profile in the config or credentials file"
        )
    dependents: dict[str, list[str]] = {}
    for name, profile_header in headers.items():
        source = config.get(profile_header, "source_profile")
        if source:
            dependents.setdefault(source, []).append(name)
    static, skipped = [], []
    for name in names:
        if only and name not in only:
            continue
        header = headers.get(name)
        value = _reader(config, header, credentials, name)
        reason = registry.left_alone(Profile(name, SectionKeys(config, header), SectionKeys(credentials, name)))
        if reason is None and not value("aws_access_key_id"):
            reason = "has no static keys"
        if reason is None and header is None and new_header(name) is None:
            reason = "its name cannot be written as a config section botocore reads; rename it"
        if reason is not None:
            if only or value("aws_access_key_id"):
                skipped.append((name, reason))
            continue
        static.append(
            StaticProfile(
                name=name,
                access_key_id=value("aws_access_key_id"),
                secret_access_key=value("aws_secret_access_key"),
                session_token=value("aws_session_token") or value("aws_security_token"),
                in_config=bool(header and config.get(header, "aws_access_key_id")),
                in_credentials=bool(credentials.has_section(name) and credentials.get(name, "aws_access_key_id")),
                region=config.get(header, "region") if header else None,
                dependents=tuple(dependents.get(name, ())),
            )
        )
    return Survey(static, skipped)


class SectionKeys:
    """One section of a lossless document, as the kinds read a profile's keys (the kinds ask
    for about a dozen keys a profile lacks: its few keys are listed once)."""

    __slots__ = ("doc", "header", "present")

    def __init__(self, doc: IniFile, header: str | None) -> None:
        self.doc, self.header = doc, header
        self.present = doc.keys(header) if header is not None else []

    def get(self, key: str) -> str | None:
        return self.doc.get(self.header, key) if key in self.present and self.header is not None else None

    def keys(self) -> list[str]:
        return self.present


def _reader(config: IniFile, header: str | None, credentials: IniFile, name: str):  # type: ignore[no-untyped-def]
    """Look a key up as botocore does: the credentials file first, then the config file."""

    def value(key: str) -> str | None:
        if credentials.has_section(name) and credentials.get(name, key):
            return credentials.get(name, key)
        return config.get(header, key) if header else None

    return value


def edit_section(doc: IniFile, header: str, drop: Sequence[str], items: Sequence[tuple[str, str]]) -> str | None:
    """The section's new text with ``drop`` keys gone and ``items`` set, or None when that
    changes zero bytes (a value already set is not rewritten)."""
    original = doc.section_text(header)
    section = parse_ini(original, doc.path)
    section.newline = doc.newline
    for key in drop:
        while section.remove(header, key):
            pass
    for key, value in items:
        if section.get(header, key) != value:
            section.set(header, key, value)
    text = section.render()
    return None if text == original else text


def new_header(name: str) -> str | None:
    """The config header for a new profile section, or None if botocore could not read it back."""
    if name == "default":
        return "default"
    header = f"profile {shlex.quote(name)}" if name != shlex.quote(name) else f"profile {name}"
    return header if section_kind(header) == ("profile", name) else None


def session_section(sso_session: str, start_url: str, region: str) -> tuple[str, list[tuple[str, str]]]:
    """A new ``[sso-session NAME]`` section, as migrate and populate create it."""
    items = [("sso_start_url", start_url), ("sso_region", region), ("sso_registration_scopes", DEFAULT_SCOPE)]
    return f"sso-session {sso_session}", items


def rewrite_config(
    config: IniFile,
    targets: Mapping[str, AccountRole],
    *,
    sso_session: str,
    style: str = "process",
    command: str = "ssohelper",
    new_session: tuple[str, str] | None = None,
) -> str:
    """Edit ``config`` in place (one file at a time keeps big files' memory down); its new text.

    For roles-anywhere, ``command`` is the whole credential_process line."""
    kind = registry.by_style(style)
    headers = config_profiles(config)
    drop_from_config = STATIC_KEYS + kind.replaces
    config_edits = {}
    added: list[tuple[str, list[tuple[str, str]]]] = []
    session_header = f"sso-session {sso_session}"
    if new_session and targets and not config.has_section(session_header):
        added.append(session_section(sso_session, *new_session))
    for name, target in targets.items():
        items = kind.items(command, sso_session, target)
        if name in headers:
            text = edit_section(config, headers[name], drop_from_config, items)
            if text is not None:
                config_edits[headers[name]] = text
        else:
            header = new_header(name)
            if header is None:
                raise ConfigError(f"profile name {name!r} cannot be written as a config section")
            added.append((header, items))
    config.replace_sections(config_edits)
    config.add_sections(added)
    return config.render()


def rewrite_credentials(credentials: IniFile, targets: Mapping[str, AccountRole]) -> str:
    """Edit ``credentials`` in place: the static keys of ``targets``' profiles go; its new text."""
    edits = {
        name: edit_section(credentials, name, STATIC_KEYS, []) for name in targets if credentials.has_section(name)
    }
    credentials.replace_sections({name: text for name, text in edits.items() if text is not None})
    return credentials.render()

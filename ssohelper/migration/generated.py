"""Generated profiles (`populate`): their marker, their names, and the config text with them in it.

Generated profiles carry the key ``ssohelper_generated = populate`` (botocore and the SDKs ignore
keys they don't know, and it survives every lossless edit). Only profiles with that key are ever
updated or pruned; any other profile of the same name is left alone and the entry is skipped.

Names: in each value filled into the template, and then in the whole name, every run of
characters other than ASCII letters, digits, ``.``, ``_`` and ``-`` becomes one ``-``, trimmed
from the ends ("My Prod!" + ".ReadOnly" -> "My-Prod.ReadOnly"). When several
accounts/roles get the same name, all of them get ``-ACCOUNT_ID`` appended, and if that is still
not unique, ``-ROLE_NAME`` as well. The rule depends only on the listing, never on order.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ssohelper.errors import UsageError
from ssohelper.ini.editor import IniFile, parse_ini
from ssohelper.kinds import Profile, registry
from ssohelper.migration.rewrite import SectionKeys, config_profiles, edit_section, new_header, session_section
from ssohelper.models import AccountRole

MARKER = ("ssohelper_generated", "populate")
DEFAULT_TEMPLATE = "{account_name}.{role_name}"
_FIELDS = ("account_id", "account_name", "role_name", "sso_session")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Settings:
    sso_session: str
    template: str = DEFAULT_TEMPLATE
    style: str = "process"
    region: str = ""
    prune: bool = False
    command: str = "ssohelper"
    new_session: tuple[str, str] | None = None  # (start URL, region) of an [sso-session] to add


@dataclass
class Outcome:
    text: str  # the config file's new text
    actions: list[tuple[str, AccountRole | None, str]] = field(default_factory=list)  # (profile, access, action)
    notes: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for _, _, done in self.actions if done == action)


def check_template(template: str) -> None:
    sample = dict.fromkeys(_FIELDS, "x")
    try:
        template.format(**sample)
    except (KeyError, IndexError, ValueError) as exc:
        fields = ", ".join("{" + name + "}" for name in _FIELDS)
        raise UsageError(f"--template {template!r} is not usable ({exc}); it can use {fields}") from None


def safe_name(raw: str) -> str:
    return _UNSAFE.sub("-", raw).strip("-")


def profile_names(access: Sequence[AccountRole], template: str, sso_session: str) -> dict[str, AccountRole]:
    """profile name -> access, with the collision rule applied (see the module docstring)."""
    check_template(template)
    names: dict[AccountRole, str] = {}
    for item in access:
        values = (item.account_id, item.account_name, item.role_name, sso_session)
        raw = template.format(**{key: safe_name(value) for key, value in zip(_FIELDS, values, strict=True)})
        names[item] = safe_name(raw) or f"{item.account_id}.{safe_name(item.role_name)}"
    for suffix in (lambda a: a.account_id, lambda a: safe_name(a.role_name)):
        for clashing in _clashes(names):
            for item in clashing:
                names[item] = f"{names[item]}-{suffix(item)}"
    result: dict[str, AccountRole] = {}
    for item, name in names.items():
        result.setdefault(name, item)  # a clash left after both suffixes: the first in sort order
    return result


def _clashes(names: dict[AccountRole, str]) -> list[list[AccountRole]]:
    groups: dict[str, list[AccountRole]] = defaultdict(list)
    for item, name in names.items():
        groups[name].append(item)
    return [group for group in groups.values() if len(group) > 1]


def generated_target(doc: IniFile, header: str) -> tuple[str, AccountRole] | None:
    """(sso-session, target) of a profile populate generated; None for any other profile."""
    if doc.get(header, MARKER[0]) != MARKER[1]:
        return None
    profile = Profile(header, SectionKeys(doc, header))
    for kind in registry.writers("populate"):
        found = kind.written_target(profile)
        if found is not None:
            return found[0], AccountRole(found[1], found[2])
    return None


def plan(
    config: IniFile, credential_names: Iterable[str], access: Sequence[AccountRole], settings: Settings
) -> Outcome:
    """The config file's new text, and what happens to each profile. Pure: no I/O."""
    kind = registry.by_style(settings.style)
    doc = parse_ini(config.render(), config.path)
    headers, taken = config_profiles(doc), set(credential_names)
    wanted = profile_names(access, settings.template, settings.sso_session)
    outcome = Outcome("")
    edits: dict[str, str] = {}
    added: list[tuple[str, list[tuple[str, str]]]] = []
    if settings.new_session and not doc.has_section(f"sso-session {settings.sso_session}"):
        added.append(session_section(settings.sso_session, *settings.new_session))
    for name, item in wanted.items():
        items = _items(settings, item)
        header = headers.get(name)
        if header is not None and generated_target(doc, header) is not None:
            text = edit_section(doc, header, kind.replaces, items)
            if text is None:
                outcome.actions.append((name, item, "unchanged"))
            else:
                edits[header] = text
                outcome.actions.append((name, item, "update"))
        elif header is not None or name in taken:
            outcome.notes.append(f"{name}: skipped: a profile of that name that populate did not write exists")
        elif new_header(name) is None:
            outcome.notes.append(f"{name}: skipped: botocore cannot read that name back; change --template")
        else:
            added.append((new_header(name) or name, items))
            outcome.actions.append((name, item, "create"))
    doc.replace_sections(edits)
    doc.add_sections(added)
    _prune(doc, headers, set(wanted), {(a.account_id, a.role_name) for a in access}, settings, outcome)
    outcome.text = doc.render()
    return outcome


def _items(settings: Settings, item: AccountRole) -> list[tuple[str, str]]:
    body = registry.by_style(settings.style).items(settings.command, settings.sso_session, item)
    return [MARKER, *body, ("region", settings.region)]


def _prune(
    doc: IniFile,
    headers: dict[str, str],
    wanted: set[str],
    access: set[tuple[str, str]],
    settings: Settings,
    outcome: Outcome,
) -> None:
    for name, header in headers.items():
        found = generated_target(doc, header) if name not in wanted else None
        if found is None or found[0] != settings.sso_session:
            continue
        target = found[1]
        if (target.account_id, target.role_name) in access:
            outcome.notes.append(f"{name}: kept: still gives access, but the template no longer names it so")
        elif settings.prune:
            doc.remove_section(header)
            outcome.actions.append((name, None, "remove"))
        else:
            outcome.notes.append(
                f"{name}: stale: {target.role_name} in {target.account_id} is gone; --prune removes it"
            )

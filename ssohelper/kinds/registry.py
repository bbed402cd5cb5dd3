"""The ordered list of profile kinds, and the questions everyone else asks of it.

Every module of ``ssohelper.kinds`` (this one aside) defines ``KINDS``; they are found here and
ordered by botocore's provider chain (``kinds.PROVIDERS``), a fallback last among its
provider's kinds. So a new kind is one module: it says which provider resolves it, and takes
its place. Nothing else in ssohelper switches on style words or recognises profiles by hand.

Light: a credential_process call whose config changed reads its profile through this list, so
no dataclasses (they import inspect), no pkgutil, no typing.
"""

from __future__ import annotations

import importlib
import os

from ssohelper import kinds
from ssohelper.kinds import PROVIDERS, Kind, Profile

DEFAULT_STYLE = "process"


def _modules() -> list[str]:
    """The kind modules: every module of the package but this one, by name."""
    names = {entry[:-3] for folder in kinds.__path__ for entry in os.listdir(folder) if entry.endswith(".py")}
    return sorted(names - {"__init__", "registry"})


def _discover() -> tuple[Kind, ...]:
    found: list[Kind] = []
    for name in _modules():
        found.extend(importlib.import_module(f"{kinds.__name__}.{name}").KINDS)
    unknown = [kind for kind in found if kind.provider not in PROVIDERS]
    if unknown:
        raise RuntimeError(f"kinds with a provider botocore does not have: {unknown}")
    return tuple(sorted(found, key=lambda kind: (PROVIDERS.index(kind.provider), kind.fallback)))


KINDS = _discover()
# The writable styles, the default first, then in the list's order.
STYLES = tuple(sorted((k.style for k in KINDS if k.style), key=lambda style: style != DEFAULT_STYLE))
_LEFT_ALONE = tuple(kind for kind in KINDS if kind.left_alone)
_NAMES_SSO_ROLE = tuple(kind for kind in KINDS if kind.names_sso_role)


def _may_be(kind: Kind, present: set[str]) -> bool:
    """A quick no: the profile lacks the key the kind needs (most kinds, for most profiles)."""
    return not kind.needs or kind.needs in present


def matching(profile: Profile) -> list[Kind]:
    """Every kind the profile has, in the order botocore tries them: the first one wins and
    shadows the rest. A fallback counts only when no other kind of its provider matched."""
    found: list[Kind] = []
    present = profile.keys()
    for kind in KINDS:
        if kind.fallback and any(other.provider == kind.provider for other in found):
            continue
        if _may_be(kind, present) and kind.recognises(profile):
            found.append(kind)
    return found


def kind_of(profile: Profile) -> Kind | None:
    """The kind that gives the profile its credentials; None when no kind does."""
    found = matching(profile)
    return found[0] if found else None


def sso_kind(profile: Profile) -> Kind | None:
    """The first kind, in the list's order, through which the profile names an SSO role
    (native, legacy, or ssohelper's credential_process); None when it names none."""
    present = profile.keys()
    return next((k for k in _NAMES_SSO_ROLE if _may_be(k, present) and k.recognises(profile)), None)


def left_alone(profile: Profile) -> str | None:
    """Why migrate-profiles must leave the profile alone: the first of its kinds that says so.
    (A fallback says what its provider's other kinds say, so it needs no special case here.)"""
    present = profile.keys()
    return next((k.left_alone for k in _LEFT_ALONE if _may_be(k, present) and k.recognises(profile)), None)


def by_style(style: str) -> Kind:
    """The kind a ``--style`` word writes."""
    for kind in KINDS:
        if kind.style == style:
            return kind
    raise ValueError(f"style must be one of {STYLES}")


def writers(command: str) -> tuple[Kind, ...]:
    """The kinds ``command`` writes, in the list's order."""
    return tuple(kind for kind in KINDS if command in kind.written_by)


def styles_for(command: str) -> tuple[str, ...]:
    """The ``--style`` words ``command`` writes, the default first."""
    return tuple(style for style in STYLES if command in by_style(style).written_by)


class ProfileKind:
    """How botocore resolves one profile: the kind that wins, and the kinds it shadows.

    A value: a plain class with slots, set once (a dataclass would import inspect here)."""

    __slots__ = ("kind", "label", "profile", "resolves_through", "shadowed")

    def __init__(
        self, profile: str, kind: str | None, label: str, resolves_through: str | None, shadowed: tuple[str, ...] = ()
    ) -> None:
        self.profile = profile
        self.kind = kind  # None: no kind gives this profile credentials
        self.label = label
        self.resolves_through = resolves_through  # botocore's provider
        self.shadowed = shadowed  # the profile's other kinds, never used while the first is there

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProfileKind) and all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, k) for k in self.__slots__))

    def __repr__(self) -> str:
        return "ProfileKind(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__) + ")"

    def document(self) -> dict[str, object]:
        return {
            "profile": self.profile,
            "kind": self.kind,
            "resolves_through": self.resolves_through,
            "shadowed": list(self.shadowed),
        }


def describe(profile: Profile) -> ProfileKind:
    """The profile's kind, provider and shadowed kinds, for audit and status."""
    found = matching(profile)
    if not found:
        return ProfileKind(profile.name, None, "no credentials", None)
    first = found[0]
    return ProfileKind(profile.name, first.name, first.label, first.provider, tuple(k.name for k in found[1:]))

"""Profile kinds: what a profile of ~/.aws is, and which botocore provider gives its credentials.

Each module of this package is one kind (or, for static keys, one kind at its two places in the
chain) and defines ``KINDS``: instances of ``Kind`` that recognise their own profiles, name their
config keys, say how ssohelper writes them (the writable ``style`` words) and which of
botocore's credential providers resolves them. ``registry`` finds the modules and orders their
kinds by botocore's provider chain, so adding a kind is adding one module.

Stdlib only, and light: a credential_process call whose config changed reads its profile
through these kinds (a cache hit loads none of them), so no dataclasses, no typing.
"""

from __future__ import annotations

TYPE_CHECKING = False  # importing typing costs ~3 ms on the hot path
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, Protocol

    from ssohelper.models import AccountRole

    class Values(Protocol):
        """A profile's keys in one file: a section's dict, or a view of a lossless document."""

        def get(self, key: str, /) -> Any: ...

        def keys(self) -> Iterable[str]: ...


# botocore's credential providers for a profile, in the order it asks them (its METHOD names).
# The environment comes before all of these and belongs to no profile.
ASSUME_ROLE = "assume-role"
WEB_IDENTITY = "assume-role-with-web-identity"
SSO = "sso"
CREDENTIALS_FILE = "shared-credentials-file"
LOGIN = "login"
PROCESS = "custom-process"
CONFIG_FILE = "config-file"
PROVIDERS = (ASSUME_ROLE, WEB_IDENTITY, SSO, CREDENTIALS_FILE, LOGIN, PROCESS, CONFIG_FILE)
# The keys of botocore's SSO provider: a profile's, and those an [sso-session] lends it.
SSO_KEYS = ("sso_session", "sso_start_url", "sso_region", "sso_account_id", "sso_role_name", "sso_registration_scopes")


class Profile:
    """One profile as botocore sees it: its keys in the config file and in the credentials file.

    ``get`` merges them as botocore's ``full_config`` does (the credentials file wins); a key is
    present even when its value is empty. Each side is anything with ``get(key)``: a section's
    dict, or a view of a lossless document. A plain class: a dataclass would cost the hot path.
    """

    __slots__ = ("config", "credentials", "name")

    def __init__(self, name: str, config: Values | None = None, credentials: Values | None = None) -> None:
        self.name = name
        self.config = config
        self.credentials = credentials

    def get(self, key: str) -> str | None:
        for side in (self.credentials, self.config):
            value = side.get(key) if side is not None else None
            if value is not None:
                return value
        return None

    def has(self, key: str) -> bool:
        return self.get(key) is not None

    def keys(self) -> set[str]:
        """Every key the profile has, in either file."""
        found = set(self.config.keys()) if self.config is not None else set()
        return found.union(self.credentials.keys()) if self.credentials is not None else found


class Kind:
    """A kind of profile. Subclasses override ``recognises``, and writable kinds ``items``."""

    name = ""  # the word audit and status print ("sso-session", "login", ...)
    label = ""  # for people: "aws login (login_session)"
    provider = ""  # the botocore provider that resolves it: one of PROVIDERS
    needs = ""  # the key without which a profile is not of this kind ("": no such key)
    keys: tuple[str, ...] = ()  # the config keys that make it
    left_alone = ""  # why migrate-profiles leaves a profile of this kind alone ("": it may move it)
    names_sso_role = False  # its profile names an SSO session and role that ssohelper signs in to
    fallback = False  # only when no other kind of its provider recognises the profile
    # Writable kinds only:
    style: str | None = None  # the --style word that writes it
    style_help = ""  # that style in --help
    written_by: tuple[str, ...] = ()  # the commands that write it
    replaces: tuple[str, ...] = ()  # keys removed when it is written: they would shadow it or linger

    def recognises(self, profile: Profile) -> bool:
        return bool(self.needs) and profile.has(self.needs)

    def items(self, command: str, sso_session: str, target: AccountRole) -> list[tuple[str, str]]:
        """The keys a profile of this kind gets, as migrate, populate and configure write it."""
        raise ValueError(f"ssohelper does not write {self.label} profiles")

    def written_target(self, profile: Profile) -> tuple[str, str, str] | None:
        """(sso-session, account, role) of a profile ssohelper wrote in this kind; None if not."""
        return None

    def __repr__(self) -> str:
        return f"<kind {self.name}>"


def quote(word: str) -> str:
    """Quoted as botocore splits credential_process: shlex on POSIX, its own rules on Windows.

    The Go SDK runs the line with ``sh -c``, which reads shlex's quoting the same way."""
    import os

    if os.name == "nt":
        return f'"{word}"' if " " in word else word
    import shlex  # imports re: only when a line is written

    return shlex.quote(word)

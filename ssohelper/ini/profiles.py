"""Profiles and SSO sessions of the AWS config: which session and role a profile names.

Stdlib only, and light: the credential_process cache hit (``ssohelper.target``, from
``ssohelper.fastpath``) resolves its options with these rules before anything heavy loads, and
``ini.awsconfig`` builds the full config model on the same rules, so the two cannot drift apart.
Which kind a profile is (native SSO, legacy SSO, ssohelper's credential_process) is the
ordered list's answer (``ssohelper.kinds.registry``), asked only when the config is read (so
a cache hit loads none of the kinds).
"""

from __future__ import annotations

from ssohelper import paths
from ssohelper.errors import ConfigError, UsageError

_TARGET_OPTIONS = ("--sso-session", "--start-url", "--sso-region", "--account-id", "--role-name")
TYPE_CHECKING = False  # importing typing costs ~3 ms on the hot path
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    # rule(name, config sections by raw header, config path): a profile's or a session's RoleRef
    Rule = Callable[[str, dict[str, dict], str], "RoleRef"]
    # find(kind, name, rule): rule applied to the config ("p" profile, "s" session), however read
    Finder = Callable[[str, str, Rule], "RoleRef"]


class RoleRef:
    """A role as the config or a credential-process line names it: the session by name, or by
    start URL and region (legacy), and the account and role (empty when only the session is asked
    for). ``models.RoleTarget`` is the resolved form, with the session's full settings.

    A plain class: a dataclass would import dataclasses on the hot path.
    """

    __slots__ = ("account_id", "region", "role_name", "session_name", "start_url")

    def __init__(self, session_name: str | None, start_url: str, region: str, account_id: str, role_name: str) -> None:
        self.session_name = session_name
        self.start_url = start_url
        self.region = region
        self.account_id = account_id
        self.role_name = role_name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RoleRef) and all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __repr__(self) -> str:
        return "RoleRef(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__) + ")"

    @property
    def token_file(self) -> str:
        """The session's token file (the AWS CLI's rule: sha1 of the session name, else the URL)."""
        return paths.sso_token_file(self.session_name, self.start_url)

    @property
    def entry_name(self) -> str:
        """The role-credential cache entry of this role."""
        from ssohelper.cache import rolestore

        return rolestore.target_entry_name(self.session_name, self.start_url, self.account_id, self.role_name)


def resolve(options: dict[str, str], find: Finder) -> RoleRef:
    """The role these options name, or the UsageError/ConfigError every path reports.

    A profile or a named session is looked up with ``find(kind, name, rule)``: the caller
    decides how the config is read (``target.resolve`` remembers the answer per config file).
    """
    if "--profile" in options:
        if any(name in options for name in _TARGET_OPTIONS):
            raise UsageError("--profile takes no --sso-session, --start-url, --account-id or --role-name")
        return find("p", options["--profile"], _from_profile)
    if "--sso-session" in options and ("--start-url" in options or "--sso-region" in options):
        raise UsageError("give --sso-session, or --start-url with --sso-region, not both")
    account, role = options.get("--account-id"), options.get("--role-name")
    if not (account and role):
        raise UsageError("give --account-id and --role-name, or --profile")
    check_account_id(account)
    if "--sso-session" in options:
        found = find("s", options["--sso-session"], from_session)
        return RoleRef(found.session_name, found.start_url, found.region, account, role)
    if "--start-url" in options and "--sso-region" in options:
        return RoleRef(None, options["--start-url"], options["--sso-region"], account, role)
    if "--start-url" in options or "--sso-region" in options:
        raise UsageError("--start-url and --sso-region go together")
    raise UsageError("give --sso-session, or --start-url with --sso-region")


def check_account_id(account: str) -> None:
    if not (len(account) == 12 and account.isdigit()):
        raise UsageError(f"--account-id must be 12 digits, not {account!r}")


def profile_session(name: str, values: dict, sessions: dict[str, dict], config_path: str) -> RoleRef:
    """A native SSO profile's session: ``sso_session`` (even an empty one wins, as in botocore), or
    the legacy ``sso_start_url`` with ``sso_region``. Account and role are left empty."""
    from ssohelper.kinds import Profile, registry
    from ssohelper.kinds.legacysso import LEGACY_SSO
    from ssohelper.kinds.sso import SSO_SESSION

    kind = registry.sso_kind(Profile(name, values))
    if kind is SSO_SESSION:
        return session_values(values["sso_session"].strip(), sessions, config_path, referenced_by=name)
    if kind is LEGACY_SSO:
        return RoleRef(
            None,
            need(values, "sso_start_url", name, config_path),
            need(values, "sso_region", name, config_path),
            "",
            "",
        )
    raise ConfigError(
        f"profile '{name}' in {_display(config_path)} has no sso_session or sso_start_url, and no "
        f"credential_process that runs ssohelper; set it up (its static keys move out) with: "
        f"ssohelper configure --profile {_quoted(name)}"
    )


def profile_target(name: str, values: dict, sessions: dict[str, dict], config_path: str) -> RoleRef:
    """A native SSO profile's role: its session, ``sso_account_id`` and ``sso_role_name``."""
    found = profile_session(name, values, sessions, config_path)
    found.account_id = need(values, "sso_account_id", name, config_path)
    found.role_name = need(values, "sso_role_name", name, config_path)
    return found


def session_values(
    name: str, sessions: dict[str, dict], config_path: str, *, referenced_by: str | None = None
) -> RoleRef:
    """A named [sso-session]: its start URL and region (account and role left empty)."""
    values = sessions.get(name)
    if values is None:
        via = f" (used by profile '{referenced_by}')" if referenced_by else ""
        raise ConfigError(
            f"no [sso-session {name}] section in {_display(config_path)}{via}{did_you_mean(name, sessions)}; "
            "add it with sso_start_url and sso_region, "
            f"or with: ssohelper configure --sso-session {_quoted(name)} --start-url URL --sso-region REGION"
        )
    where = f"sso-session '{name}'"
    return RoleRef(
        name,
        need(values, "sso_start_url", where, config_path, is_profile=False),
        need(values, "sso_region", where, config_path, is_profile=False),
        "",
        "",
    )


def need(values: dict, key: str, owner: str, config_path: str, *, is_profile: bool = True) -> str:
    value = values.get(key)
    if isinstance(value, str) and value.strip():
        return value.strip()
    owner_text = f"profile '{owner}'" if is_profile else owner
    raise ConfigError(f"{owner_text} in {_display(config_path)} is missing '{key}'; add it")


def _display(path: str) -> str:
    from ssohelper.ini.read import display_path  # only for messages: not on the hot path

    return display_path(path)


def _quoted(word: str) -> str:
    """``word`` quoted for a shell, in a suggested command (only for messages: not on the hot path)."""
    import shlex

    return shlex.quote(word)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """ " (did you mean 'work'?)" for a name close to one of ``known``; "" when none is."""
    import difflib  # only for messages

    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def missing_profile(name: str, known: Iterable[str], config_path: str) -> ConfigError:
    """The error for a profile the config lacks, naming the ones it has (or how to make one)."""
    known = sorted(known)
    names = ", ".join(known)
    hint = f"name one with --profile or AWS_PROFILE: {names}" if names else "create one with: ssohelper configure"
    return ConfigError(f"profile '{name}' not found in {_display(config_path)}{did_you_mean(name, known)}; {hint}")


def from_profile(name: str, config: dict[str, dict], config_path: str, *, role_needed: bool = True) -> RoleRef:
    """The role (or with ``role_needed`` False, just the session) a profile names: natively with
    ``sso_*`` keys, or through a credential_process that runs ssohelper (followed one level)."""
    return _from_profile(name, config, config_path, role_needed=role_needed)


def _from_profile(
    name: str, config: dict[str, dict], config_path: str, *, role_needed: bool = True, nested: bool = False
) -> RoleRef:
    profiles, sessions = split_sections(config)
    values = profiles.get(name)
    if values is None:
        raise missing_profile(name, profiles, config_path)
    options = process_options(values)
    if options is None:
        rule = profile_target if role_needed else profile_session
        return rule(name, values, sessions, config_path)
    if "--profile" in options:
        if nested:
            raise ConfigError(
                f"profile '{name}' in {_display(config_path)}: its credential_process names another profile "
                "that runs ssohelper; name a native SSO profile or a session"
            )
        return _from_profile(options["--profile"], config, config_path, role_needed=role_needed, nested=True)
    if not role_needed and "--sso-session" in options:
        return session_values(options["--sso-session"], sessions, config_path)
    try:  # the same rule credential-process itself applies to these options
        return resolve(options, lambda _kind, found, rule: rule(found, config, config_path))
    except UsageError as exc:
        raise ConfigError(
            f"profile '{name}' in {_display(config_path)}: its credential_process runs ssohelper "
            f"incorrectly ({exc}); fix it"
        ) from None


def process_options(values: dict) -> dict[str, str] | None:
    """A profile's credential_process options when it runs ssohelper and botocore would use it
    (the kinds' order: botocore's SSO provider comes first, so ``sso_*`` keys shadow it)."""
    from ssohelper.kinds import Profile, registry
    from ssohelper.kinds.process import SSOHELPER_PROCESS

    profile = Profile("", values)
    return SSOHELPER_PROCESS.options(profile) if registry.sso_kind(profile) is SSOHELPER_PROCESS else None


def from_session(name: str, config: dict[str, dict], config_path: str) -> RoleRef:
    return session_values(name, split_sections(config)[1], config_path)


def split_sections(config: dict[str, dict]) -> tuple[dict[str, dict], dict[str, dict]]:
    """The config file's profiles and sso-sessions by name, from its sections by raw header."""
    from ssohelper.ini.read import section_kind

    profiles: dict[str, dict] = {}
    sessions: dict[str, dict] = {}
    for header, values in config.items():  # the last duplicate wins, as in botocore
        kind = section_kind(header)
        if kind and kind[0] == "profile":
            profiles[kind[1]] = values
        elif kind and kind[0] == "sso-session":
            sessions[kind[1]] = values
    return profiles, sessions

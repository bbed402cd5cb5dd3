"""ssohelper's own credential_process: ``ssohelper credential-process --sso-session S ...``.

The kind that ``--style process`` writes (the default). Its line is read with
credential-process's own option grammar (``settings.parse``), which the cache hit in
``fastpath`` reads its arguments with too, so the two cannot differ.
"""

from __future__ import annotations

import os

from ssohelper.kinds import PROCESS, SSO_KEYS, Kind, Profile, quote
from ssohelper.settings import parse

TYPE_CHECKING = False  # importing typing costs ~3 ms on the hot path
if TYPE_CHECKING:
    from ssohelper.models import AccountRole


def ssohelper_process_options(command: str) -> dict[str, str] | None:
    """The options of a credential_process line that runs ``ssohelper credential-process``.

    None when the line runs another program. The line is split shell-style, as botocore does,
    and its options are read with credential-process's own grammar (``parse``).
    ``{"--sso-session": "corp", "--account-id": "111111111111", "--role-name": "Dev"}``
    """
    import shlex

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
    return parse(words[at + 1 :]) or {}


def process_command(command: str, sso_session: str, target: AccountRole) -> str:
    """The credential_process line; ``command`` is already quoted, every other word is quoted here."""
    words = ("--sso-session", sso_session, "--account-id", target.account_id, "--role-name", target.role_name)
    return f"{command} credential-process " + " ".join(quote(word) for word in words)


def line(profile: Profile) -> str | None:
    """A profile's credential_process line, when it has one botocore would run."""
    value = profile.get("credential_process")
    return value if isinstance(value, str) and value.strip() else None


class SsohelperProcess(Kind):
    name = "ssohelper-process"
    label = "ssohelper's credential_process"
    provider = PROCESS
    needs = "credential_process"
    keys = ("credential_process",)
    left_alone = "uses credential_process"
    names_sso_role = True
    style = "process"
    style_help = "credential_process through ssohelper"
    written_by = ("migrate-profiles", "populate", "configure")
    replaces = SSO_KEYS  # botocore's SSO provider comes first and would shadow it

    def recognises(self, profile: Profile) -> bool:
        return self.options(profile) is not None

    def options(self, profile: Profile) -> dict[str, str] | None:
        """The credential-process options of the profile's line, when it runs ssohelper."""
        found = line(profile)
        return None if found is None else ssohelper_process_options(found)

    def items(self, command: str, sso_session: str, target: AccountRole) -> list[tuple[str, str]]:
        return [("credential_process", process_command(command, sso_session, target))]

    def written_target(self, profile: Profile) -> tuple[str, str, str] | None:
        options = self.options(profile) or {}
        found = tuple(options.get(key, "") for key in ("--sso-session", "--account-id", "--role-name"))
        return (found[0], found[1], found[2]) if all(found) else None


SSOHELPER_PROCESS = SsohelperProcess()
KINDS = (SSOHELPER_PROCESS,)

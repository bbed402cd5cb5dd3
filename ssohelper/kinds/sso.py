"""A native SSO profile: ``sso_session`` names an ``[sso-session]``; botocore's SSO provider
signs in with its token. The kind that ``--style native`` writes."""

from __future__ import annotations

from ssohelper.kinds import SSO, SSO_KEYS, Kind, Profile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ssohelper.models import AccountRole


class SsoSession(Kind):
    name = "sso-session"
    label = "native SSO (sso_session)"
    provider = SSO
    needs = "sso_session"
    keys = SSO_KEYS
    left_alone = "already uses SSO"
    names_sso_role = True
    style = "native"
    style_help = "native sso_session keys"
    written_by = ("migrate-profiles", "populate", "configure")
    replaces = ("credential_process",)  # shadowed by the SSO keys: a leftover that misleads

    def recognises(self, profile: Profile) -> bool:
        return profile.has("sso_session")  # even an empty one wins, as in botocore

    def items(self, command: str, sso_session: str, target: AccountRole) -> list[tuple[str, str]]:
        return [
            ("sso_session", sso_session),
            ("sso_account_id", target.account_id),
            ("sso_role_name", target.role_name),
        ]

    def written_target(self, profile: Profile) -> tuple[str, str, str] | None:
        found = tuple(profile.get(key) or "" for key in ("sso_session", "sso_account_id", "sso_role_name"))
        return (found[0], found[1], found[2]) if all(found) else None


SSO_SESSION = SsoSession()
KINDS = (SSO_SESSION,)

"""A legacy SSO profile: ``sso_start_url`` and ``sso_region`` in the profile itself, no
``sso_session``. botocore's SSO provider reads it; ssohelper never writes one."""

from __future__ import annotations

from ssohelper.kinds import SSO, SSO_KEYS, Kind, Profile


class LegacySso(Kind):
    name = "legacy-sso"
    label = "legacy SSO (sso_start_url)"
    provider = SSO
    needs = "sso_start_url"
    keys = SSO_KEYS
    left_alone = "already uses SSO"
    names_sso_role = True

    def recognises(self, profile: Profile) -> bool:
        return profile.has("sso_start_url") and not profile.has("sso_session")


LEGACY_SSO = LegacySso()
KINDS = (LEGACY_SSO,)

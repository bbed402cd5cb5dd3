"""A chained role: ``role_arn`` with ``source_profile`` (or ``credential_source``), assumed with
STS by botocore's assume-role provider, which comes first in its chain. A profile with a
``web_identity_token_file`` is the web identity kind instead, as botocore decides."""

from __future__ import annotations

from ssohelper.kinds import ASSUME_ROLE, Kind, Profile


class ChainedRole(Kind):
    name = "chained-role"
    label = "a chained role (role_arn)"
    provider = ASSUME_ROLE
    needs = "role_arn"
    keys = ("role_arn", "source_profile", "credential_source", "role_session_name", "external_id")
    left_alone = "assumes a role (role_arn)"

    def recognises(self, profile: Profile) -> bool:
        return profile.has("role_arn") and not profile.has("web_identity_token_file")


CHAINED_ROLE = ChainedRole()
KINDS = (CHAINED_ROLE,)

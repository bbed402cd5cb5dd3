"""A web identity role: ``role_arn`` with ``web_identity_token_file`` (an OIDC token from a CI
system or Kubernetes), assumed by botocore's web identity provider."""

from __future__ import annotations

from ssohelper.kinds import WEB_IDENTITY, Kind, Profile


class WebIdentity(Kind):
    name = "web-identity"
    label = "a web identity role (web_identity_token_file)"
    provider = WEB_IDENTITY
    needs = "web_identity_token_file"
    keys = ("web_identity_token_file", "role_arn", "role_session_name")
    left_alone = "assumes a role with a web identity token (web_identity_token_file)"

    def recognises(self, profile: Profile) -> bool:
        return profile.has("web_identity_token_file") and profile.has("role_arn")


WEB_IDENTITY_ROLE = WebIdentity()
KINDS = (WEB_IDENTITY_ROLE,)

"""IAM Roles Anywhere: credential_process runs AWS's ``aws_signing_helper credential-process``
with an X.509 certificate, its key and three ARNs. The kind that ``--style roles-anywhere``
writes, for machines that can use neither SSO nor OIDC (``migration.rolesanywhere`` checks the
settings)."""

from __future__ import annotations

import os

from ssohelper.kinds import PROCESS, SSO_KEYS, Kind, Profile, quote
from ssohelper.kinds.process import line

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ssohelper.models import AccountRole

SIGNING_HELPER = "aws_signing_helper"


def signing_line(certificate: str, private_key: str, trust_anchor_arn: str, profile_arn: str, role_arn: str) -> str:
    """The credential_process line; the files by absolute path, every word quoted for botocore."""
    words = [SIGNING_HELPER, "credential-process", "--certificate", os.path.abspath(certificate)]
    words += ["--private-key", os.path.abspath(private_key), "--trust-anchor-arn", trust_anchor_arn]
    words += ["--profile-arn", profile_arn, "--role-arn", role_arn]
    return " ".join(quote(word) for word in words)


class RolesAnywhere(Kind):
    name = "roles-anywhere"
    label = "IAM Roles Anywhere (aws_signing_helper)"
    provider = PROCESS
    needs = "credential_process"
    keys = ("credential_process",)
    left_alone = "uses credential_process"
    style = "roles-anywhere"
    style_help = "IAM Roles Anywhere's signing helper"
    written_by = ("migrate-profiles",)
    replaces = SSO_KEYS  # botocore's SSO provider comes first and would shadow it

    def recognises(self, profile: Profile) -> bool:
        found = line(profile)
        if found is None:
            return False
        import shlex

        try:
            words = shlex.split(found)
        except ValueError:  # botocore cannot run it either
            return False
        return bool(words) and os.path.basename(words[0]).lower() in (SIGNING_HELPER, SIGNING_HELPER + ".exe")

    def items(self, command: str, sso_session: str, target: AccountRole) -> list[tuple[str, str]]:
        """``command`` is the whole line (``signing_line``): Roles Anywhere uses no SSO session."""
        return [("credential_process", command)]


ROLES_ANYWHERE = RolesAnywhere()
KINDS = (ROLES_ANYWHERE,)

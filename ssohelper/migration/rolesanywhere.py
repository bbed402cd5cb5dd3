"""The roles-anywhere profile style's settings, checked: for machines that can use neither SSO
nor OIDC, the profile's credential_process runs AWS's ``aws_signing_helper credential-process``
with an X.509 certificate and its key, and IAM Roles Anywhere hands out the role's temporary
credentials. The kind itself (its line, how it is recognised) is ``kinds.rolesanywhere``."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ssohelper.errors import UsageError
from ssohelper.kinds.rolesanywhere import signing_line
from ssohelper.migration.discovery import Resolution
from ssohelper.migration.rewrite import StaticProfile
from ssohelper.models import AccountRole

_ARNS = {
    "--trust-anchor-arn": re.compile(r"arn:aws[a-z-]*:rolesanywhere:[a-z0-9-]+:\d{12}:trust-anchor/[0-9a-f-]{36}"),
    "--profile-arn": re.compile(r"arn:aws[a-z-]*:rolesanywhere:[a-z0-9-]+:\d{12}:profile/[0-9a-f-]{36}"),
    "--role-arn": re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}"),
}


@dataclass(frozen=True)
class RolesAnywhere:
    certificate: str
    private_key: str
    trust_anchor_arn: str
    profile_arn: str
    role_arn: str

    def command(self) -> str:
        """The credential_process line (``kinds.rolesanywhere.signing_line``)."""
        return signing_line(self.certificate, self.private_key, self.trust_anchor_arn, self.profile_arn, self.role_arn)

    def target(self) -> AccountRole:
        _, _, _, _, account, resource = self.role_arn.split(":", 5)
        return AccountRole(account, resource.rsplit("/", 1)[1])


def checked(
    certificate: str, private_key: str, trust_anchor_arn: str, profile_arn: str, role_arn: str
) -> RolesAnywhere:
    """The settings, after checking that each ARN has its form and both files exist here."""
    for option, value in (
        ("--trust-anchor-arn", trust_anchor_arn),
        ("--profile-arn", profile_arn),
        ("--role-arn", role_arn),
    ):
        if not _ARNS[option].fullmatch(value):
            raise UsageError(f"{option} {value!r} is not an ARN of that kind")
    for option, path in (("--certificate", certificate), ("--private-key", private_key)):
        if not os.path.isfile(path):
            raise UsageError(f"{option} {path}: no such file")
    return RolesAnywhere(certificate, private_key, trust_anchor_arn, profile_arn, role_arn)


def resolve(profiles: Sequence[StaticProfile], settings: RolesAnywhere) -> Resolution:
    """Every static-key profile assumes the one role through Roles Anywhere."""
    target = settings.target()
    return Resolution({p.name: target for p in profiles}, {p.name: "--role-arn" for p in profiles}, [])

"""A credential_process that runs another program (aws-vault, granted, a script of one's own):
botocore's process provider runs it; ssohelper only checks that the program exists (audit).
A fallback: it is this kind only when no other kind of the process provider claims the line."""

from __future__ import annotations

from ssohelper.kinds import PROCESS, Kind, Profile
from ssohelper.kinds.process import line


class OtherProcess(Kind):
    name = "other-process"
    label = "another program's credential_process"
    provider = PROCESS
    needs = "credential_process"
    keys = ("credential_process",)
    left_alone = "uses credential_process"
    fallback = True

    def recognises(self, profile: Profile) -> bool:
        return line(profile) is not None


OTHER_PROCESS = OtherProcess()
KINDS = (OTHER_PROCESS,)

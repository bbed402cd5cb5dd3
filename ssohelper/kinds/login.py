"""An ``aws login`` profile: AWS CLI v2's ``aws login`` signs in with console credentials and
writes ``login_session`` into the profile; botocore's login provider resolves it, after
~/.aws/credentials and before credential_process. ssohelper never writes or migrates one."""

from __future__ import annotations

from ssohelper.kinds import LOGIN, Kind


class AwsLogin(Kind):
    name = "login"
    label = "aws login (login_session)"
    provider = LOGIN
    needs = "login_session"
    keys = ("login_session",)
    left_alone = "signs in with aws login (login_session)"


AWS_LOGIN = AwsLogin()
KINDS = (AWS_LOGIN,)

"""The SSO portal API: role credentials, accounts, roles, logout (bearer-token, unsigned)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from ssohelper.aws import answers, clients, deadline
from ssohelper.errors import AwsError
from ssohelper.models import RoleCredentials, RoleTarget, SsoSession, Token

_NO_ACCESS = {"ForbiddenException", "AccessDeniedException"}
_NO_MORE_PAGES: Any = object()
PAGE_SIZE = 100  # the portal refuses maxResults outside 1-100


class NoAccess(AwsError):
    """The signed-in user has no assignment for that account or role."""


@contextmanager
def _calling(what: str, session: SsoSession) -> Iterator[None]:
    """aws.calling, plus a distinct error for 'no access', which callers act on."""
    from botocore.exceptions import ClientError

    with clients.calling(what, session):
        try:
            yield
        except ClientError as exc:
            if clients.error_code(exc) in _NO_ACCESS:
                raise NoAccess(f"{what}: you have no access (ask for a permission set there)") from None
            raise


def get_role_credentials(target: RoleTarget, token: Token, *, client: Any = None) -> RoleCredentials:
    client = client or clients.make("sso", region=target.session.region)
    what = f"GetRoleCredentials for {target.role_name} in {target.account_id}"
    with _calling(what, target.session):
        response = deadline.run(
            what,
            lambda: client.get_role_credentials(
                roleName=target.role_name, accountId=target.account_id, accessToken=token.access_token
            ),
        )
    creds = answers.role_credentials(what, response)
    return RoleCredentials(
        access_key_id=creds["accessKeyId"],
        secret_access_key=creds["secretAccessKey"],
        session_token=creds["sessionToken"],
        expires_at=creds["expiration"] / 1000.0,
        account_id=target.account_id,
    )


def each_page(what: str, pages: Iterable[Any]) -> Iterator[Any]:
    """A paginator's pages, each fetched under its own call deadline (not one for them all)."""
    fetch = iter(pages)  # paginate() itself makes no call yet
    while True:
        page = deadline.run(what, lambda: next(fetch, _NO_MORE_PAGES))
        if page is _NO_MORE_PAGES:
            return
        yield page


def list_accounts(session: SsoSession, token: Token, *, client: Any = None) -> list[dict]:
    client = client or clients.make("sso", region=session.region)
    with clients.calling("ListAccounts", session):
        pages = client.get_paginator("list_accounts").paginate(
            accessToken=token.access_token, PaginationConfig={"PageSize": PAGE_SIZE}
        )
        return [
            account
            for page in each_page("ListAccounts", pages)
            for account in answers.listing("ListAccounts", page, "accountList", "accountId")
        ]


def list_account_roles(session: SsoSession, token: Token, account_id: str, *, client: Any = None) -> list[str]:
    client = client or clients.make("sso", region=session.region)
    what = f"ListAccountRoles for {account_id}"
    with _calling(what, session):
        pages = client.get_paginator("list_account_roles").paginate(
            accessToken=token.access_token, accountId=account_id, PaginationConfig={"PageSize": PAGE_SIZE}
        )
        return [
            role["roleName"]
            for page in each_page(what, pages)
            for role in answers.listing(what, page, "roleList", "roleName")
        ]


def logout(session: SsoSession, token: Token, *, client: Any = None) -> bool:
    """Sign the token out on the server. False when the server no longer knew it."""
    from botocore.exceptions import ClientError

    client = client or clients.make("sso", region=session.region)
    with clients.calling("Logout", session):
        try:
            deadline.run("Logout", lambda: client.logout(accessToken=token.access_token))
        except ClientError as exc:
            if clients.error_code(exc) == "UnauthorizedException":
                return False
            raise
    return True

"""SSO portal operations: GetRoleCredentials, ListAccounts, ListAccountRoles and Logout."""

from __future__ import annotations

import base64
import secrets
import string
import time
from typing import Any

from ssohelper.emulator import sts
from ssohelper.emulator.state import Session, State
from ssohelper.emulator.wire import portal_error

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100  # the portal refuses maxResults outside 1-100
_KEY_ALPHABET = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"

Query = dict[str, str]


def get_role_credentials(state: State, query: Query, token: str | None) -> dict[str, Any]:
    _authorize(state, token)
    account_id, role_name = query.get("account_id", ""), query.get("role_name", "")
    if not (account_id and role_name):
        raise portal_error("InvalidRequestException", "account_id and role_name are required")
    with state.lock:
        account = state.accounts.get(account_id)
        assigned = account is not None and role_name in account.get("roles", [])
        role_ttl, sts_endpoint = state.settings.role_ttl, state.settings.sts_endpoint
    if not assigned:
        raise portal_error("ForbiddenException", "No access")
    if sts_endpoint:  # keys the STS endpoint ties to the account, for IAM calls made with them
        return {"roleCredentials": sts.assume_role(sts_endpoint, account_id, role_name, role_ttl)}
    credentials = {
        "accessKeyId": "ASIA" + _random(_KEY_ALPHABET, 16),
        "secretAccessKey": _random(_SECRET_ALPHABET, 40),
        "sessionToken": "IQoJb3JpZ2luX2Vj" + secrets.token_urlsafe(192),
        "expiration": int((time.time() + role_ttl) * 1000),
    }
    with state.lock:
        state.role_keys[str(credentials["accessKeyId"])] = str(credentials["secretAccessKey"])
    return {"roleCredentials": credentials}


def list_accounts(state: State, query: Query, token: str | None) -> dict[str, Any]:
    _authorize(state, token)
    with state.lock:
        accounts = [
            {
                "accountId": account_id,
                "accountName": info.get("name", account_id),
                "emailAddress": info.get("email", f"{account_id}@example.com"),
            }
            for account_id, info in sorted(state.accounts.items())
        ]
    return _page(accounts, "accountList", query)


def list_account_roles(state: State, query: Query, token: str | None) -> dict[str, Any]:
    _authorize(state, token)
    account_id = query.get("account_id", "")
    with state.lock:
        account = state.accounts.get(account_id)
        roles = None if account is None else list(account.get("roles", []))
    if roles is None:
        raise portal_error("ForbiddenException", "No access")
    role_list = [{"roleName": name, "accountId": account_id} for name in roles]
    return _page(role_list, "roleList", query)


def logout(state: State, query: Query, token: str | None) -> dict[str, Any]:
    state.revoke(_authorize(state, token))
    return {}


def _authorize(state: State, token: str | None) -> Session:
    session = state.live_session(token)
    if session is None:
        raise portal_error("UnauthorizedException", "Session token not found or invalid")
    return session


def _page(items: list[dict[str, str]], key: str, query: Query) -> dict[str, Any]:
    start = _decode_next_token(query.get("next_token"))
    size = _page_size(query.get("max_result"))
    answer: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        answer["nextToken"] = base64.urlsafe_b64encode(f"o:{start + size}".encode()).decode()
    return answer


def _decode_next_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        tag, offset = base64.urlsafe_b64decode(token.encode()).decode().split(":")
        if tag == "o" and int(offset) >= 0:
            return int(offset)
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        pass
    raise portal_error("InvalidRequestException", "Invalid next token")


def _page_size(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise portal_error("InvalidRequestException", f"max_result must be between 1 and {MAX_PAGE_SIZE}")
    return int(raw)


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))

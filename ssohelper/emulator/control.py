"""The /_emulator/ control endpoints and the /verify page, for tests and demos elsewhere."""

from __future__ import annotations

import copy
import html
import json
from typing import Any

from ssohelper.emulator.faults import make_fault
from ssohelper.emulator.state import Client, State
from ssohelper.emulator.wire import ApiError


def _control_error(message: str) -> ApiError:
    return ApiError(400, None, {"message": message})


def control(state: State, method: str, path: str, raw: bytes) -> dict[str, Any]:
    """The /_emulator/ endpoints, for tests and demos in other processes."""
    action = path[len("/_emulator/") :]
    if (method, action) == ("GET", "state"):
        return _snapshot(state)
    if method != "POST":
        raise ApiError(404, None, {"message": "Not found"})
    try:
        body = json.loads(raw or b"{}")
        if action == "config":
            state.configure(**body)
        elif action == "fail":
            fault = make_fault(
                body.get("kind", "answer"), int(body.get("status", 429)), body.get("body"), body.get("content_type")
            )
            state.fail_next(body["operation"], int(body.get("count", 1)), fault)
        elif action == "reset-calls":
            state.reset_calls()
        elif action == "expire-tokens":
            state.expire_tokens()
        elif action == "approve":
            state.approve(body["user_code"])
        else:
            raise ApiError(404, None, {"message": "Not found"})
    except (ValueError, TypeError, KeyError) as error:
        raise _control_error(f"{type(error).__name__}: {error}") from None
    return _snapshot(state)


def _snapshot(state: State) -> dict[str, Any]:
    with state.lock:
        clients = [_public_client(client) for client in state.clients.values()]
        return {
            "settings": state.settings.as_dict(),
            "calls": dict(state.call_counts()),
            "throttled": state.throttled,
            "accounts": copy.deepcopy(state.accounts),
            "clients": clients,
            "pending_user_codes": state.pending_user_codes(),
            "authorize_requests": copy.deepcopy(state.authorize_requests),
        }


def _public_client(client: Client) -> dict[str, Any]:
    grant_types = None if client.grant_types is None else list(client.grant_types)
    return {
        "clientId": client.client_id,
        "clientName": client.client_name,
        "scopes": list(client.scopes),
        "grantTypes": grant_types,
        "redirectUris": list(client.redirect_uris),
        "issuerUrl": client.issuer_url,
    }


_PAGE = "<!doctype html><html><head><title>ssohelper emulator</title></head><body>{}</body></html>"
_FORM = '<form method="get"><input name="user_code" autofocus><button>Approve</button></form>'


def verify_page(state: State, user_code: str | None) -> tuple[int, str]:
    if not user_code:
        return 200, _PAGE.format(f"<h1>Enter the code shown in your terminal</h1>{_FORM}")
    try:
        state.approve(user_code)
    except KeyError:
        return 404, _PAGE.format(f"<h1>Unknown code {html.escape(user_code)}</h1>{_FORM}")
    return 200, _PAGE.format(
        f"<h1>Approved</h1><p>Code {html.escape(user_code)} approved. You can close this window.</p>"
    )

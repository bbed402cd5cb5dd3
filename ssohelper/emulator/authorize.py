"""The browser flow: GET /authorize (an approval page, or an automatic answer), the Allow/Deny
form, and CreateToken's authorization_code exchange with its S256 verifier check.

Like Identity Center, a registered ``http://127.0.0.1/oauth/callback`` accepts any port.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from ssohelper.emulator.state import AuthCodeGrant, Client, State
from ssohelper.emulator.wire import oidc_error

AUTH_CODE_GRANT = "authorization_code"
CODE_TTL = 600
_PAGE = "<!doctype html><html><head><title>ssohelper emulator: sign in</title></head><body>{}</body></html>"


@dataclass(frozen=True)
class Answer:
    status: int
    page: str = ""
    location: str | None = None


def handle(state: State, method: str, query: dict[str, str], raw: bytes) -> Answer:
    """GET shows the approval page (or answers at once); POST is the page's Allow/Deny form."""
    if method == "POST":
        form = {key: values[0] for key, values in parse_qs(raw.decode("utf-8", "replace")).items()}
        return _decide_form(state, form)
    with state.lock:
        state.authorize_requests.append(dict(query))
        problem = _invalid(state, query)
        if problem:
            return Answer(400, _PAGE.format(f"<h1>Invalid sign-in request</h1><p>{html.escape(problem)}</p>"))
        if state.settings.approve_after_polls is not None:
            return _redirect(state, query, allow=not state.settings.deny)
        request_id = secrets.token_urlsafe(16)
        state.pending_authorizations[request_id] = dict(query)
        client = state.clients[query["client_id"]]
    return Answer(200, _approval_page(request_id, client))


def _approval_page(request_id: str, client: Client) -> str:
    return _PAGE.format(
        f"<h1>Allow {html.escape(client.client_name)} to access your AWS accounts?</h1>"
        '<form method="post" action="/authorize">'
        f'<input type="hidden" name="request" value="{request_id}">'
        '<button id="allow" name="decision" value="allow">Allow</button> '
        '<button id="deny" name="decision" value="deny">Deny</button></form>'
    )


def _decide_form(state: State, form: dict[str, str]) -> Answer:
    with state.lock:
        query = state.pending_authorizations.pop(form.get("request", ""), None)
        if query is None:
            return Answer(400, _PAGE.format("<h1>This sign-in request is unknown or already answered</h1>"))
        return _redirect(state, query, allow=form.get("decision") == "allow" and not state.settings.deny)


def _invalid(state: State, query: dict[str, str]) -> str | None:
    """Why the request must not be redirected anywhere, or None."""
    client = state.clients.get(query.get("client_id", ""))
    if client is None:
        return "unknown client_id"
    if client.grant_types is not None and AUTH_CODE_GRANT not in client.grant_types:
        return "the client is not registered for the authorization_code grant"
    if not _registered(client, query.get("redirect_uri", "")):
        return "redirect_uri is not registered for this client"
    if query.get("response_type") != "code":
        return "response_type must be code"
    if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
        return "code_challenge with code_challenge_method S256 is required"
    if not query.get("state"):
        return "state is required"
    return None


def _registered(client: Client, redirect_uri: str) -> bool:
    wanted = urlsplit(redirect_uri)
    for registered in map(urlsplit, client.redirect_uris):
        if (wanted.scheme, wanted.hostname, wanted.path) != (registered.scheme, registered.hostname, registered.path):
            continue
        if registered.port == wanted.port or (registered.port is None and wanted.hostname == "127.0.0.1"):
            return True
    return False


def _redirect(state: State, query: dict[str, str], *, allow: bool) -> Answer:
    settings = state.settings
    answer_state = query["state"] + ("-tampered" if settings.wrong_state else "")
    if not allow:
        params = {"error": "access_denied", "error_description": "The user denied the request", "state": answer_state}
    else:
        code = "ac-" + secrets.token_urlsafe(32)
        if not settings.bad_code:
            state.auth_codes[code] = AuthCodeGrant(
                query["client_id"], query["redirect_uri"], query["code_challenge"], time.time()
            )
        params = {"code": code, "state": answer_state}
    return Answer(302, location=f"{query['redirect_uri']}?{urlencode(params)}")


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def exchange_auth_code(state: State, client: Client, body: dict[str, Any]) -> None:
    """Check (and use up) the code; raises InvalidGrantException when anything does not match."""
    grant = state.auth_codes.pop(str(body["code"]), None)
    if grant is None or grant.client_id != client.client_id or time.time() - grant.created_at > CODE_TTL:
        raise oidc_error("InvalidGrantException", "Invalid authorization code provided")
    if body["redirectUri"] != grant.redirect_uri:
        raise oidc_error("InvalidGrantException", "redirectUri does not match the authorization request")
    if not secrets.compare_digest(s256(str(body["codeVerifier"])), grant.code_challenge):
        raise oidc_error("InvalidGrantException", "codeVerifier does not match the code challenge")

"""The console federation endpoint: ``GET /federation?Action=getSigninToken&Session=...``.

It accepts only role credentials this emulator issued, hands out a sign-in token, and records
it, so a test can check that a console URL carries a token that really came from here.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from ssohelper.emulator.state import State
from ssohelper.emulator.wire import ApiError

OPERATION = "GetSigninToken"


def get_signin_token(state: State, query: dict[str, str]) -> dict[str, Any]:
    state.count_call(OPERATION)
    if query.get("Action") != "getSigninToken":
        raise ApiError(400, None, {"message": "Action must be getSigninToken"})
    try:
        session = json.loads(query.get("Session") or "")
    except ValueError:
        session = None
    if not isinstance(session, dict) or not all(session.get(k) for k in ("sessionId", "sessionKey", "sessionToken")):
        raise ApiError(400, None, {"message": "Session must be JSON with sessionId, sessionKey and sessionToken"})
    duration = query.get("SessionDuration")
    if duration is not None and not (duration.isdigit() and 900 <= int(duration) <= 43200):
        raise ApiError(400, None, {"message": "SessionDuration must be 900 to 43200 seconds"})
    with state.lock:
        if state.role_keys.get(session["sessionId"]) != session["sessionKey"]:
            raise ApiError(400, None, {"message": "Unknown or invalid credentials"})
        token = "emu-signin-" + secrets.token_urlsafe(32)
        state.signin_tokens.append(token)
    return {"SigninToken": token}

"""Check what SSO OIDC and the SSO portal answer before using it (stdlib only).

A captive portal's HTML, ``{}``, ``null`` or a truncated document can come back with HTTP 200;
botocore then hands over whatever it could parse. Each check returns the values it vouches
for, or raises AwsError (exit 5) naming the call and what was wrong.
"""

from __future__ import annotations

import math
import time
from typing import Any

from ssohelper.errors import AwsError

MAX_TOKEN_LIFETIME = 90 * 24 * 3600  # access tokens last hours; more than 90 days is garbage
MAX_ROLE_LIFETIME = 366 * 24 * 3600  # role credentials last at most 12 hours
MAX_DEVICE_CODE_LIFETIME = 24 * 3600
MAX_INTERVAL = 3600
MAX_REGISTRATION_LIFETIME = 10 * 366 * 24 * 3600


class BadAnswer(AwsError):
    """The server answered, but not with what the API promises."""


def _bad(what: str, problem: str) -> BadAnswer:
    return BadAnswer(
        f"{what}: the answer is not what the API promises ({problem}); a proxy or captive portal may be in the way"
    )


def _object(what: str, response: Any, key: str | None = None) -> dict[str, Any]:
    value = response if key is None else (response.get(key) if isinstance(response, dict) else None)
    if not isinstance(value, dict):
        raise _bad(what, f"no {key} object" if key else "not a JSON object")
    return value


def text(what: str, response: dict[str, Any], key: str, *, optional: bool = False) -> str:
    value = response.get(key)
    if value is None and optional:
        return ""
    if not isinstance(value, str) or not value:
        raise _bad(what, f"{key} missing or not a string")
    return value


def number(what: str, response: dict[str, Any], key: str, low: float, high: float, default: int | None = None) -> int:
    """An integer in [low, high]; ``default`` when absent (if allowed)."""
    value = response.get(key)
    if value is None and default is not None:
        return default
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)  # JSON parsers accept NaN and Infinity, and int() raises on them
        or value != int(value)
        or not low <= value <= high
    ):
        raise _bad(what, f"{key} is {str(value)[:20]!r}, not a number between {low:g} and {high:g}")
    return int(value)


def role_credentials(what: str, response: Any, *, now: float | None = None) -> dict[str, Any]:
    """``roleCredentials`` with three strings and an expiration (epoch ms) in the future."""
    creds = _object(what, _object(what, response), "roleCredentials")
    for key in ("accessKeyId", "secretAccessKey", "sessionToken"):
        text(what, creds, key)
    current = time.time() if now is None else now
    number(what, creds, "expiration", current * 1000, (current + MAX_ROLE_LIFETIME) * 1000)
    return creds


def token(what: str, response: Any) -> dict[str, Any]:
    """CreateToken: an access token, a sane lifetime, maybe a refresh token."""
    answer = _object(what, response)
    text(what, answer, "accessToken")
    number(what, answer, "expiresIn", 1, MAX_TOKEN_LIFETIME, default=3600)
    text(what, answer, "refreshToken", optional=True)
    return answer


def device_authorization(what: str, response: Any) -> dict[str, Any]:
    answer = _object(what, response)
    for key in ("deviceCode", "userCode", "verificationUri"):
        text(what, answer, key)
    text(what, answer, "verificationUriComplete", optional=True)
    number(what, answer, "expiresIn", 0, MAX_DEVICE_CODE_LIFETIME, default=600)
    number(what, answer, "interval", 0, MAX_INTERVAL, default=5)
    return answer


def registration(what: str, response: Any, *, now: float) -> dict[str, Any]:
    answer = _object(what, response)
    text(what, answer, "clientId")
    text(what, answer, "clientSecret")
    number(what, answer, "clientSecretExpiresAt", now, now + MAX_REGISTRATION_LIFETIME)
    return answer


def listing(what: str, page: Any, key: str, field: str) -> list[dict[str, Any]]:
    """One page of ListAccounts (accountList/accountId) or ListAccountRoles (roleList/roleName)."""
    items = _object(what, page).get(key)
    if not isinstance(items, list):
        raise _bad(what, f"no {key} list")
    for item in items:
        if not isinstance(item, dict):
            raise _bad(what, f"an entry of {key} is not an object")
        text(what, item, field)
    return items


def caller_identity(what: str, response: Any) -> dict[str, Any]:
    """STS GetCallerIdentity: a 12-digit ``Account`` and an ``Arn``."""
    answer = _object(what, response)
    if not text(what, answer, "Account").isdigit() or len(answer["Account"]) != 12:
        raise _bad(what, "Account is not a 12-digit account ID")
    text(what, answer, "Arn")
    return answer


def assumed_role(what: str, response: Any, *, now: float | None = None) -> dict[str, Any]:
    """STS AssumeRole: ``Credentials`` with three strings and an expiration (a datetime) ahead."""
    creds = _object(what, _object(what, response), "Credentials")
    for key in ("AccessKeyId", "SecretAccessKey", "SessionToken"):
        text(what, creds, key)
    stamp = getattr(creds.get("Expiration"), "timestamp", None)
    current = time.time() if now is None else now
    if stamp is None or not current < stamp() < current + MAX_ROLE_LIFETIME:
        raise _bad(what, "Expiration missing or not ahead")
    return creds

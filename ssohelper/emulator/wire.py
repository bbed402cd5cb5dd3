"""Routes and error shapes of the rest-json wire format botocore expects from SSO and SSO OIDC."""

from __future__ import annotations

from typing import Any

OIDC = "sso-oidc"
PORTAL = "sso"

# (HTTP method, path) -> (service, operation), as in botocore's service-2.json models.
ROUTES: dict[tuple[str, str], tuple[str, str]] = {
    ("POST", "/client/register"): (OIDC, "RegisterClient"),
    ("POST", "/device_authorization"): (OIDC, "StartDeviceAuthorization"),
    ("POST", "/token"): (OIDC, "CreateToken"),
    ("GET", "/federation/credentials"): (PORTAL, "GetRoleCredentials"),
    ("GET", "/assignment/accounts"): (PORTAL, "ListAccounts"),
    ("GET", "/assignment/roles"): (PORTAL, "ListAccountRoles"),
    ("POST", "/logout"): (PORTAL, "Logout"),
}
OPERATIONS: dict[str, str] = {op: service for service, op in ROUTES.values()}

_NAMESPACES = {
    OIDC: "http://internal.amazon.com/coral/com.amazonaws.ssooidc/",
    PORTAL: "http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/",
}

# OIDC exceptions carry an OAuth-style snake_case `error` code next to the HTTP status.
_OIDC_ERRORS: dict[str, tuple[int, str]] = {
    "AuthorizationPendingException": (400, "authorization_pending"),
    "SlowDownException": (400, "slow_down"),
    "AccessDeniedException": (400, "access_denied"),
    "ExpiredTokenException": (400, "expired_token"),
    "InvalidGrantException": (400, "invalid_grant"),
    "InvalidRequestException": (400, "invalid_request"),
    "InvalidScopeException": (400, "invalid_scope"),
    "UnauthorizedClientException": (400, "unauthorized_client"),
    "UnsupportedGrantTypeException": (400, "unsupported_grant_type"),
    "InvalidClientException": (401, "invalid_client"),
    "TooManyRequestsException": (429, "too_many_requests"),
    "InternalServerException": (500, "server_error"),
}

_PORTAL_ERRORS: dict[str, int] = {
    "InvalidRequestException": 400,
    "UnauthorizedException": 401,
    "ForbiddenException": 403,
    "ResourceNotFoundException": 404,
    "TooManyRequestsException": 429,
    "InternalServerException": 500,
}

_INJECTED_NAMES = {429: "TooManyRequestsException", 500: "InternalServerException"}


class ApiError(Exception):
    """An error answer: status, the name botocore reads from x-amzn-ErrorType, and a JSON body."""

    def __init__(self, status: int, name: str | None, body: dict[str, Any], service: str = PORTAL) -> None:
        super().__init__(name or status)
        self.status = status
        self.name = name
        self.body = body
        self.service = service

    def headers(self) -> dict[str, str]:
        if self.name is None:
            return {}
        return {"x-amzn-ErrorType": f"{self.name}:{_NAMESPACES[self.service]}"}


def oidc_error(name: str, description: str) -> ApiError:
    status, code = _OIDC_ERRORS[name]
    body = {"error": code, "error_description": description}
    return ApiError(status, name, body, OIDC)


def portal_error(name: str, message: str) -> ApiError:
    return ApiError(_PORTAL_ERRORS[name], name, {"message": message}, PORTAL)


def injected_error(service: str, status: int) -> ApiError:
    """The failure `fail_next` asked for: named for 429 and 500, a bare status otherwise."""
    name = _INJECTED_NAMES.get(status)
    if name is None:
        return ApiError(status, None, {"message": f"Injected failure (HTTP {status})"}, service)
    if status == 500:
        return ApiError(500, name, {"message": "Internal error"}, service)
    if service == OIDC:
        return oidc_error(name, "Rate exceeded")
    return portal_error(name, "Rate exceeded")

"""What the credential server sends back: the ECS and IMDS documents, and error answers.

An error answer is JSON with ``Code`` and ``Message`` (one line, never a secret): botocore and
the JS SDK put the body of a non-200 answer into the error they raise, so the user reads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ssohelper.errors import LoginRequired, SsoHelperError
from ssohelper.roles.envcreds import ProfileCredentials
from ssohelper.serve.checks import Refusal
from ssohelper.times import format_epoch

JSON = "application/json"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str = JSON


def ecs_document(found: ProfileCredentials) -> Answer:
    """The container-credentials format every SDK reads through AWS_CONTAINER_CREDENTIALS_FULL_URI."""
    creds = found.credentials
    document = {
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "Token": creds.session_token,
        "Expiration": format_epoch(creds.expires_at),
        "AccountId": creds.account_id,
    }
    return Answer(200, json.dumps(document).encode())


def imds_document(found: ProfileCredentials, now: float) -> Answer:
    """The instance-metadata format (``iam/security-credentials/ROLE``)."""
    creds = found.credentials
    document = {
        "Code": "Success",
        "LastUpdated": format_epoch(now),
        "Type": "AWS-HMAC",
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "Token": creds.session_token,
        "Expiration": format_epoch(creds.expires_at),
    }
    return Answer(200, json.dumps(document).encode())


def text(body: str) -> Answer:
    return Answer(200, body.encode(), "text/plain")


def refused(refusal: Refusal) -> Answer:
    return error(refusal.status, "Refused", refusal.reason)


def failed(exc: Exception) -> Answer:
    """A fetch that failed: login required is 401 to the SDK, anything else 503 (retry later)."""
    if isinstance(exc, SsoHelperError):
        code = "LoginRequired" if isinstance(exc, LoginRequired) else exc.__class__.__name__
        return error(401 if isinstance(exc, LoginRequired) else 503, code, str(exc))
    return error(500, "Unexpected", f"unexpected {exc.__class__.__name__} in ssohelper serve; rerun with --debug")


def error(status: int, code: str, message: str) -> Answer:
    return Answer(status, json.dumps({"Code": code, "Message": message}).encode())

"""PKCE values for the authorization-code sign-in: the code verifier, its S256 challenge, the state.

The loopback listener that receives the browser's callback is ``sso.callback``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import string
import uuid

_VERIFIER_ALPHABET = string.ascii_letters + string.digits + "-._~"


def new_verifier() -> str:
    """64 unreserved characters, as the AWS CLI v2 makes them (RFC 7636 allows 43 to 128)."""
    return "".join(secrets.choice(_VERIFIER_ALPHABET) for _ in range(64))


def challenge(verifier: str) -> str:
    """The S256 code challenge: base64url(sha256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def new_state() -> str:
    return str(uuid.uuid4())

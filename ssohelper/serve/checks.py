"""Who may ask the credential server, and for what: pure functions over a request's parts.

Every request passes the same checks, in this order, before anything else happens:
1. no ``Origin`` header (a web page is not a client) and no ``X-Forwarded-For`` (nor a proxy);
2. exactly one ``Host`` header, naming the address the server listens on and its port
   (``127.0.0.1:PORT`` or ``localhost:PORT``): a DNS-rebinding page sends its own name;
3. the credential route: exactly one ``Authorization`` header equal to the token, compared
   in constant time; then only ``GET`` on the one path.
An unauthenticated caller learns nothing about the routes: it gets 401 whatever it asks.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import Message

from ssohelper.errors import UsageError

LOOPBACK = "127.0.0.1"
CREDENTIALS_PATH = "/credentials"


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str  # for the log and the answer's Message; never holds a secret


@dataclass(frozen=True)
class Door:
    """What a server accepts: the Host values, the token, and its one path."""

    hosts: frozenset[str]
    token: bytes = field(repr=False)
    path: str = CREDENTIALS_PATH


def bind_address(exposed: str | None) -> str:
    """127.0.0.1, unless the user named another IPv4 address with the option that says it is exposed."""
    if exposed is None:
        return LOOPBACK
    try:
        address = ipaddress.ip_address(exposed)
    except ValueError:
        raise UsageError(f"--bind-exposed takes an IPv4 address, such as 169.254.170.2, not {exposed!r}") from None
    if address.version != 4 or address.is_unspecified:
        raise UsageError(f"--bind-exposed takes one IPv4 address (not 0.0.0.0 or IPv6), not {exposed!r}")
    return str(address)


def allowed_hosts(address: str, port: int) -> frozenset[str]:
    """The ``Host`` values that name this server: its address and port (and localhost on 127.0.0.1).
    On port 80 clients leave the port out (http.client and so botocore do), so the bare names too."""
    names = {address, "localhost"} if address == LOOPBACK else {address}
    return frozenset({f"{name}:{port}" for name in names} | (names if port == 80 else set()))


def header_refusal(door: Door, headers: Message) -> Refusal | None:
    """Refuse browsers, proxies and foreign host names, whatever the route."""
    if headers.get_all("Origin"):
        return Refusal(403, "a request with an Origin header (from a web page) is refused")
    if headers.get_all("X-Forwarded-For"):
        return Refusal(403, "a request with X-Forwarded-For (through a proxy) is refused")
    hosts = headers.get_all("Host") or []
    if len(hosts) != 1 or hosts[0].strip().lower() not in door.hosts:
        return Refusal(403, "this Host is not allowed; use the URL the server printed")
    return None


def token_matches(expected: bytes, offered: Iterable[str] | None) -> bool:
    """Exactly one value, equal to the token; compared in constant time."""
    values = list(offered or [])
    if len(values) != 1:
        return False
    return hmac.compare_digest(values[0].encode("latin-1", "replace"), expected)


def credentials_refusal(door: Door, method: str, path: str, headers: Message) -> Refusal | None:
    """All the checks of the credential route (the ECS format)."""
    refused = header_refusal(door, headers)
    if refused:
        return refused
    if not token_matches(door.token, headers.get_all("Authorization")):
        return Refusal(401, "missing or wrong token; send the one in AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
    if method != "GET":
        return Refusal(405, "only GET is answered")
    if path != door.path:
        return Refusal(404, "nothing here")
    return None

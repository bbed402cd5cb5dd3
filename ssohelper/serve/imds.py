"""The IMDSv2 mode: the instance metadata service's token step and credential routes, nothing more.

``PUT /latest/api/token`` with ``X-aws-ec2-metadata-token-ttl-seconds`` (1 to 21600) hands out
a session token; every ``GET`` must carry a live one in ``X-aws-ec2-metadata-token`` (there is
no IMDSv1). A token request carrying ``X-Forwarded-For`` is refused (the header checks refuse
it on every route), and live tokens are capped in number, so a flood cannot grow memory: past
the cap, a new token replaces the one that expires first.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from email.message import Message

from ssohelper.serve import answers
from ssohelper.serve.checks import Door, Refusal, header_refusal
from ssohelper.serve.source import Supplier

TOKEN_PATH = "/latest/api/token"
ROLE_PATH = "/latest/meta-data/iam/security-credentials/"
TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"
MAX_TTL = 21600
MAX_TOKENS = 64


class TokenBook:
    """Live IMDSv2 session tokens and when each expires; at most ``cap`` at a time."""

    def __init__(self, cap: int = MAX_TOKENS, clock: Callable[[], float] = time.monotonic) -> None:
        self._cap, self._clock = cap, clock
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self, ttl: int) -> str:
        """A new token. At the cap, the live token that expires first makes room: every SDK asks
        for a 6-hour token per process, so refusing would lock clients out for hours."""
        now = self._clock()
        with self._lock:
            self._tokens = {token: end for token, end in self._tokens.items() if end > now}
            while len(self._tokens) >= self._cap:
                del self._tokens[min(self._tokens, key=self._tokens.__getitem__)]
            token = secrets.token_urlsafe(32)
            self._tokens[token] = now + ttl
            return token

    def valid(self, offered: list[str] | None) -> bool:
        """Exactly one offered token, live, compared in constant time against each."""
        if not offered or len(offered) != 1:
            return False
        now, given = self._clock(), offered[0].encode("latin-1", "replace")
        with self._lock:
            live = [token for token, end in self._tokens.items() if end > now]
        return any([hmac.compare_digest(given, token.encode()) for token in live])  # no early exit


class Imds:
    """The routes of the IMDS mode, for one role name."""

    def __init__(self, door: Door, supplier: Supplier, role_name: str, book: TokenBook | None = None) -> None:
        self.door, self.supplier, self.role_name = door, supplier, role_name
        self.routes = frozenset({TOKEN_PATH, ROLE_PATH, ROLE_PATH + role_name})
        self.book = book or TokenBook()

    def answer(self, method: str, path: str, headers: Message) -> answers.Answer:
        refused = header_refusal(self.door, headers)
        if refused:
            return answers.refused(refused)
        if path == TOKEN_PATH:
            return self._token(method, headers)
        if not self.book.valid(headers.get_all(TOKEN_HEADER)):
            return answers.refused(Refusal(401, "a valid IMDSv2 token is required (PUT /latest/api/token first)"))
        if method != "GET":
            return answers.refused(Refusal(405, "only GET is answered"))
        if path == ROLE_PATH:
            return answers.text(self.role_name)
        if path == ROLE_PATH + self.role_name:
            try:
                return answers.imds_document(self.supplier.get(), time.time())
            except Exception as exc:
                return answers.failed(exc)
        return answers.refused(Refusal(404, "nothing here"))

    def _token(self, method: str, headers: Message) -> answers.Answer:
        if method != "PUT":
            return answers.refused(Refusal(405, "tokens are issued by PUT only"))
        values = headers.get_all(TTL_HEADER) or []
        text = values[0].strip() if len(values) == 1 else ""
        # ASCII digits only, and few: int() refuses "²" and 5,000 digits with a ValueError
        ttl = int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else 0
        if not 1 <= ttl <= MAX_TTL:
            return answers.refused(Refusal(400, f"{TTL_HEADER} must be 1 to {MAX_TTL}"))
        return answers.text(self.book.issue(ttl))

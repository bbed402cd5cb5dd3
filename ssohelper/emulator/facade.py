"""The Emulator: the server started on a loopback port, with the knobs and counters tests use."""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from ssohelper.emulator import faults
from ssohelper.emulator.server import Server
from ssohelper.emulator.state import Accounts, Client, Settings, State


class Emulator:
    """An SSO OIDC + portal emulator on a loopback port. Example::

    with Emulator(approve_after_polls=2) as emu:
        client = session.create_client("sso-oidc", endpoint_url=emu.url, ...)
    """

    def __init__(self, accounts: Accounts | None = None, **settings: Any) -> None:
        self._state = State()
        self._state.configure(accounts=accounts, **settings)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Emulator:
        if self._server is not None:
            raise RuntimeError("emulator already started")
        self._server = Server((host, port), self._state)
        self._thread = threading.Thread(target=self._server.serve_forever, name="ssohelper-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._server = self._thread = None
        stopper = threading.Thread(target=server.shutdown, daemon=True)
        stopper.start()
        while stopper.is_alive():
            server.wake()
            stopper.join(0.01)
        server.close_connections()
        server.server_close()
        thread.join()

    def __enter__(self) -> Emulator:
        return self if self._server is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("emulator not started; call start() first")
        return self._server.url

    def configure(self, **settings: Any) -> None:
        self._state.configure(**settings)

    @property
    def settings(self) -> Settings:
        return self._state.settings

    @property
    def accounts(self) -> Accounts:
        with self._state.lock:
            return copy.deepcopy(self._state.accounts)

    def fail_next(
        self,
        operation: str,
        count: int = 1,
        status: int = 429,
        *,
        kind: str = "answer",
        body: str | bytes | None = None,
        content_type: str | None = None,
    ) -> None:
        """The next ``count`` calls to ``operation`` fail: see ssohelper.emulator.faults."""
        self._state.fail_next(operation, count, faults.make_fault(kind, status, body, content_type))

    @property
    def calls(self) -> Mapping[str, int]:
        return self._state.call_counts()

    @property
    def signin_tokens(self) -> list[str]:
        """The console sign-in tokens the federation endpoint has handed out, oldest first."""
        with self._state.lock:
            return list(self._state.signin_tokens)

    def reset_calls(self) -> None:
        """Zero the call counts (throttled ones too) and refill the throttle's bucket."""
        self._state.reset_calls()

    @property
    def throttled(self) -> int:
        """Portal calls the throttle answered with 429 since the last reset_calls()."""
        with self._state.lock:
            return self._state.throttled

    def accept_credentials(self, access_key_id: str, secret_access_key: str) -> None:
        """Let /federation accept credentials issued elsewhere (say, STS AssumeRole in moto)."""
        with self._state.lock:
            self._state.role_keys[access_key_id] = secret_access_key

    def approve(self, user_code: str) -> None:
        self._state.approve(user_code)

    def expire_tokens(self) -> None:
        self._state.expire_tokens()

    @property
    def clients(self) -> dict[str, Client]:
        with self._state.lock:
            return dict(self._state.clients)

    @property
    def authorize_requests(self) -> list[dict[str, str]]:
        """The query of every GET /authorize, in order (for tests of the browser flow)."""
        with self._state.lock:
            return copy.deepcopy(self._state.authorize_requests)

    @property
    def pending_user_codes(self) -> list[str]:
        return self._state.pending_user_codes()

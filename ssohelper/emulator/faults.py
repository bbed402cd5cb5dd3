"""Injected faults: what the next calls to an operation do instead of answering normally.

- ``answer``: an error status (the API's own error shape), or any status with a raw ``body``
  (HTML from a captive portal, ``{}``, ``null``, a truncated document...);
- ``reset``: the connection is reset before anything is processed;
- ``drop-after``: the call is processed (a refresh rotates its token), then the connection is
  reset, so the client never sees the answer.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import time
from dataclasses import dataclass
from io import BufferedIOBase
from typing import NoReturn

from ssohelper.emulator.wire import injected_error

KINDS = ("answer", "reset", "drop-after")


@dataclass(frozen=True)
class Fault:
    kind: str = "answer"
    status: int = 429
    body: bytes | None = None
    content_type: str = "application/json"


def make_fault(
    kind: str = "answer", status: int = 429, body: str | bytes | None = None, content_type: str | None = None
) -> Fault:
    """A checked Fault: error statuses only, unless a raw body says exactly what to send."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    low = 200 if body is not None else 400
    if not low <= status <= 599:
        raise ValueError(f"status must be an HTTP {'' if body is not None else 'error '}status, not {status}")
    raw = body.encode() if isinstance(body, str) else body
    return Fault(kind, status, raw, content_type or "application/json")


class Dropped(Exception):
    """The handler must reset the connection instead of answering."""


class RawAnswer(Exception):
    """The handler must send the fault's raw status and body instead of answering."""

    def __init__(self, fault: Fault) -> None:
        super().__init__(fault.status)
        self.fault = fault


def interrupt(service: str, fault: Fault) -> NoReturn:
    """Raise what ``fault`` does instead of the normal answer (all kinds but drop-after)."""
    if fault.kind == "reset":
        raise Dropped
    if fault.body is None:
        raise injected_error(service, fault.status)
    raise RawAnswer(fault)


def reset(connection: socket.socket) -> None:
    """Close with SO_LINGER 0: the peer sees a connection reset, not a clean end."""
    with contextlib.suppress(OSError):
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        connection.close()


def write_dribbled(out: BufferedIOBase, payload: bytes, delay_ms: int) -> None:
    """Send ``payload`` one byte every ``delay_ms`` milliseconds (a server that dribbles)."""
    for index in range(len(payload)):
        try:
            out.write(payload[index : index + 1])
            out.flush()
        except OSError:  # the client gave up: that is the point of dribbling
            return
        time.sleep(delay_ms / 1000)

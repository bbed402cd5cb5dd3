"""Who is on the other end of a loopback connection (Linux): the uid that owns the client's socket.

On loopback, both modes (ECS and IMDS, which has no secret of its own) let in only the user who
started the server, and root: the client's socket is looked up in /proc/net/tcp, as identd does,
as the connection is accepted, so another user's connection is closed before it holds a slot.
Elsewhere the owner cannot be known and nobody is refused on this ground.
"""

from __future__ import annotations

import os
import socket
import struct

PROC_TCP = "/proc/net/tcp"


def _key(address: tuple[str, int]) -> str:
    """An IPv4 address and port as /proc/net/tcp prints them (the address in host byte order)."""
    (number,) = struct.unpack("=I", socket.inet_aton(address[0]))
    return f"{number:08X}:{address[1]:04X}"


def owner(client: tuple[str, int], server: tuple[str, int], *, table: str = PROC_TCP) -> int | None:
    """The uid owning the client's end of the connection client -> server; -1 when the table has
    no such connection (refuse it), None when there is no table to read (not Linux)."""
    local, remote = _key(client), _key(server)
    try:
        with open(table) as handle:
            next(handle, None)  # the header
            for line in handle:
                fields = line.split()
                if len(fields) > 7 and fields[1] == local and fields[2] == remote:
                    return int(fields[7])
    except OSError:
        return None
    except ValueError:
        return -1
    return -1


def allowed(client: tuple[str, int], server: tuple[str, int]) -> bool:
    """True for the server's own user and root, and wherever the owner can't be known."""
    if not hasattr(os, "getuid"):
        return True
    uid = owner(client, server)
    return uid is None or uid in (os.getuid(), 0)

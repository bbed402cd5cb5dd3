"""Answers worked out from the AWS config file, remembered per version of that file. Stdlib only.

The credential_process fast path must not parse a 10,000-profile config on every call, so an
answer (a few strings) is kept in a small private file beside the role-credential entries,
stamped with the config file's path and identity (size, mtime, inode, device). Another config
file, a changed one, or a damaged or untrusted memo is simply a miss.
"""

from __future__ import annotations

import os

from ssohelper import paths
from ssohelper.cache.rolestore import escape, read_private, write_private

HEADER = "ssohelper-target 1"


def stamp(path: str) -> str:
    """The identity of the file at ``path`` (``missing`` when there is none)."""
    try:
        st = os.stat(path)
    except OSError:
        return "missing"
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}:{st.st_dev}"


def memo_path(kind: str, name: str) -> str:
    return os.path.join(paths.role_cache_dir(), f"{kind}-{escape(name)}.target")


def recall(kind: str, name: str, config_path: str, size: int) -> list[str] | None:
    """The ``size`` values remembered for (kind, name) against this version of the config file."""
    lines = (read_private(memo_path(kind, name)) or "").split("\n")
    if len(lines) >= 3 + size and lines[:3] == [HEADER, config_path, stamp(config_path)]:
        return lines[3 : 3 + size]
    return None


def remember(kind: str, name: str, config_path: str, config_stamp: str, values: list[str]) -> None:
    """Keep ``values`` for (kind, name), stamped with the config version they were worked out from."""
    if any("\n" in value for value in values):
        return  # a value that can't be stored on one line is simply not remembered
    write_private(memo_path(kind, name), "\n".join([HEADER, config_path, config_stamp, *values]) + "\n")

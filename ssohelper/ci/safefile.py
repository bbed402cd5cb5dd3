"""Reading a repository's files as a CI gate must: bounded, and never anything but a regular file
inside the repository. A pull request can bring a FIFO (which would hang an open), a symlink to
a file outside, or a sparse file of a GiB: the size is checked with fstat before a byte is read,
and an open never blocks."""

from __future__ import annotations

import os
import stat

from ssohelper.errors import ConfigError
from ssohelper.ini.read import display_path

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def inside(root: str, path: str) -> bool:
    """``path`` resolves (symlinks followed) to a place inside ``root``."""
    real_root = os.path.realpath(root)
    return os.path.commonpath([real_root, os.path.realpath(path)]) == real_root


def read_bounded(path: str, cap: int) -> bytes | None:
    """The file's bytes (None: no such file); ConfigError for a file over ``cap`` bytes or one
    that is not a regular file, checked before reading."""
    try:
        fd = os.open(path, _FLAGS)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{display_path(path)}: cannot read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{display_path(path)}: not a regular file; not read")
        if info.st_size > cap:
            raise ConfigError(f"{display_path(path)}: over {_size(cap)}; not a pipeline file")
        chunks, total = [], 0
        while total <= cap and (chunk := os.read(fd, min(1 << 20, cap + 1 - total))):
            chunks.append(chunk)
            total += len(chunk)
        if total > cap:  # it grew after the fstat
            raise ConfigError(f"{display_path(path)}: over {_size(cap)}; not a pipeline file")
        return b"".join(chunks)
    except OSError as exc:
        raise ConfigError(f"{display_path(path)}: cannot read ({exc.strerror})") from None
    finally:
        os.close(fd)


def read_inside(root: str, path: str, cap: int) -> bytes | None:
    """A small file the repository may hold (its git config, origin's HEAD): None when it is
    missing, outside the repository, not a regular file or too big."""
    if not inside(root, path):
        return None
    try:
        return read_bounded(path, cap)
    except ConfigError:
        return None


def _size(cap: int) -> str:
    return f"{cap >> 20} MiB" if cap >= 1 << 20 else f"{cap} bytes"

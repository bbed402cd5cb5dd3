"""Showing a planned edit: unified diffs of whole files, with key material masked.

migrate-profiles, populate and rollback all print their diffs through here: a static key in a
neighbouring section of ~/.aws/config shows as a context line and must never be printed.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from ssohelper.ini.diff import diff_parts
from ssohelper.ini.read import display_path
from ssohelper.kinds.static import STATIC_KEYS
from ssohelper.models import mask

# Key material in a diff line: the value of any aws_*key*/token setting (even commented out or
# renamed), an access key ID, or any long base64-looking run.
_SECRET_VALUE = re.compile(r"((?:{})\w*\s*[=:]\s*)(\S+)".format("|".join(STATIC_KEYS)), re.IGNORECASE)
_PLAIN_KEYS = {
    "credential_process",
    "role_arn",
    "source_profile",
    "region",
    "output",
    "mfa_serial",
    "role_session_name",
    "ca_bundle",
    "web_identity_token_file",
}
_SECRET_TOKEN = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|[A-Za-z0-9/+=]{24,}")


def masked_diff(
    files: Sequence[tuple[str, bytes | None, bytes | None]], show: Callable[[str], str] | None = None
) -> str:
    """Unified diffs of (path, old, new) contents, with key material masked (by ``show``, which
    masks more than mask_line does, never less)."""
    return "".join(masked_diff_parts(files, show))


def masked_diff_parts(
    files: Sequence[tuple[str, bytes | None, bytes | None]], show: Callable[[str], str] | None = None
) -> Iterator[str]:
    """masked_diff() hunk by hunk, to print a big one without holding it whole."""
    for path, old, new in files:  # one file at a time: a big file's diff is as big as the file
        with gc_paused():  # a generator: the pause lasts while its parts are printed
            yield from diff_parts(_text(old), _text(new), display_path(path), show=show or mask_line)


def _text(data: bytes | None) -> str:
    return data.decode("utf-8") if data is not None else ""


def mask_line(line: str) -> str:
    """One diff line with its key material masked (ASIA****WXYZ); headers and hunks as they are."""
    body = line[1:].strip()
    if line.startswith(("---", "+++", "@@")) or body.startswith("["):
        return line
    key = body.partition("=")[0].strip().lower() if "=" in body else ""
    if key in _PLAIN_KEYS or key.startswith("sso_"):
        return line
    line = _SECRET_VALUE.sub(lambda m: m[1] + mask(m[2]), line)
    return _SECRET_TOKEN.sub(lambda m: mask(m[0]) if "****" not in m[0] else m[0], line)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Parsing a big config makes millions of small, acyclic objects; with the cycle collector
    scanning them over and over, planning 20,000 profiles took 12x as long as 2,000 instead
    of 10x. Nothing here makes cycles worth collecting during the plan."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

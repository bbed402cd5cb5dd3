"""Unified diffs of AWS config files, for people to read before a rewrite is applied.

Sections are compared one by one: difflib over a whole big file is quadratic, and a rewrite
of thousands of profiles must still show its diff in linear time.
"""

from __future__ import annotations

import difflib
import re

from ssohelper.errors import ConfigError
from ssohelper.ini.editor import parse_ini
from ssohelper.ini.lines import split_lines

_EOL_RE = re.compile(r"\r\n|\r|\n")


def _diff_lines(text: str) -> list[str]:
    lines = split_lines(text)
    if lines and not _EOL_RE.search(text[-1]):
        lines[-1] += "\n\\ No newline at end of file"
    return lines


def unified_diff(old: str, new: str, path: str) -> str:
    """A unified diff for people to read: line endings are not shown, so CRLF reads as LF.

    Sections are compared one by one (difflib on a whole big file is quadratic), so the
    diff of a rewrite that touched thousands of sections still takes linear time.
    """
    old_lines, new_lines = _diff_lines(old), _diff_lines(new)
    old_chunks, new_chunks = _chunks(old, old_lines), _chunks(new, new_lines)
    if old_chunks is None or new_chunks is None or not _same_order(old_chunks, new_chunks):
        return _difflib(old_lines, new_lines, path, 0, 0)
    hunks, old_index = [], {key: (start, stop) for key, start, stop in old_chunks}
    new_keys = {key for key, _, _ in new_chunks}
    gone = [chunk for chunk in old_chunks if chunk[0] not in new_keys]  # sections that disappeared
    position = 0  # where the next unmatched old chunk starts
    for key, start, stop in new_chunks:
        old_start, old_stop = old_index.get(key, (position, position))
        while gone and gone[0][1] < old_start:
            _, gone_start, gone_stop = gone.pop(0)
            hunks.append(_difflib(old_lines[gone_start:gone_stop], [], path, gone_start, start))
        if old_lines[old_start:old_stop] != new_lines[start:stop]:
            hunks.append(_difflib(old_lines[old_start:old_stop], new_lines[start:stop], path, old_start, start))
        position = max(position, old_stop)
    for _, gone_start, gone_stop in gone:
        hunks.append(_difflib(old_lines[gone_start:gone_stop], [], path, gone_start, len(new_lines)))
    body = "".join(hunk.split("\n", 2)[2] if hunk else "" for hunk in hunks)
    return f"--- {path}\n+++ {path}\n{body}" if body else ""


def _chunks(text: str, lines: list[str]) -> list[tuple[str | None, int, int]] | None:
    """(section name or None for the preamble, first line, end) for every section, in order."""
    try:
        doc = parse_ini(text)
    except ConfigError:
        return None
    starts = sorted((header, name) for name, header in doc.header_lines().items())
    bounds = [start for start, _ in starts] + [len(lines)]
    chunks: list[tuple[str | None, int, int]] = [(None, 0, bounds[0])]
    return chunks + [(name, start, stop) for (start, name), stop in zip(starts, bounds[1:], strict=False)]


def _same_order(old: list[tuple[str | None, int, int]], new: list[tuple[str | None, int, int]]) -> bool:
    old_keys, new_keys = [key for key, _, _ in old], [key for key, _, _ in new]
    common = set(old_keys) & set(new_keys)
    return [k for k in old_keys if k in common] == [k for k in new_keys if k in common]


_HUNK_RE = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@", re.MULTILINE)


def _difflib(old: list[str], new: list[str], path: str, old_offset: int, new_offset: int) -> str:
    diff = "\n".join(difflib.unified_diff(old, new, path, path, lineterm=""))
    if not diff:
        return ""

    def shift(match: re.Match[str]) -> str:
        old_start, new_start = int(match[1]) + old_offset, int(match[3]) + new_offset
        return f"@@ -{old_start}{match[2] or ''} +{new_start}{match[4] or ''} @@"

    return _HUNK_RE.sub(shift, diff) + "\n"

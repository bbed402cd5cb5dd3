"""Unified diffs of AWS config files, for people to read before a rewrite is applied.

Sections are compared one by one: difflib over a whole big file is quadratic, and a rewrite
of thousands of profiles must still show its diff in linear time.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from typing import Literal

from ssohelper.errors import ConfigError
from ssohelper.ini.lines import header_lines, split_lines

_EOL_RE = re.compile(r"\r\n|\r|\n")


def _prepared(text: str) -> tuple[list[str], list[tuple[str | None, int, int]] | None]:
    """The lines of ``text`` as the diff shows them, and its sections (None: not INI)."""
    shown = split_lines(text)
    chunks = _chunks(shown)
    if shown and not _EOL_RE.search(text[-1]):
        shown[-1] += "\n\\ No newline at end of file"
    return shown, chunks


def unified_diff(old: str, new: str, path: str, context: int = 3, show: Callable[[str], str] = str) -> str:
    """A unified diff for people to read: line endings are not shown, so CRLF reads as LF.

    Sections are compared one by one (difflib on a whole big file is quadratic), so the
    diff of a rewrite that touched thousands of sections still takes linear time; their
    edits are then grouped into hunks over the whole file, as ``patch`` expects them. ``show``
    rewrites each line as it is made (to mask secrets without a second copy of a big diff).
    """
    return "".join(diff_parts(old, new, path, context, show))


def diff_parts(old: str, new: str, path: str, context: int = 3, show: Callable[[str], str] = str) -> Iterator[str]:
    """unified_diff() piece by piece (the header, then each hunk): a big diff can be printed
    as it is made instead of being held whole."""
    (old_lines, old_chunks), (new_lines, new_chunks) = _prepared(old), _prepared(new)
    if old_chunks is None or new_chunks is None or not _same_order(old_chunks, new_chunks):
        opcodes = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes()
    else:
        opcodes = _section_opcodes(old_lines, new_lines, old_chunks, new_chunks)
    header = f"--- {path}\n+++ {path}\n"
    for group in _Given(opcodes).get_grouped_opcodes(context):
        yield header + _hunk(group, old_lines, new_lines, show)
        header = ""


Opcode = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]


class _Given(difflib.SequenceMatcher[str]):
    """difflib's hunk grouping over opcodes that were computed elsewhere."""

    def __init__(self, opcodes: list[Opcode]) -> None:
        super().__init__(None, [], [])
        self._given = opcodes

    def get_opcodes(self) -> list[Opcode]:
        return self._given


def _section_opcodes(
    old_lines: list[str],
    new_lines: list[str],
    old_chunks: list[tuple[str | None, int, int]],
    new_chunks: list[tuple[str | None, int, int]],
) -> list[Opcode]:
    """difflib opcodes for the whole file, made section by section: a section only in the old
    file is deleted, one only in the new file inserted, and a common one compared with itself."""
    old_keys, new_keys = {key for key, _, _ in old_chunks}, {key for key, _, _ in new_chunks}
    opcodes: list[Opcode] = []
    i = j = 0
    while i < len(old_chunks) or j < len(new_chunks):
        if i < len(old_chunks) and old_chunks[i][0] not in new_keys:
            _, start, stop = old_chunks[i]
            opcodes.append(("delete", start, stop, _at(new_chunks, j, new_lines), _at(new_chunks, j, new_lines)))
            i += 1
        elif j < len(new_chunks) and (i == len(old_chunks) or new_chunks[j][0] not in old_keys):
            _, start, stop = new_chunks[j]
            opcodes.append(("insert", _at(old_chunks, i, old_lines), _at(old_chunks, i, old_lines), start, stop))
            j += 1
        else:
            (_, a0, a1), (_, b0, b1) = old_chunks[i], new_chunks[j]
            matcher = difflib.SequenceMatcher(None, old_lines[a0:a1], new_lines[b0:b1], autojunk=False)
            opcodes += [(tag, a0 + i1, a0 + i2, b0 + j1, b0 + j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]
            i, j = i + 1, j + 1
    merged: list[Opcode] = []
    for code in opcodes:
        if code[1] == code[2] and code[3] == code[4]:
            continue
        if merged and merged[-1][0] == code[0] == "equal":  # one run of context across sections
            merged[-1] = ("equal", merged[-1][1], code[2], merged[-1][3], code[4])
        else:
            merged.append(code)
    return merged or [("equal", 0, 0, 0, 0)]


def _at(chunks: list[tuple[str | None, int, int]], index: int, lines: list[str]) -> int:
    """Where chunk ``index`` starts (the end of the file past the last one)."""
    return chunks[index][1] if index < len(chunks) else len(lines)


def _range(start: int, stop: int) -> str:
    """A hunk range as unified diffs write it (difflib's own rule)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def _hunk(
    group: list[tuple[str, int, int, int, int]], old: list[str], new: list[str], show: Callable[[str], str]
) -> str:
    lines = [f"@@ -{_range(group[0][1], group[-1][2])} +{_range(group[0][3], group[-1][4])} @@"]
    for tag, i1, i2, j1, j2 in group:
        if tag == "equal":
            lines += [show(" " + line) for line in old[i1:i2]]
            continue
        lines += [show("-" + line) for line in old[i1:i2]] + [show("+" + line) for line in new[j1:j2]]
    return "\n".join(lines) + "\n"


def _chunks(lines: list[str]) -> list[tuple[str | None, int, int]] | None:
    """(section name or None for the preamble, first line, end) for every section, in order."""
    try:
        starts = sorted((header, name) for name, header in header_lines(lines).items())
    except ConfigError:
        return None
    bounds = [start for start, _ in starts] + [len(lines)]
    chunks: list[tuple[str | None, int, int]] = [(None, 0, bounds[0])]
    return chunks + [(name, start, stop) for (start, name), stop in zip(starts, bounds[1:], strict=False)]


def _same_order(old: list[tuple[str | None, int, int]], new: list[tuple[str | None, int, int]]) -> bool:
    old_keys, new_keys = [key for key, _, _ in old], [key for key, _, _ in new]
    common = set(old_keys) & set(new_keys)
    return [k for k in old_keys if k in common] == [k for k in new_keys if k in common]

"""A file as lines, and whole-line edits planned on it: every byte of every line no edit
touches is written back as it was (line endings, a BOM, a missing final newline included)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import yaml


class Lines:
    def __init__(self, data: bytes) -> None:
        text = data.decode("utf-8")
        self.bom = text.startswith("\ufeff")
        self.lines = text.removeprefix("\ufeff").split("\n")  # each keeps its "\r" in a CRLF file
        self.crlf = bool(self.lines) and self.lines[0].endswith("\r")
        self._edits: list[tuple[int, int, int, list[str]]] = []

    def __getitem__(self, index: int) -> str:
        return self.lines[index].removesuffix("\r")

    def replace(self, start: int, end: int, new: list[str]) -> None:
        """Lines [start, end) become ``new`` (lines without their line break)."""
        for other_start, other_end, _, _ in self._edits:
            if start < other_end and other_start < end:
                raise ValueError(f"overlapping edits at line {start + 1}")
        self._edits.append((start, end, len(self._edits), new))

    def insert(self, at: int, new: list[str]) -> None:
        self.replace(at, at, new)

    def set_span(self, node: yaml.Node, text: str) -> None:
        """Replace a one-line node's text on its line, keeping the rest of the line."""
        number = node.start_mark.line
        line = self[number]
        self.replace(number, number + 1, [line[: node.start_mark.column] + text + line[node.end_mark.column :]])

    @property
    def changed(self) -> bool:
        return bool(self._edits)

    def result(self) -> bytes:
        lines = list(self.lines)
        suffix = "\r" if self.crlf else ""
        # from the bottom up; at one line, a replacement before the inserts, which then go above it
        # in the order they were planned
        for start, end, _, new in sorted(self._edits, key=lambda e: (e[0], e[1] > e[0], e[2]), reverse=True):
            lines[start:end] = [line + suffix for line in new]
        return (("\ufeff" if self.bom else "") + "\n".join(lines)).encode("utf-8")


def last_line(node: yaml.Node) -> int:
    """The 0-based line a node's text ends on. A block collection ends where its last value
    does (its end mark is the next token's start); a block scalar's end mark is on the next line.
    A loop, not a recursion: a hostile file may nest thousands deep."""
    while True:
        children = node.value if isinstance(node.value, list) else []
        if not children or getattr(node, "flow_style", False):
            break
        last = children[-1]
        node = last[1] if isinstance(last, tuple) else last
    end = node.end_mark
    if end.column == 0 and end.line > node.start_mark.line:
        return int(end.line) - 1
    return int(end.line)

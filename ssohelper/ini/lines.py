"""Lines of an AWS config or credentials file, classified exactly as configparser reads them.

The parsing half of the lossless editor (ini/editor.py): every line keeps its text and its line
ending, and the indexer records where each section and key lives. Stdlib only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ssohelper.errors import ConfigError

COMMENT = ("#", ";")
# configparser's own patterns, applied (as it does) to the stripped line.
SECTION_RE = re.compile(r"\[(?P<header>.+)\]")
OPTION_RE = re.compile(r"(?P<option>.*?)(?P<sep>\s*[=:]\s*)(?P<value>.*)$")
# Text-mode reads (botocore's) split lines on \r\n, \r and \n, so we do too.
_LINE_RE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|)")
EOL_RE = re.compile(r"\r\n|\r|\n")
BLANK, REMARK, HEADER, KEY, CONT = "blank", "comment", "header", "key", "cont"


@dataclass(frozen=True, slots=True)  # one per line of a file: slots halve their memory
class Line:
    text: str  # without its line ending
    eol: str  # "\r\n", "\n", "\r", or "" for a last line without one


@dataclass(slots=True)
class Key:
    line: int
    end: int  # index of the key's last line: the key line or its last continuation line


@dataclass(slots=True)
class Section:
    header: int
    keys: dict[str, Key] = field(default_factory=dict)  # lowercased name -> key, file order


def split(text: str) -> list[Line]:
    return [Line(m[1], m[2]) for m in _LINE_RE.finditer(text) if m[0]]


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` without their endings, split as botocore's text-mode read does."""
    return [m[1] for m in _LINE_RE.finditer(text) if m[0]]


def leading_space(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]  # lstrip's whitespace is configparser's \s


def shown_key(name: str) -> str:
    # A pasted secret ending in "=" parses as a key name; never echo anything that long.
    return name if len(name) <= 32 else name[:8] + "..."


BOM = "\ufeff"


def unclosed_header(stripped: str) -> bool:
    return stripped.startswith("[") and "]" not in stripped


def fault_before_sections(text: str) -> str:
    """What is wrong with a line that comes before any [section] (or is no line at all), in the
    words both readers use: a byte order mark, an unclosed header, or a stray setting."""
    if text.startswith(BOM):
        return "starts with a UTF-8 byte order mark (BOM), which botocore cannot read; save it without one"
    stripped = text.strip()
    if unclosed_header(stripped):
        return f"section header '{shown_key(stripped)}' has no closing ']'; fix the file and retry"
    option = OPTION_RE.match(stripped)
    what = f"key '{shown_key(option['option'])}'" if option and option["option"] else "text"
    return f"{what} before any [section]; fix the file and retry"


class Indexer:
    """Classifies lines with configparser's state machine; raises where a strict parser would."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.kinds: list[str] = []
        self.sections: dict[str, Section] = {}
        self.section: Section | None = None
        self.key: Key | None = None
        self.indent = 0

    def run(self, lines: Sequence[Line]) -> Indexer:
        self.kinds = [self._classify(index, line.text) for index, line in enumerate(lines)]
        return self

    def _classify(self, index: int, text: str) -> str:
        stripped = text.strip()
        if not stripped:
            return BLANK
        if stripped.startswith(COMMENT):
            return REMARK
        width = len(leading_space(text))
        if self.key is not None and width > self.indent:
            self.key.end = index
            return CONT
        self.indent = width
        header = SECTION_RE.match(stripped)
        if header:
            self._add_section(index, header["header"].strip())
            return HEADER
        self._add_key(index, stripped)
        return KEY

    def _fail(self, index: int, problem: str) -> ConfigError:
        return ConfigError(f"{self.path} line {index + 1}: {problem}")

    def _add_section(self, index: int, name: str) -> None:
        if name in self.sections:
            first = self.sections[name].header + 1
            raise self._fail(index, f"duplicate section [{name}] (first at line {first}); remove one and retry")
        self.section = self.sections[name] = Section(index)
        self.key = None

    def _add_key(self, index: int, stripped: str) -> None:
        option = OPTION_RE.match(stripped)
        name = option["option"] if option else ""
        if self.section is None or unclosed_header(stripped):
            raise self._fail(index, fault_before_sections(stripped))
        if not name:
            raise self._fail(index, "expected 'key = value', a [section] or a comment; fix the file and retry")
        lowered = name.lower()
        if lowered in self.section.keys:
            first = self.section.keys[lowered].line + 1
            raise self._fail(
                index, f"duplicate key '{shown_key(name)}' in a section (first at line {first}); remove one and retry"
            )
        self.key = self.section.keys[lowered] = Key(index, index)


class _HeaderScan(Indexer):
    """Indexer's rules, keeping only where each section starts (a diff of a big file needs no more)."""

    def _add_key(self, index: int, stripped: str) -> None:
        self.key = Key(index, index)


def header_lines(lines: Sequence[str], path: str = "<text>") -> dict[str, int]:
    """Section name -> index of its header line in ``lines`` (texts without their line
    endings), as the lossless parser finds them."""
    scan = _HeaderScan(path)
    for index, text in enumerate(lines):
        scan._classify(index, text)
    return {name: section.header for name, section in scan.sections.items()}

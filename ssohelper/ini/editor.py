"""Lossless, line-based editing of AWS config and credentials INI files (stdlib only).

Lines are classified exactly as ``configparser.RawConfigParser`` (what botocore uses) reads them,
so both see the same sections, keys and values, while every byte is kept: an unchanged document
renders to exactly the text it was parsed from, and an edit touches only its own lines.

    >>> doc = parse_ini("[default]\\nregion = us-east-1\\n")
    >>> doc.set("default", "output", "json")
    >>> doc.render()
    '[default]\\nregion = us-east-1\\noutput = json\\n'
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ssohelper.errors import ConfigError
from ssohelper.ini.lines import (
    BLANK,
    COMMENT,
    CONT,
    EOL_RE,
    HEADER,
    OPTION_RE,
    REMARK,
    Indexer,
    Key,
    Line,
    leading_space,
    split,
)
from ssohelper.ini.read import display_path, read_file

__all__ = ["IniFile", "parse_bytes", "parse_ini", "read_ini"]

_BOM = "\ufeff"


def _check_item(key: str, value: str) -> None:
    """Refuse what would not read back as written. Values are never echoed: they may be secret."""
    bad = not key or key != key.strip() or key.startswith(("[", *COMMENT))
    if bad or EOL_RE.search(key) or "=" in key or ":" in key:
        raise ValueError(f"invalid INI key {key!r}")
    rest = [line.strip() for line in value.split("\n")[1:]]
    if "\r" in value or not all(rest) or any(line.startswith(COMMENT) for line in rest):
        raise ValueError(f"value for {key!r} has a carriage return, or a blank or comment sub-line")


def _entry(head: str, value: str, cont_indent: str) -> list[str]:
    """``head`` is everything up to the value, e.g. ``"  key = "``."""
    first, *rest = value.split("\n")
    first = first.strip()
    return [head + first if first else head.rstrip()] + [cont_indent + r.strip() for r in rest]


def _separator(sep: str, had_value: bool) -> str:
    # "s3 =" with an empty value has no space after "="; mirror the one before it.
    return sep if had_value else sep + leading_space(sep)


class IniFile:
    """A parsed INI document. Sections are named by their header, whitespace-stripped."""

    def __init__(self, lines: list[Line], *, path: str, bom: str) -> None:
        self.path = path
        self._bom = bom
        self._lines = lines
        crlf = sum(line.eol == "\r\n" for line in lines)
        self.newline = "\r\n" if crlf > sum(line.eol == "\n" for line in lines) else "\n"
        self._index(lines)

    def _index(self, lines: list[Line]) -> None:
        indexer = Indexer(self.path).run(lines)
        self._lines, self._kinds, self._sections = lines, indexer.kinds, indexer.sections
        self._spans: dict[str, tuple[int, int]] | None = None

    def render(self) -> str:
        # no concatenated copy of each line: a big file renders in the memory of its text
        return self._bom + "".join([part for line in self._lines for part in (line.text, line.eol)])

    def header_lines(self) -> dict[str, int]:
        """Section name -> index of its header line."""
        return {name: section.header for name, section in self._sections.items()}

    def section_names(self) -> list[str]:
        return list(self._sections)

    def has_section(self, name: str) -> bool:
        return name.strip() in self._sections

    def keys(self, section: str) -> list[str]:
        found = self._sections.get(section.strip())
        return list(found.keys) if found else []

    def _find(self, section: str, key: str) -> Key | None:
        found = self._sections.get(section.strip())
        return found.keys.get(key.lower()) if found else None

    def get(self, section: str, key: str) -> str | None:
        """The value as configparser gives it: sub-key lines joined with "\\n"."""
        found = self._find(section, key)
        if found is None:
            return None
        option = OPTION_RE.match(self._lines[found.line].text.strip())
        assert option is not None
        span = range(found.line + 1, found.end + 1)  # continuation and blank lines count
        rest = [self._lines[i].text.strip() for i in span if self._kinds[i] != REMARK]
        return "\n".join([option["value"].strip(), *rest])

    def set(self, section: str, key: str, value: str) -> None:
        """Replace the key in place, or add ``key = value`` after the section's last key."""
        _check_item(key, value)
        if not self.has_section(section):
            raise KeyError(f"no section [{section.strip()}] in {self.path}")
        found = self._find(section, key)
        if found is None:
            index, indent = self._insert_point(section)
            self._replace(index, index, _entry(f"{indent}{key} = ", value, indent + "  "))
            return
        text = self._lines[found.line].text
        option = OPTION_RE.match(text.strip())
        assert option is not None
        head = leading_space(text) + option["option"] + _separator(option["sep"], bool(option["value"]))
        conts = [i for i in range(found.line + 1, found.end + 1) if self._kinds[i] == CONT]
        cont_indent = leading_space(self._lines[conts[0]].text) if conts else leading_space(text) + "  "
        self._replace(
            found.line,
            found.end + 1,
            _entry(head, value, cont_indent),
            kept=self._comments(found),
            first_eol=self._lines[found.line].eol,
        )

    def remove(self, section: str, key: str) -> bool:
        """Drop the key line and its continuation lines; comments among them stay."""
        found = self._find(section, key)
        if found is None:
            return False
        self._replace(found.line, found.end + 1, [], kept=self._comments(found))
        return True

    def add_section(self, name: str, items: list[tuple[str, str]]) -> None:
        """Append ``[name]`` and its items at the end, after a blank line."""
        self.add_sections([(name, items)])

    def add_sections(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        """Append several sections in one pass (each after a blank line)."""
        texts: list[str] = []
        for name, items in sections:
            if not name or name != name.strip() or EOL_RE.search(name):
                raise ValueError(f"invalid section name {name!r}")
            if self.has_section(name) or f"[{name}]" in texts:
                raise ValueError(f"section [{name}] already exists in {self.path}")
            if len({key.lower() for key, _ in items}) != len(items):
                raise ValueError(f"duplicate keys in {[key for key, _ in items]}")
            texts += ["", f"[{name}]"] if texts else [f"[{name}]"]
            for key, value in items:
                _check_item(key, value)
                texts += _entry(f"{key} = ", value, "  ")
        if not texts:
            return
        lines = list(self._lines)
        if lines and not lines[-1].eol:
            lines[-1] = Line(lines[-1].text, self.newline)
        if lines and lines[-1].text.strip():
            texts.insert(0, "")
        lines += [Line(text, self.newline) for text in texts]
        self._commit(lines, [*self._sections, *(name for name, _ in sections)])

    def section_text(self, name: str) -> str:
        """The section's own text: its header up to the next header (or the end)."""
        start, stop = self._span(name)
        return "".join(line.text + line.eol for line in self._lines[start:stop])

    def replace_sections(self, texts: dict[str, str]) -> None:
        """Swap whole section texts in one pass: edit many sections of a big file in linear time.

        Each text must still be that one section (edit it with its own ``parse_ini``).
        """
        spans = sorted((self._span(name), text) for name, text in texts.items())
        lines: list[Line] = []
        position = 0
        for (start, stop), text in spans:
            lines += self._lines[position:start] + split(text)
            position = stop
        lines += self._lines[position:]
        self._commit(lines, list(self._sections))

    def _span(self, name: str) -> tuple[int, int]:
        if self._spans is None:  # computed once per version of the document
            starts = sorted((section.header, key) for key, section in self._sections.items())
            stops = [start for start, _ in starts[1:]] + [len(self._lines)]
            self._spans = {key: (start, stop) for (start, key), stop in zip(starts, stops, strict=False)}
        return self._spans[name.strip()]

    def remove_section(self, name: str) -> bool:
        """Drop the header, the section's keys and the blank lines after them."""
        found = self._sections.get(name.strip())
        if found is None:
            return False
        start = found.header
        stop = max([found.header, *(key.end for key in found.keys.values())]) + 1
        while stop < len(self._lines) and self._kinds[stop] == BLANK:
            stop += 1
        if stop == len(self._lines):  # it was the last section: drop its separator too
            while start > 0 and self._kinds[start - 1] == BLANK:
                start -= 1
        self._replace(start, stop, [], names=[n for n in self._sections if n != name.strip()])
        return True

    def _comments(self, key: Key) -> list[Line]:
        span = range(key.line + 1, key.end + 1)
        return [self._lines[i] for i in span if self._kinds[i] == REMARK]

    def _insert_point(self, section: str) -> tuple[int, str]:
        found = self._sections[section.strip()]
        if found.keys:
            last = list(found.keys.values())[-1]
            return last.end + 1, leading_space(self._lines[last.line].text)
        # No sibling to align with: indent like the next header, so that it stays a header.
        span = range(found.header + 1, len(self._lines))
        following = next((i for i in span if self._kinds[i] == HEADER), None)
        return found.header + 1, "" if following is None else leading_space(self._lines[following].text)

    def _replace(
        self,
        start: int,
        stop: int,
        texts: list[str],
        *,
        kept: Sequence[Line] = (),
        first_eol: str = "",
        names: list[str] | None = None,
    ) -> None:
        had_final_newline = not self._lines or bool(self._lines[-1].eol)
        new = [Line(text, self.newline) for text in texts]
        if new and first_eol:
            new[0] = Line(new[0].text, first_eol)
        lines = self._lines[:start] + new + list(kept) + self._lines[stop:]
        last = len(lines) - 1
        lines = [ln if ln.eol or i == last else Line(ln.text, self.newline) for i, ln in enumerate(lines)]
        if stop >= len(self._lines) and not had_final_newline and lines:
            lines[-1] = Line(lines[-1].text, "")  # keep the file's missing final newline
        self._commit(lines, list(self._sections) if names is None else names)

    def _commit(self, lines: list[Line], names: list[str]) -> None:
        old = self._lines
        self._sections, self._kinds = {}, []  # the old index goes first: big files need half the memory
        try:
            self._index(lines)
            same = self.section_names() == names
        except ConfigError:
            same = False
        if not same:  # an oddly indented [header] would have become a continuation line
            self._index(old)
            raise ConfigError(
                f"{self.path}: cannot make this edit without changing other "
                "sections; fix the indentation of the [section] lines and retry"
            )


def parse_ini(text: str, path: str = "<config>") -> IniFile:
    """Parse INI text; ``path`` is only used in error messages."""
    bom = _BOM if text.startswith(_BOM) else ""
    return IniFile(split(text[len(bom) :]), path=path, bom=bom)


def read_ini(path: str | os.PathLike[str]) -> IniFile:
    """Read and parse a UTF-8 INI file; ConfigError names the file if that fails."""
    data = read_file(os.fspath(path))
    if data is None:
        raise ConfigError(f"{display_path(os.fspath(path))}: cannot read it (no such file); check the path and retry")
    return parse_bytes(data, os.fspath(path))


def parse_bytes(data: bytes, path: str) -> IniFile:
    """Decode UTF-8 and parse; ConfigError names the file and line if that fails."""
    shown = display_path(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = len(EOL_RE.findall(data[: err.start].decode("utf-8", "replace"))) + 1
        raise ConfigError(f"{shown} line {line}: not UTF-8 text; save the file as UTF-8 and retry") from None
    return parse_ini(text, shown)

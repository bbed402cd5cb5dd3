"""Read AWS config and credentials files with botocore's semantics. Stdlib only, and light:
the credential_process fast path uses it to look a profile up.

Parsing uses configparser.RawConfigParser, as botocore does, so what we see is what the
SDKs see. Writing is done elsewhere (ini.editor), losslessly.
"""

from __future__ import annotations

import configparser
import os
import shlex
import stat

from ssohelper import paths
from ssohelper.errors import ConfigError

Section = dict  # key -> str, or key -> dict for nested (s3 = ...) blocks
TYPE_CHECKING = False  # importing typing costs ~3 ms on the hot path
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    Keep = Callable[[str, str], bool]  # (raw section header, key) -> whether to keep that key


def display_path(path: str) -> str:
    home = paths.home()
    return "~" + path[len(home) :] if path.startswith(home + os.sep) else path


def read_file(path: str) -> bytes | None:
    """The bytes of a config or credentials file; None if there is none. ConfigError names the
    file when it can't be read, or is not a regular file (a FIFO there must not hang us)."""
    if path == os.devnull:  # the one device that stands for an empty file
        return b""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{display_path(path)}: cannot read ({exc.strerror})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError(f"{display_path(path)}: not a regular file; replace it with the file itself")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise ConfigError(f"{display_path(path)}: cannot read ({exc.strerror})") from None
    finally:
        os.close(fd)


def read_sections(path: str, keep: Keep | None = None) -> dict[str, Section]:
    """All sections of one file, keyed by the raw header name. A missing file is empty.
    ``keep(header, key)``, when given, says which keys to keep."""
    data = read_file(path)
    if data is None:
        return {}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{display_path(path)}: not UTF-8 text; fix or replace the file") from None
    return parse_sections(text, path, keep)


def parse_sections(text: str, path: str, keep: Keep | None = None) -> dict[str, Section]:
    """Sections of INI ``text`` as botocore reads them; ``path`` is for error messages."""
    parser = _Parser()
    try:
        parser.read_file(_universal_lines(text), source=path)
    except configparser.Error as exc:
        raise ConfigError(_unclosed_header_before(text, path, exc) or _parse_error_message(path, exc)) from None
    sections = {}
    for name in parser.sections():
        sections[name] = _section_values(path, name, parser, keep)
        parser.remove_section(name)  # and its proxy, which points back: no cycle left for the collector
    return sections


def _universal_lines(text: str) -> Iterator[str]:
    """The lines of ``text`` as botocore's text-mode read gives them: a lone CR and CRLF end a
    line too, as "\\n". One at a time: a StringIO of the file held it at four bytes a character."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start) + 1 or size
        yield text[start:end]
        start = end


class _Parser(configparser.RawConfigParser):
    """botocore's parser, without the typed getters nobody here calls: configparser gives every
    section a proxy with a bound copy of each (20 MiB for 20,000 profiles)."""

    getint = getfloat = getboolean = None  # type: ignore[assignment]


def _unclosed_header_before(text: str, path: str, exc: configparser.Error) -> str | None:
    """An unclosed ``[profile work`` header above where configparser gave up: the fault is there
    (configparser reads it as a stray line and the section's keys as the previous one's)."""
    last = getattr(exc, "lineno", None) or len(text.splitlines()) + 1
    for lineno, line in enumerate(_universal_lines(text), 1):
        if lineno > last:
            break
        stripped = line.strip()
        if stripped.startswith("[") and "]" not in stripped:
            from ssohelper.ini.lines import fault_before_sections  # only on this error

            return f"{display_path(path)} line {lineno}: {fault_before_sections(stripped)}"
    return None


def _parse_error_message(path: str, exc: configparser.Error) -> str:
    where = display_path(path)
    if isinstance(exc, configparser.MissingSectionHeaderError):
        from ssohelper.ini.lines import fault_before_sections  # only on this error: keeps the hot path light

        return f"{where} line {exc.lineno}: {fault_before_sections(exc.line)}"
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"{where} line {exc.lineno}: section [{exc.section}] appears twice; merge them"
    if isinstance(exc, configparser.DuplicateOptionError):
        return f"{where} line {exc.lineno}: '{exc.option}' appears twice in [{exc.section}]"
    if isinstance(exc, configparser.ParsingError) and exc.errors:
        lineno, line = exc.errors[0]  # the line itself is not shown: it may hold a secret
        if str(line).lstrip("'\"").startswith("["):
            import ast  # only on this error: ast costs ~9 ms to import

            from ssohelper.ini.lines import fault_before_sections, unclosed_header

            text = ast.literal_eval(line) if str(line)[:1] in "'\"" else str(line)
            if unclosed_header(text.strip()):
                return f"{where} line {lineno}: {fault_before_sections(text)}"
        return f"{where} line {lineno}: not a [section], key = value, or comment line; fix the file"
    return f"{where}: cannot parse ({exc.__class__.__name__}); fix the file"


def _section_values(path: str, name: str, parser: configparser.RawConfigParser, keep: Keep | None) -> Section:
    values: Section = {}
    for key in parser.options(name):
        if keep is not None and not keep(name, key):
            continue
        value = parser.get(name, key)
        if value.startswith("\n"):
            value = _parse_nested(path, name, key, value)
        values[key] = value
    return values


def _parse_nested(path: str, section: str, key: str, value: str) -> dict[str, str]:
    nested = {}
    for line in value.splitlines():
        line = line.strip()
        if not line:
            continue
        if "=" not in line:
            raise ConfigError(
                f"{display_path(path)}: in [{section}], the '{key}' block has a line without '='; fix the file"
            )
        sub, _, sub_value = line.partition("=")
        nested[sub.strip()] = sub_value.strip()
    return nested


def section_kind(header: str) -> tuple[str, str] | None:
    """``profile dev`` -> (``profile``, ``dev``); ``default`` -> (``profile``, ``default``)."""
    if header == "default":
        return "profile", "default"
    for kind in ("profile", "sso-session", "services"):
        if header.startswith(kind):
            try:
                parts = shlex.split(header)
            except ValueError:
                return None
            return (kind, parts[1]) if len(parts) == 2 else None
    return None

"""Read AWS config and credentials files with botocore's semantics. Stdlib only, and light:
the credential_process fast path uses it to look a profile up.

Parsing uses configparser.RawConfigParser, as botocore does, so what we see is what the
SDKs see. Writing is done elsewhere (ini.editor), losslessly.
"""

from __future__ import annotations

import configparser
import io
import os
import shlex
import stat

from ssohelper import paths
from ssohelper.errors import ConfigError

Section = dict  # key -> str, or key -> dict for nested (s3 = ...) blocks


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


def read_sections(path: str) -> dict[str, Section]:
    """All sections of one file, keyed by the raw header name. A missing file is empty."""
    data = read_file(path)
    if data is None:
        return {}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{display_path(path)}: not UTF-8 text; fix or replace the file") from None
    return parse_sections(text, path)


def parse_sections(text: str, path: str) -> dict[str, Section]:
    """Sections of INI ``text`` as botocore reads them; ``path`` is for error messages."""
    parser = configparser.RawConfigParser()
    try:  # universal newlines, as when botocore reads the file: a lone CR ends a line too
        parser.read_file(io.StringIO(text, newline=None), source=path)
    except configparser.Error as exc:
        raise ConfigError(_parse_error_message(path, exc)) from None
    return {name: _section_values(path, name, parser) for name in parser.sections()}


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


def _section_values(path: str, name: str, parser: configparser.RawConfigParser) -> Section:
    values: Section = {}
    for key in parser.options(name):
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

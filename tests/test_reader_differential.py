"""Differential test: on generated config files, our reader agrees with botocore's own parser.

Hypothesis writes config files with every feature botocore's reader has (profile, sso-session,
services and odd section names, nested ``s3 =`` blocks, comments, blank lines, CR, CRLF,
duplicates, malformed lines, a BOM) and checks that ``ssohelper.ini.read`` and
``ssohelper.ini.awsconfig`` see the same values as ``botocore.configloader``, and reject the
same files.
"""

from __future__ import annotations

import locale
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from botocore.configloader import build_profile_map, load_config, raw_config_parse
from botocore.exceptions import ConfigParseError
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from ssohelper.errors import ConfigError
from ssohelper.ini import awsconfig
from ssohelper.ini.read import parse_sections, read_sections

# botocore opens the file in the locale's encoding; we always read UTF-8. They agree on
# non-ASCII text only where the locale is UTF-8 (as on any current Linux or macOS).
_UTF8_LOCALE = locale.getpreferredencoding(False).lower().replace("-", "") == "utf8"
NAMES = ["dev", "prod", "a.b-c_1", "Dev", "corp"]
KEYS = ["region", "Region", "output", "sso_session", "sso_start_url", "sso_region", "s3", "cloudwatch", "x"]
VALUE_CHARS = "abcXYZ019 _-./=:#;[]\"'%@\t" + ("é" if _UTF8_LOCALE else "")
values = st.text(st.sampled_from(list(VALUE_CHARS)), max_size=10)
EOLS = {"lf": ["\n"], "crlf": ["\r\n"], "cr": ["\r"], "mixed": ["\n", "\r\n", "\r"]}


@st.composite
def section_name(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(NAMES))
    return draw(
        st.sampled_from(
            [
                "default",
                "DEFAULT",
                f"profile {name}",
                f'profile "{name} x"',
                f"profile '{name}'",
                f"sso-session {name}",
                f'sso-session "{name} y"',
                f"services {name}",
                "preview",
                "profile",
                f'profile "{name}" "two"',
                f'profile "{name}',
                f"profilex {name}",
                f"  profile {name}  ",
            ]
        )
    )


def comment(draw: st.DrawFn) -> str:
    indent = draw(st.sampled_from(["", "", "  ", "\t"]))
    return indent + draw(st.sampled_from(["#", ";"])) + draw(values)


# One of these, now and then, anywhere in the file: each makes botocore reject it (or, for a few
# positions, become part of a value). Kept apart so that most generated files are valid.
FLAWS = [
    "just text",
    "= value",
    "[unclosed",
    "[]",
    "key value",
    "region = us-east-1",  # a key twice, or before any section
    "  stray indented text",  # continues the value above, or precedes any section
    "[profile dev]",  # a section twice
    "\tsub_key value",  # inside a nested block: a line without '='
]


def entry(draw: st.DrawFn, key: str) -> list[str]:
    """A key and its value: one line, or ``key =`` then indented sub-keys (a nested block)."""
    indent = draw(st.sampled_from(["", "", "", " "]))  # an indented entry continues the value above
    sep = draw(st.sampled_from([" = ", "=", ": ", ":", " =", "\t=\t"]))
    if draw(st.sampled_from([True, True, True, False])):
        return [f"{indent}{key}{sep}{draw(values)}{draw(st.sampled_from(['', '  ']))}"]
    lines = [f"{indent}{key}{sep.rstrip()}"]
    for sub_key in draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=3)):
        sub_indent = indent + draw(st.sampled_from(["  ", "    ", "\t"]))
        kind = draw(st.sampled_from(["=", "=", "=", ":", "comment", "blank"]))
        if kind == "comment":
            lines.append(sub_indent + comment(draw).lstrip())
        elif kind == "blank":
            lines.append("")
        else:  # a ':' sub-key line is a line without '=' unless its value has one
            lines.append(f"{sub_indent}{sub_key} {kind} {draw(values)}")
    return lines


@st.composite
def section(draw: st.DrawFn, name: str) -> list[str]:
    padding = draw(st.sampled_from(["[{}]", "[{}]", "[ {} ]", "[{}]  ", "[{}] ; note"]))
    lines = [padding.format(name)]
    for key in draw(st.lists(st.sampled_from(KEYS), unique_by=str.lower, max_size=4)):
        lines += [comment(draw) if draw(st.booleans()) else "" for _ in range(draw(st.integers(0, 1)))]
        lines += entry(draw, key)
    return lines


@dataclass
class Generated:
    text: str
    encoding: str = "utf-8"  # now and then latin-1, which both readers must refuse if it matters

    @property
    def data(self) -> bytes:
        return self.text.encode(self.encoding)

    def __repr__(self) -> str:  # hypothesis shows the file as it is, line endings included
        return f"Generated({self.text!r}, {self.encoding!r})"


@st.composite
def configs(draw: st.DrawFn) -> Generated:
    lines = [draw(st.sampled_from(["", comment(draw)])) for _ in range(draw(st.integers(0, 2)))]
    for name in draw(st.lists(section_name(), unique_by=str.strip, max_size=4)):
        lines += draw(section(name))
    if draw(st.sampled_from([False, False, True])):  # (integers() would favour its bounds)
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(FLAWS)))
    eols = EOLS[draw(st.sampled_from(list(EOLS)))]
    text = "".join(line + draw(st.sampled_from(eols)) for line in lines)
    if draw(st.booleans()):
        text = text.rstrip("\r\n")  # no final newline
    if draw(st.sampled_from([False] * 19 + [True])):
        text = "\ufeff" + text
        return Generated(text)
    return Generated(text, draw(st.sampled_from(["utf-8"] * 9 + ["latin-1"])))


def botocore_view(path: str) -> tuple[dict, dict] | None:
    """botocore's raw sections and profile map, or None if it rejects the file."""
    try:
        raw = raw_config_parse(path)
    except ConfigParseError:
        return None
    return raw, load_config(path)


def our_view(path: str, config: Generated) -> tuple[dict, awsconfig.AwsConfig] | None:
    try:
        from_file = read_sections(path)
    except ConfigError:
        with pytest.raises(ConfigError):
            awsconfig.load(path, os.devnull)
        if config.data == config.text.encode("utf-8"):  # the text itself is at fault, not its bytes
            with pytest.raises(ConfigError):
                parse_sections(config.text, path)
        return None
    assert parse_sections(config.text, path) == from_file
    return from_file, awsconfig.load(path, os.devnull)


def write(directory: Path, config: Generated) -> str:
    path = directory / "config"
    path.write_bytes(config.data)
    return str(path)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("differential")


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_our_reader_agrees_with_botocore(workdir: Path, config: Generated) -> None:
    path = write(workdir, config)
    theirs, ours = botocore_view(path), our_view(path, config)
    assert (ours is None) == (theirs is None), "one reader rejects the file, the other does not"
    if theirs is None or ours is None:
        return
    (raw, profile_map), (sections, model) = theirs, ours
    assert sections == raw
    assert build_profile_map(sections) == profile_map
    assert model.profiles == profile_map["profiles"]
    assert model.sso_sessions == profile_map["sso_sessions"]


def has_nested(section: dict) -> bool:
    return any(isinstance(value, dict) for value in section.values())


REACHES = {
    "a file botocore rejects": lambda config, view: view is None,
    "a file that is not UTF-8": lambda config, view: view is None and config.data != config.text.encode("utf-8"),
    "a nested block": lambda config, view: view is not None and any(has_nested(s) for s in view[0].values()),
    "a quoted profile name": lambda config, view: view is not None and any(" x" in p for p in view[1]["profiles"]),
    "an sso-session": lambda config, view: view is not None and view[1]["sso_sessions"],
    "two profiles": lambda config, view: view is not None and len(view[1]["profiles"]) >= 2,
    "lone CR line ends": lambda config, view: view is not None and "\r" in config.text.replace("\r\n", ""),
}


@pytest.mark.parametrize("what", REACHES)
def test_the_generator_reaches(workdir: Path, what: str) -> None:
    """The differential test is only as good as what it generates: each of these shows up."""

    def found(config: Generated) -> bool:
        return bool(REACHES[what](config, botocore_view(write(workdir, config))))

    quick = settings(max_examples=2000, database=None, phases=[Phase.generate], deadline=None)  # no shrinking
    assert found(find(configs(), found, settings=quick))


def test_lone_carriage_returns_end_lines_as_in_a_file(workdir: Path) -> None:
    text = "[default]\rregion = us-east-1\r[profile old-mac]\routput = text\r"
    expected = {"default": {"region": "us-east-1"}, "profile old-mac": {"output": "text"}}
    assert raw_config_parse(write(workdir, Generated(text))) == expected
    assert parse_sections(text, "config") == expected

"""The lossless INI editor: byte-exact round trips, configparser agreement, and local edits."""

from __future__ import annotations

import configparser
import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import DATA
from hypothesis import given, settings
from hypothesis import strategies as st

from ssohelper.errors import ConfigError
from ssohelper.ini.diff import unified_diff
from ssohelper.ini.editor import IniFile, parse_ini, read_ini

BOM = "\ufeff"
CONFIGS = DATA / "config"  # hand-written files; their README says what botocore does with each
# configparser reads these (botocore then rejects bad_nested's block, and bom's first line).
EDITOR_READS = sorted(
    p.name
    for p in CONFIGS.iterdir()
    if p.name not in ("README.md", "key_before_section", "duplicate_section", "duplicate_key")
    and p.name not in ("pasted_secret", "unnamed_section", "latin1")
)
EDITOR_REJECTS = {
    "key_before_section": "line 1: key 'region' before any [section]",
    "duplicate_section": "line 4: duplicate section [profile dev] (first at line 1)",
    "duplicate_key": "line 3: duplicate key 'Region' in a section (first at line 2)",
    "pasted_secret": "line 3: expected 'key = value'",
    "unnamed_section": "line 1: text before any [section]",
    "latin1": "line 3: not UTF-8 text",
}


def configparser_view(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Sections and raw values as botocore's RawConfigParser sees them (text-mode newlines).

    The editor edits text: to it [DEFAULT] is a section like any other, whose keys are not
    copied into the others (the botocore view, in ini.read, does copy them).
    """
    parser = configparser.RawConfigParser(default_section="\0 no default section")
    parser.read_file(io.StringIO(text.removeprefix(BOM), newline=None))
    return [
        (name.strip(), [(key, parser.get(name, key)) for key in parser.options(name)]) for name in parser.sections()
    ]


def our_view(doc: IniFile) -> list[tuple[str, list[tuple[str, str | None]]]]:
    return [(name, [(key, doc.get(name, key)) for key in doc.keys(name)]) for name in doc.section_names()]


def comment_lines(text: str) -> list[str]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [line for line in lines if line.strip().startswith(("#", ";"))]


# --- generated AWS-style files ---------------------------------------------------------------

SECTION_NAMES = [
    "default",
    "profile dev",
    'profile "with spaces"',
    "sso-session corp",
    "services x",
    "profile a.b-c_1",
    "Credentials",
    "preview",
]
KEY_NAMES = [
    "region",
    "output",
    "aws_access_key_id",
    "sso_session",
    "s3",
    "Mixed_Case",
    "credential_process",
    "cloudwatch",
    "x",
]
VALUE_CHARS = st.sampled_from(list("abcXYZ019 _-./=:#;[]\"'%@\té\u00a0"))
values = st.text(VALUE_CHARS, max_size=12)


@dataclass
class Generated:
    bom: str
    chunks: list[str]  # chunks[0] is what precedes the first header; then one per section
    names: list[str]

    @property
    def text(self) -> str:
        return self.bom + "".join(self.chunks)


@st.composite
def filler(draw: st.DrawFn) -> str:
    indent = draw(st.sampled_from(["", "", "  ", "\t"]))
    kind = draw(st.sampled_from(["#", ";", "blank"]))
    return indent if kind == "blank" else indent + kind + draw(values)


@st.composite
def entry(draw: st.DrawFn, key: str) -> list[str]:
    indent = draw(st.sampled_from(["", "", "", " "]))
    sep = draw(st.sampled_from([" = ", "=", ": ", ":", " =", "\t=\t", " : "]))
    trailing = draw(st.sampled_from(["", "", "  "]))
    if not draw(st.booleans()):
        return [f"{indent}{key}{sep}{draw(values)}{trailing}"]
    lines = [f"{indent}{key}{sep.rstrip()}{trailing}"]
    for _ in range(draw(st.integers(1, 3))):
        lines += draw(st.lists(filler(), max_size=1))  # comments and blanks inside the block
        sub_indent = indent + draw(st.sampled_from(["  ", "    ", "\t"]))
        lines.append(f"{sub_indent}{draw(st.sampled_from(KEY_NAMES))} = {draw(values)}")
    return lines


@st.composite
def header(draw: st.DrawFn, name: str) -> str:
    form = draw(st.sampled_from(["[{}]", "[ {} ]", "[{}]  ", "[{}] ; note", "[\t{} ]"]))
    return form.format(name)


@st.composite
def ini_files(draw: st.DrawFn) -> Generated:
    style = draw(st.sampled_from(["\n", "\r\n", "mixed"]))

    def join(lines: list[str]) -> str:
        eols = ["\n", "\r\n", "\r"] if style == "mixed" else [style]
        return "".join(line + draw(st.sampled_from(eols)) for line in lines)

    chunks = [join(draw(st.lists(filler(), max_size=3)))]
    names = draw(st.lists(st.sampled_from(SECTION_NAMES), unique=True, max_size=4))
    for name in names:
        lines = [draw(header(name))]
        for key in draw(st.lists(st.sampled_from(KEY_NAMES), unique=True, max_size=4)):
            lines += draw(st.lists(filler(), max_size=2)) + draw(entry(key))
        chunks.append(join(lines + draw(st.lists(filler(), max_size=2))))
    last = max(i for i, chunk in enumerate(chunks) if chunk or i == 0)
    if draw(st.booleans()):  # no final newline
        chunks[last] = chunks[last].rstrip("\r\n") if chunks[last].endswith(("\r", "\n")) else chunks[last]
    return Generated(draw(st.sampled_from(["", "", BOM])), chunks, names)


@settings(deadline=None)
@given(ini_files())
def test_generated_files_round_trip_and_agree_with_configparser(gen: Generated) -> None:
    doc = parse_ini(gen.text)
    assert doc.render() == gen.text
    assert doc.section_names() == gen.names
    assert our_view(doc) == configparser_view(gen.text)


edits = st.one_of(
    st.tuples(
        st.just("set"),
        st.sampled_from(KEY_NAMES),
        st.tuples(values, st.lists(st.sampled_from(["a = 1", "b=two"]), max_size=2)).map(
            lambda v: "\n".join([v[0], *v[1]])
        ),
    ),
    st.tuples(st.just("remove"), st.sampled_from(KEY_NAMES), st.none()),
)


@settings(deadline=None)
@given(ini_files().filter(lambda gen: gen.names), st.data())
def test_edits_stay_inside_their_section(gen: Generated, data: st.DataObject) -> None:
    doc = parse_ini(gen.text)
    index = data.draw(st.integers(0, len(gen.names) - 1))
    section = gen.names[index]
    op, key, value = data.draw(edits)
    before = our_view(doc)
    if op == "set":
        doc.set(section, key, value)
    else:
        present = key.lower() in doc.keys(section)
        assert doc.remove(section, key) == present

    new = doc.render()
    assert new.startswith(gen.bom + "".join(gen.chunks[: index + 1]))
    assert new.endswith("".join(gen.chunks[index + 2 :]))
    assert comment_lines(new) == comment_lines(gen.text)
    expected = dict(before)
    edited = dict(expected[section])
    if op == "set":
        edited[key.lower()] = "\n".join(line.strip() for line in value.split("\n")).rstrip()
    else:
        edited.pop(key.lower(), None)
    expected[section] = list(edited.items())
    reparsed = parse_ini(new)
    assert dict(our_view(reparsed)) == expected
    assert our_view(reparsed) == configparser_view(new)


# --- the hand-written files in tests/data/config ---------------------------------------------


@pytest.mark.parametrize("name", EDITOR_READS)
def test_fixture_round_trips_byte_for_byte(name: str) -> None:
    data = (CONFIGS / name).read_bytes()
    assert parse_ini(data.decode("utf-8")).render().encode("utf-8") == data
    assert read_ini(CONFIGS / name).render().encode("utf-8") == data


@pytest.mark.parametrize("name", EDITOR_READS)
def test_fixture_values_match_raw_config_parser(name: str) -> None:
    doc = read_ini(CONFIGS / name)
    assert our_view(doc) == configparser_view((CONFIGS / name).read_text(encoding="utf-8"))


def test_nested_values_are_raw_like_configparsers() -> None:
    nested = read_ini(CONFIGS / "nested")
    assert (
        nested.get("default", "s3")
        == "\nmax_concurrent_requests = 20\n\naddressing_style = virtual\nmultipart_threshold=64MB"
    )
    assert nested.get("default", "output") == "yaml"
    # botocore rejects the sub-key line; at the raw level it is a value, as for configparser.
    bad = read_ini(CONFIGS / "bad_nested").get("default", "s3")
    assert bad == "\naddressing_style = path\nmax_concurrent_requests 20"


def test_line_endings_of_the_fixtures_are_kept() -> None:
    assert read_ini(CONFIGS / "crlf").newline == "\r\n"
    assert read_ini(CONFIGS / "no_final_newline").render().endswith("output = json")
    assert read_ini(CONFIGS / "cr_only").get("profile old-mac", "output") == "text"
    assert read_ini(CONFIGS / "bom").render().startswith(BOM)


@pytest.mark.parametrize("name, problem", sorted(EDITOR_REJECTS.items()))
def test_fixtures_the_editor_rejects_name_file_and_line(name: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read_ini(CONFIGS / name)
    message = str(caught.value)
    assert message.startswith(f"{CONFIGS / name} {problem}")
    assert "\n" not in message and "PASTED" not in message


# --- parse errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, problem",
    [
        ("region = x\n[default]\n", "line 1: key 'region' before any [section]"),
        ("# c\n\n  indented\n[a]\n", "line 3: text before any [section]"),
        ("[a]\nx = 1\n\n[ a ]\n", "line 4: duplicate section [a] (first at line 1)"),
        ("[a]\nRegion = 1\nregion: 2\n", "line 3: duplicate key 'region' in a section (first at line 2)"),
        ("[a]\r\nx=1\r\n= 2\r\n", "line 3: expected 'key = value'"),
        ("[a]\nAKIAIOSFODNN7EXAMPLE\n", "line 2: expected 'key = value'"),
    ],
)
def test_parse_errors_name_file_and_line(text: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_ini(text, "~/.aws/config")
    assert str(caught.value).startswith(f"~/.aws/config {problem}")
    assert "\n" not in str(caught.value) and "AKIA" not in str(caught.value)
    assert caught.value.exit_code == ConfigError.exit_code


def test_errors_never_echo_a_long_key_that_may_be_a_secret() -> None:
    secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY="
    with pytest.raises(ConfigError) as caught:
        parse_ini(f"[a]\n{secret}\n{secret}\n")
    assert "line 3: duplicate key" in str(caught.value)
    assert secret[:-1] not in str(caught.value)


# --- round-trip details ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        BOM,
        BOM + "[a]\r\nx = 1",
        "[a]\rx = 1\r\ny=2\n",
        "  # only a comment",
        "[a]\nx = 1\n\n\n   \n",
        '[ profile "with spaces" ]  \n\tkey\t=\tv  \n',
    ],
)
def test_odd_files_round_trip(text: str) -> None:
    assert parse_ini(text).render() == text


def test_reading_matches_configparser_on_odd_lines() -> None:
    text = "[a] ; trailing\n  k = 1\n\n  # c\n    more\n[b]\rx = 1\ry : 2\r\n"
    doc = parse_ini(text)
    assert our_view(doc) == configparser_view(text)
    assert doc.get("a", "k") == "1\n\nmore"
    assert doc.get("b", "Y") == "2" and doc.get("b", "missing") is None
    assert doc.get("missing", "x") is None and doc.keys("missing") == []


def test_section_names_are_stripped_and_bom_is_kept() -> None:
    doc = parse_ini(BOM + '[ profile "with spaces" ]\nx = 1\n[default]\n')
    assert doc.section_names() == ['profile "with spaces"', "default"]
    assert doc.has_section('profile "with spaces"') and not doc.has_section("profile")
    doc.set("default", "region", "eu-west-1")
    assert doc.render() == BOM + '[ profile "with spaces" ]\nx = 1\n[default]\nregion = eu-west-1\n'


@pytest.mark.parametrize(
    "text, newline",
    [
        ("[a]\r\nx=1\r\ny=2\n", "\r\n"),
        ("[a]\r\nx=1\ny=2\n", "\n"),
        ("[a]", "\n"),
        ("", "\n"),
    ],
)
def test_newline_is_the_files_main_style(text: str, newline: str) -> None:
    assert parse_ini(text).newline == newline


# --- edits -------------------------------------------------------------------------------------


def apply(doc: IniFile, op: tuple) -> object:
    name, *args = op
    return getattr(doc, name)(*args)


EDIT_CASES = {
    "crlf file gets crlf lines": (
        "[a]\r\nx = 1\r\n",
        [("set", "a", "y", "2"), ("add_section", "b", [("z", "3")])],
        "[a]\r\nx = 1\r\ny = 2\r\n\r\n[b]\r\nz = 3\r\n",
    ),
    "set replaces continuation lines": (
        "[a]\ns3 =\n  max_concurrent_requests = 10\n\n  addressing_style = path\nregion = x\n",
        [("set", "a", "s3", "off")],
        "[a]\ns3 = off\nregion = x\n",
    ),
    "set writes a sub-key block": (
        "[a]\nregion = x\n",
        [("set", "a", "s3", "\nmax_concurrent_requests = 20")],
        "[a]\nregion = x\ns3 =\n  max_concurrent_requests = 20\n",
    ),
    "set keeps sub-key indentation and comments inside": (
        "[a]\ns3 =\n    # tuned\n    a = 1\nb = 2\n",
        [("set", "a", "s3", "\na = 5\nc = 6")],
        "[a]\ns3 =\n    a = 5\n    c = 6\n    # tuned\nb = 2\n",
    ),
    "set keeps indentation and delimiter": (
        "[a]\n  region:us-east-1\nkey=v\r\nempty =\n",
        [("set", "a", "REGION", "eu-west-1"), ("set", "a", "key", "w"), ("set", "a", "empty", "e")],
        "[a]\n  region:eu-west-1\nkey=w\r\nempty = e\n",
    ),
    "set to an empty value": ("[a]\nx = 1\n", [("set", "a", "x", "")], "[a]\nx =\n"),
    "new key goes before trailing comments and blanks": (
        "[a]\nx = 1\n# about b\n\n[b]\nk = v\n",
        [("set", "a", "y", "2")],
        "[a]\nx = 1\ny = 2\n# about b\n\n[b]\nk = v\n",
    ),
    "new key goes after the last continuation line": (
        "[a]\ns3 =\n  k = v\n\n# c\n[b]\n",
        [("set", "a", "y", "2")],
        "[a]\ns3 =\n  k = v\ny = 2\n\n# c\n[b]\n",
    ),
    "new key aligns with indented siblings": (
        "[a]\n  x = 1\n[b]\n",
        [("set", "a", "y", "2")],
        "[a]\n  x = 1\n  y = 2\n[b]\n",
    ),
    "new key in an empty section goes under the header": (
        "[a]\n# c\n\n[b]\n",
        [("set", "a", "y", "2")],
        "[a]\ny = 2\n# c\n\n[b]\n",
    ),
    "new key in an empty section keeps an indented header a header": (
        "[a]\n  [b]\nk = 1\n",
        [("set", "a", "y", "2")],
        "[a]\n  y = 2\n  [b]\nk = 1\n",
    ),
    "new key at the end keeps the missing final newline": ("[a]\nx = 1", [("set", "a", "y", "2")], "[a]\nx = 1\ny = 2"),
    "replacing the last line keeps the missing final newline": ("[a]\nx = 1", [("set", "a", "x", "2")], "[a]\nx = 2"),
    "mixed endings: untouched lines keep theirs": (
        "[a]\r\nx = 1\nz = 3\r\n",
        [("set", "a", "x", "2"), ("set", "a", "y", "4")],
        "[a]\r\nx = 2\nz = 3\r\ny = 4\r\n",
    ),
    "remove keeps the comment lines above": (
        "[a]\n# the region\n; really\nregion = x\nother = 1\n",
        [("remove", "a", "region")],
        "[a]\n# the region\n; really\nother = 1\n",
    ),
    "remove drops continuation lines but not comments among them": (
        "[a]\ns3 =\n  a = 1\n  # why\n\n  b = 2\nc = 3\n",
        [("remove", "a", "S3")],
        "[a]\n  # why\nc = 3\n",
    ),
    "add_section on a file without final newline": (
        "[a]\nx = 1",
        [("add_section", "profile b", [("y", "2"), ("s3", "\nk = v")])],
        "[a]\nx = 1\n\n[profile b]\ny = 2\ns3 =\n  k = v\n",
    ),
    "add_section after a blank line adds no second one": (
        "[a]\nx = 1\n\n",
        [("add_section", "b", [])],
        "[a]\nx = 1\n\n[b]\n",
    ),
    "add_section to an empty file": ("", [("add_section", "b", [("y", "2")])], "[b]\ny = 2\n"),
    "add_section to a BOM-only file": (BOM, [("add_section", "b", [])], BOM + "[b]\n"),
    "remove_section in the middle keeps following comments": (
        "[a]\nx = 1\n\n[b]\ny = 2\n\n# about c\n[c]\n",
        [("remove_section", "b")],
        "[a]\nx = 1\n\n# about c\n[c]\n",
    ),
    "remove_section at the end drops its separator": (
        "[a]\nx = 1\n\n[b]\ny = 2\n",
        [("remove_section", " b ")],
        "[a]\nx = 1\n",
    ),
    "set on a new section after add_section": (
        "[a]\n",
        [("add_section", "b", []), ("set", "b", "k", "v")],
        "[a]\n\n[b]\nk = v\n",
    ),
}


@pytest.mark.parametrize("before, ops, after", EDIT_CASES.values(), ids=EDIT_CASES.keys())
def test_edits(before: str, ops: list[tuple], after: str) -> None:
    doc = parse_ini(before)
    for op in ops:
        apply(doc, op)
    assert doc.render() == after
    assert parse_ini(after).render() == after
    assert our_view(parse_ini(after)) == configparser_view(after)


def test_add_then_remove_section_restores_the_file() -> None:
    text = "[a]\r\nx = 1\r\n"
    doc = parse_ini(text)
    doc.add_section("b", [("y", "2")])
    assert doc.remove_section("b")
    assert doc.render() == text


@pytest.mark.parametrize(
    "op",
    [
        ("remove", "a", "nope"),
        ("remove", "nope", "x"),
        ("remove_section", "nope"),
    ],
)
def test_removing_what_is_absent_changes_nothing(op: tuple) -> None:
    doc = parse_ini("[a]\nx = 1\n")
    assert apply(doc, op) is False
    assert doc.render() == "[a]\nx = 1\n"


@pytest.mark.parametrize(
    "op, error",
    [
        (("set", "nope", "x", "1"), KeyError),
        (("set", "a", "bad key=", "1"), ValueError),
        (("set", "a", "#x", "1"), ValueError),
        (("set", "a", "x", "1\r2"), ValueError),
        (("set", "a", "x", "1\n# a comment"), ValueError),
        (("set", "a", "x", "1\n   "), ValueError),
        (("add_section", "a", []), ValueError),
        (("add_section", "b\n[c]", []), ValueError),
        (("add_section", "b", [("k", "1"), ("K", "2")]), ValueError),
    ],
)
def test_invalid_edits_are_refused_untouched(op: tuple, error: type[Exception]) -> None:
    doc = parse_ini("[a]\nx = 1\n")
    with pytest.raises(error):
        apply(doc, op)
    assert doc.render() == "[a]\nx = 1\n"


@pytest.mark.parametrize("last_key", ["z", "x"])
def test_edit_that_would_swallow_a_header_is_refused(last_key: str) -> None:
    # "  [c]" is a header only because "  y = 2" above it is as deep; without [b] it would
    # become a continuation of x (and [c]'s x would then clash with [a]'s).
    text = f"[a]\nx = 1\n[b]\n  y = 2\n  [c]\n{last_key} = 3\n"
    doc = parse_ini(text)
    with pytest.raises(ConfigError, match="cannot make this edit"):
        doc.remove_section("b")
    assert doc.render() == text and doc.section_names() == ["a", "b", "c"]


# --- reading files and showing diffs -----------------------------------------------------------


def test_read_ini_keeps_bytes_and_names_unreadable_files(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    config = tmp_path / ".aws" / "config"
    with pytest.raises(ConfigError, match=r"^~/\.aws/config: cannot read it"):
        read_ini(config)
    config.parent.mkdir()
    config.write_bytes(b"\xef\xbb\xbf[a]\r\nx = \xc3\xa9\r\n")
    assert read_ini(config).render().encode("utf-8") == config.read_bytes()
    config.write_bytes(b"[a]\r\nx = 1\r\ny = \xff\r\n")
    with pytest.raises(ConfigError, match=r"^~/\.aws/config line 3: not UTF-8 text"):
        read_ini(str(config))
    config.write_bytes(b"[a]\nx = 1\nx = 2\n")
    with pytest.raises(ConfigError, match=r"^~/\.aws/config line 3: duplicate key 'x'"):
        read_ini(config)


def test_unified_diff_hides_carriage_returns() -> None:
    old = "[a]\r\nx = 1\r\ny = 2\r\n"
    new = "[a]\r\nx = 9\r\ny = 2\r\n"
    assert unified_diff(old, new, "~/.aws/config") == (
        "--- ~/.aws/config\n+++ ~/.aws/config\n@@ -1,3 +1,3 @@\n [a]\n-x = 1\n+x = 9\n y = 2\n"
    )
    assert unified_diff(old, old, "~/.aws/config") == ""


def test_unified_diff_shows_a_final_newline_change() -> None:
    diff = unified_diff("[a]\nx = 1", "[a]\nx = 1\n", "c")
    assert diff.endswith("-x = 1\n\\ No newline at end of file\n+x = 1\n")


def _apply_unified_diff(old: str, diff: str) -> str:
    """Apply a unified diff of display lines (no line endings) to ``old``'s lines."""
    import re

    old_lines = old.split("\n")[:-1]  # the texts here end with a newline
    result, position = [], 0
    lines = diff.split("\n")[2:]
    index = 0
    while index < len(lines) and lines[index]:
        match = re.match(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", lines[index])
        assert match, lines[index]
        start, length = int(match[1]), int(match[2] if match[2] is not None else 1)
        start = start - 1 if length else start
        result += old_lines[position:start]
        position = start
        index += 1
        while index < len(lines) and lines[index] and lines[index][0] in " -+\\":
            tag, text = lines[index][0], lines[index][1:]
            if tag in " -":
                assert old_lines[position] == text
                position += 1
            if tag in " +":
                result.append(text)
            index += 1
    return "\n".join(result + old_lines[position:]) + "\n"


@given(st.lists(st.sampled_from(["set", "remove", "add"]), min_size=1, max_size=6), st.integers(0, 10**6))
@settings(deadline=None, max_examples=60)
def test_sectionwise_diff_applies_to_give_the_new_text(operations, seed):
    import random

    rng = random.Random(seed)
    text = "".join(f"# c{i}\n[profile p{i}]\nregion = r{i}\nkey = k{i}\n\n" for i in range(8))
    doc = parse_ini(text, "f")
    for n, operation in enumerate(operations):
        name = f"profile p{rng.randrange(8)}"
        if operation == "set":
            doc.set(name, rng.choice(["region", "new"]), f"v{n}")
        elif operation == "remove":
            doc.remove(name, rng.choice(["region", "key"]))
        else:
            doc.add_section(f"added{n}", [("a", "b")])
    new = doc.render()
    diff = unified_diff(text, new, "f")
    assert _apply_unified_diff(text, diff) == new

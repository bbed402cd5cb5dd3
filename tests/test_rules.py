"""The rules written once: RFC 3339 UTC times (ssohelper.times) and the text/CSV cell
(ssohelper.cells), checked against the formats they replaced."""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timedelta, timezone

import pytest

from ssohelper import cells, times

OLD_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # the AWS CLI v2 token cache's, and credential_process's Expiration


def test_times_are_written_byte_for_byte_as_the_aws_cli_writes_them():
    rng = random.Random(7)
    epochs = [0, 1, 1_700_000_000, 4_102_444_800] + [rng.randrange(0, 4_102_444_800_000) / 1000 for _ in range(2000)]
    for epoch in epochs:
        old = datetime.fromtimestamp(epoch, tz=timezone.utc).strftime(OLD_FORMAT)
        assert times.format_epoch(epoch) == old, epoch
    assert times.format_epoch(1_796_817_600.75) == "2026-12-09T12:00:00Z"  # cut, not rounded


@pytest.mark.parametrize(
    ("text", "epoch"),
    [
        ("2026-11-28T12:00:00Z", 1795867200.0),
        ("2026-11-28T12:00:00", 1795867200.0),  # no zone: UTC, not local time
        ("2026-11-28T13:30:00+01:30", 1795867200.0),
        ("2026-11-28T12:00:00.250Z", 1795867200.25),
    ],
)
def test_times_are_read_with_any_offset_and_as_utc_without_one(text, epoch):
    assert times.parse_epoch(text) == epoch
    parsed = times.parse_datetime(text)
    assert parsed.utcoffset() == timedelta(0) and times.format_datetime(parsed) == "2026-11-28T12:00:00Z"


def test_a_time_with_an_offset_is_written_in_utc_and_garbage_is_a_value_error():
    eastern = datetime(2026, 1, 31, 7, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert times.format_datetime(eastern) == "2026-01-31T12:00:00Z"
    assert times.format_datetime(None) is None
    with pytest.raises(ValueError):
        times.parse_epoch("yesterday")


def test_the_credential_process_document_keeps_its_expiration_format():
    from ssohelper.cache.rolestore import process_output
    from ssohelper.models import RoleCredentials

    creds = RoleCredentials("ASIAEXAMPLE", "secret", "token", 1_796_817_600.9, "111111111111")
    assert '"Expiration":"2026-12-09T12:00:00Z"' in process_output(creds)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (12, "12"),
        ("a b", "a b"),
        ("x\ty\nz", "x_y_z"),
        ("p\u202eq", "p_q"),
    ],
)
def test_a_cell_is_empty_for_null_lowercase_for_booleans_and_printable(value, shown):
    assert cells.text(value) == shown


@pytest.mark.parametrize("formula", ["=1+2", "+1", "-2+3", "@SUM(A1)", '=HYPERLINK("http://x")'])
def test_a_csv_cell_a_spreadsheet_would_run_is_made_text(formula):
    assert cells.csv_cell(formula) == "'" + formula
    document = cells.to_csv(("a", "b"), [(formula, None)])
    assert list(csv.reader(io.StringIO(document))) == [["a", "b"], ["'" + formula, ""]]


@pytest.mark.parametrize("value", ["plain", "a=b", "1-2", "user@example.com", 5, "\t=cmd", "\r@x", "-"])
def test_other_csv_cells_are_left_as_text_and_a_leading_tab_is_no_way_in(value):
    cell = cells.csv_cell(value)
    assert cell == cells.text(value) and (cell == "-" or not cell.startswith(("=", "+", "-", "@", "\t", "\r")))


def test_only_the_vault_and_its_policy_reach_the_keyring_from_token_storage():
    import ast
    from pathlib import Path

    import ssohelper.tokens

    reaching = set()
    for path in Path(ssohelper.tokens.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import | ast.ImportFrom) else []
            if any("keyring" in name for name in names):
                reaching.add(path.name)
    assert reaching == {"vault.py", "secrets_policy.py"}  # tokencache is the AWS CLI's file format only

"""The burn-down: audit --org --save, then keys report (table, CSV, JSON, HTML) over several
saved audits of a moto organisation, joined with a laptop's audit document."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from orgworld import AUDIT_ROLE, Org, PlantedKey, PlantedUser, build, mask

from ssohelper import errors

PLAN = {
    "web": [
        PlantedUser("deploy", (PlantedKey("deploy", age_days=200, last_used_days_ago=100),)),
        PlantedUser("=1+1", (PlantedKey("=1+1", age_days=10, last_used_days_ago=1),)),
    ],
    "data": [PlantedUser("etl", (PlantedKey("etl", age_days=30, last_used_days_ago=2), PlantedKey("etl", age_days=5)))],
}
FULL_KEY_ID = re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b")


@pytest.fixture(scope="module")
def org(moto_url) -> Org:
    return build(moto_url, PLAN)


@pytest.fixture
def signed_in(cli, config, emulator, org, monkeypatch):
    emulator.configure(
        accounts={a: {"name": n, "roles": [AUDIT_ROLE]} for a, n in org.accounts.items()}, sts_endpoint=org.moto_url
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", org.moto_url)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    return emulator


def account(org: Org, name: str) -> str:
    return next(a for a, n in org.accounts.items() if n == name)


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_saved_audits_join_into_one_history_with_states_counts_and_cis_controls(
    cli, signed_in, org, isolated_home, tmp_path
):
    audit = ("audit", "--org", "--role-name", AUDIT_ROLE, "--save", "--output", "json")
    first = cli(*audit)
    assert first.code == errors.EXIT_FINDINGS and "saved this audit in" in first.err
    saved = first.err.split("saved this audit in ", 1)[1].split()[0]
    assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(saved)).st_mode) == 0o700
    assert not FULL_KEY_ID.search(Path(saved).read_text())
    # between audits: deploy's key is deactivated by hand
    web = account(org, "web")
    org.client("iam", web).update_access_key(UserName="deploy", AccessKeyId=org.planted[web][0], Status="Inactive")
    time.sleep(1.1)  # audits are told apart by the second they ran
    assert cli(*audit).code == errors.EXIT_FINDINGS

    laptop = tmp_path / "laptop.json"
    laptop.write_text(json.dumps({"keys": [{"key": "AKIA****WXYZ", "path": "~/.aws/credentials", "profile": "old"}]}))
    result = cli("keys", "report", str(laptop), "--output", "json", "--html", str(tmp_path / "burn.html"))
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert [a["counts"]["active_keys"] for a in report["audits"]] == [4, 3]
    states = {(k["user"], k["access_key_id"]): k["state"] for k in report["keys"]}
    assert states[("deploy", mask(org.planted[web][0]))] == "gone"
    assert states[("=1+1", mask(org.planted[web][1]))] == "active"
    assert states[(None, "AKIA****WXYZ")] == "active"
    controls = {k["user"]: k["controls"] for k in report["keys"] if k["user"]}
    assert "CIS 1.13" in controls["etl"]  # two active keys
    assert not FULL_KEY_ID.search(result.out)

    as_csv = cli("keys", "report", "--output", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.out)))
    assert {row["user"] for row in rows} == {"deploy", "'=1+1", "etl"}  # a formula is made inert

    html = (tmp_path / "burn.html").read_text()
    page = Page()
    page.feed(html)
    tags = {tag for tag, _ in page.tags}
    assert "svg" in tags and "polyline" in tags and "table" in tags
    assert not tags & {"script", "img", "link", "iframe", "object"}
    assert not any(name in ("src", "href") for _, attrs in page.tags for name in attrs)
    assert "url(" not in html and "@import" not in html and "default-src 'none'" in html
    assert not FULL_KEY_ID.search(html)


def test_a_report_without_saved_audits_says_how_to_make_one(cli, isolated_home):
    result = cli("keys", "report", "--output", "json")
    assert result.code == 0 and json.loads(result.out) == {"audits": [], "keys": []}
    assert "audit --org --role-name ROLE --save" in result.err


def test_a_file_that_is_not_an_audit_is_refused(cli, isolated_home, tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("[1, 2]")
    result = cli("keys", "report", str(bad))
    assert result.code == errors.EXIT_CONFIG and "is not an ssohelper audit document" in result.err

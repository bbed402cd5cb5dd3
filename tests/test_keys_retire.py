"""keys retire: plan, apply and rollback across a moto organisation, one account unreachable."""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
from pathlib import Path

import pytest
from orgworld import AUDIT_ROLE, Org, PlantedKey, PlantedUser, build, mask

from ssohelper import errors

PLAN = {
    "shop": [
        PlantedUser("old-deploy", (PlantedKey("old-deploy", age_days=300, last_used_days_ago=200),)),
        PlantedUser("busy", (PlantedKey("busy", age_days=300, last_used_days_ago=1),)),
        PlantedUser("never", (PlantedKey("never", age_days=120),)),
    ],
    "billing": [
        PlantedUser("vendor-bot", (PlantedKey("vendor-bot", age_days=400, last_used_days_ago=100),)),
        PlantedUser("fresh", (PlantedKey("fresh", age_days=3),)),
        PlantedUser("gone", (PlantedKey("gone", active=False),)),
    ],
    "locked": [PlantedUser("hidden", (PlantedKey("hidden", age_days=500),))],  # the role is missing here
}


@pytest.fixture(scope="module")
def org(moto_url) -> Org:
    return build(moto_url, PLAN)


@pytest.fixture
def signed_in(cli, config, emulator, org, monkeypatch):
    accounts = {
        account_id: {"name": name, "roles": ["ReadOnly"] if name == "locked" else [AUDIT_ROLE]}
        for account_id, name in org.accounts.items()
    }
    emulator.configure(accounts=accounts, sts_endpoint=org.moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", org.moto_url)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    return emulator


def account(org: Org, name: str) -> str:
    return next(account_id for account_id, n in org.accounts.items() if n == name)


def status(org: Org, name: str, user: str) -> str:
    (meta,) = org.client("iam", account(org, name)).list_access_keys(UserName=user)["AccessKeyMetadata"]
    return meta["Status"]


def test_a_dry_run_plans_exactly_the_unused_keys_masked_and_changes_nothing(cli, signed_in, org):
    result = cli("keys", "retire", "--role-name", AUDIT_ROLE, "--unused-days", "90", "--dry-run", "--output", "json")
    assert result.code == errors.EXIT_AWS, result.err  # one account unreachable: incomplete
    plan = json.loads(result.out)
    actions = {(k["user"], k["action"]) for a in plan["accounts"] for k in a["keys"]}
    assert actions == {
        ("old-deploy", "deactivate"),
        ("never", "deactivate"),  # never used: counted from its creation
        ("vendor-bot", "deactivate"),
        ("busy", "keep"),
        ("fresh", "keep"),
    }
    keys = [key for keys in org.planted.values() for key in keys]
    assert not any(key in result.out + result.err for key in keys)  # only masked IDs
    assert mask(org.planted[account(org, "shop")][0]) in result.out
    assert f"{account(org, 'locked')}: unreachable" in result.err
    assert status(org, "shop", "old-deploy") == "Active"


def test_apply_deactivates_keeps_the_excluded_and_rollback_reactivates_exactly_those(cli, signed_in, org):
    args = ("keys", "retire", "--role-name", AUDIT_ROLE, "--unused-days", "90")
    result = cli(*args, "--exclude", "vendor-bot=feeds the billing export", "--yes")
    assert result.code == errors.EXIT_AWS, result.err  # applied, but the locked account was not reached
    assert "2 key(s) deactivated" in result.err
    assert status(org, "shop", "old-deploy") == "Inactive" and status(org, "shop", "never") == "Inactive"
    assert status(org, "billing", "vendor-bot") == "Active" and status(org, "shop", "busy") == "Active"
    folder = result.err.split("journal: ", 1)[1].split()[0]
    journal = json.loads(Path(folder, "plan.json").read_text())
    reasons = {k["user"]: k["reason"] for a in journal["accounts"] for k in a["keys"]}
    assert reasons["vendor-bot"] == "feeds the billing export"
    assert stat.S_IMODE(os.stat(os.path.join(folder, "touched.jsonl")).st_mode) == 0o600
    # the key that was already inactive stays so after rollback; the two come back
    org.client("iam", account(org, "shop")).update_access_key(
        UserName="busy", AccessKeyId=org.planted[account(org, "shop")][1], Status="Inactive"
    )
    (undo,) = re.findall(r"with: ssohelper ([^;\n]+)", result.err)  # the suggestion, followed
    back = cli(*shlex.split(undo))
    assert back.code == 0, back.err
    assert "2 key(s) reactivated" in back.err
    assert status(org, "shop", "old-deploy") == "Active" and status(org, "shop", "never") == "Active"
    assert status(org, "shop", "busy") == "Inactive"  # not this retirement's: left alone
    again = cli("keys", "retire", "--role-name", AUDIT_ROLE, "--rollback", "--yes")
    assert again.code == errors.EXIT_NOT_APPLIED and "no key retirement to roll back" in again.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--unused-days", "9", "--exclude", "nobody"), "--exclude takes WHO=REASON"),
        ((), "needs --unused-days"),
        (("--unused-days", "0"), "0 is not in the range"),
    ],
)
def test_usage(cli, config, args, message):
    result = cli("keys", "retire", "--role-name", "R", *args)
    assert result.code in (errors.EXIT_USAGE, errors.EXIT_CONFIG)
    assert message in result.err

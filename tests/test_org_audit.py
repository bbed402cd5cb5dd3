"""`audit --org`: every account's IAM keys through role credentials from the emulator, which
moto ties to each account (STS AssumeRole), against a moto organisation of six accounts."""

from __future__ import annotations

import csv
import io
import json

import pytest
from helpers import peak_rss
from orgworld import AUDIT_ROLE, Org, PlantedKey, PlantedUser, build, mask

from ssohelper import errors
from ssohelper.emulator.proxy import Proxy
from ssohelper.org.export import CSV_COLUMNS

PLAN = {
    "payments": [
        PlantedUser("alice", (PlantedKey("alice", age_days=10, last_used_days_ago=1),)),
        PlantedUser("bob", (PlantedKey("bob", age_days=400), PlantedKey("bob", age_days=30, last_used_days_ago=3))),
    ],
    "data": [
        PlantedUser("carol", (PlantedKey("carol", age_days=200, last_used_days_ago=120),)),
        PlantedUser("dave", password=True),
        PlantedUser("heidi", password=True, mfa=True),
    ],
    "clean": [],
    "legacy": [
        PlantedUser("erin", (PlantedKey("erin", active=False),)),
        PlantedUser("frank", (PlantedKey("frank", age_days=95, last_used_days_ago=2),)),
    ],
    "sandbox": [PlantedUser("gina", (PlantedKey("gina", age_days=5),))],
    "no-role": [PlantedUser("ivan", (PlantedKey("ivan", age_days=1),))],  # the role is missing here
}


@pytest.fixture(scope="module")
def org(moto_url) -> Org:
    return build(moto_url, PLAN)


@pytest.fixture
def signed_in(cli, config, emulator, org, monkeypatch):
    accounts = {
        account_id: {"name": name, "roles": ["ReadOnly"] if name == "no-role" else [AUDIT_ROLE, "ReadOnly"]}
        for account_id, name in org.accounts.items()
    }
    emulator.configure(accounts=accounts, sts_endpoint=org.moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", org.moto_url)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    return emulator


def by_name(org: Org, name: str) -> str:
    return next(account_id for account_id, n in org.accounts.items() if n == name)


def test_role_credentials_from_the_emulator_act_in_the_roles_account(signed_in, org):
    import boto3

    from ssohelper.aws import portal
    from ssohelper.models import RoleTarget
    from ssohelper.signin import login

    session = login_session()
    token = login.usable_token(session)
    for name in ("payments", "data"):
        account_id = by_name(org, name)
        creds = portal.get_role_credentials(RoleTarget(session, account_id, AUDIT_ROLE), token)
        iam = boto3.client(
            "iam",
            endpoint_url=org.moto_url,
            region_name="us-east-1",
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token,
        )
        users = {u["UserName"] for u in iam.list_users()["Users"]}
        assert users == {u.name for u in PLAN[name]}
        assert creds.access_key_id.startswith("ASIA")


def login_session():
    from ssohelper.ini.awsconfig import resolve_session

    return resolve_session(None, "corp")


def test_finds_exactly_the_planted_keys_names_the_unreachable_account_and_exits_10(cli, signed_in, org):
    result = cli("audit", "--org", "--role-name", AUDIT_ROLE, "--sso-session", "corp", "--output", "json")
    assert result.code == errors.EXIT_FINDINGS, result.err
    document = json.loads(result.out)
    accounts = {a["account_id"]: a for a in document["accounts"]}
    assert set(accounts) == set(org.accounts)
    missing = by_name(org, "no-role")
    assert accounts[missing]["status"] == "unreachable"
    assert f"role {AUDIT_ROLE} is not assigned" in accounts[missing]["note"]
    for account_id, name in org.accounts.items():
        if account_id == missing:
            continue
        found = accounts[account_id]
        assert found["status"] == "audited" and found["source"] == "credential-report", found
        keys = sorted(k["access_key_id"] for k in found["access_keys"])
        assert keys == sorted(mask(k) for k in org.planted[account_id]), name
        unused = {k["access_key_id"] for k in found["access_keys"] if k["unused_90_days"]}
        assert unused == {mask(k) for k in org.unused[account_id]}, name
        no_mfa = {p["user"] for p in found["passwords_without_mfa"]}
        assert no_mfa == org.passwords_without_mfa[account_id], name
    summary = document["summary"]
    assert summary["active_keys"] == 6 and summary["users_with_keys"] == 5
    assert summary["accounts"] == 6 and summary["accounts_with_keys"] == 4 and summary["accounts_unreachable"] == 1
    assert summary["unused_90_days"] == 2 and summary["passwords_without_mfa"] == 1
    expected = (
        f"6 active keys held by 5 users in 4 of 6 accounts; 2 unused for 90+ days; "
        f"1 console password without MFA; 1 account unreachable ({missing})"
    )
    assert summary["text"] == expected
    assert expected in result.err and f"{missing}: unreachable" in result.err
    for secret_part in [k for keys in org.planted.values() for k in keys]:
        assert secret_part not in result.out and secret_part not in result.err


def test_key_ages_and_last_use_come_from_the_report(cli, signed_in, org):
    result = cli("audit", "--org", "--role-name", AUDIT_ROLE, "--accounts", by_name(org, "data"), "--output", "json")
    assert result.code == errors.EXIT_FINDINGS, result.err
    (account,) = json.loads(result.out)["accounts"]
    (key,) = account["access_keys"]
    assert (key["user"], key["age_days"], key["unused_90_days"]) == ("carol", 200, True)
    assert key["last_used"].endswith("Z") and key["created"].endswith("Z")


def test_csv_has_the_documented_columns_and_one_row_per_finding(cli, signed_in, org):
    result = cli("audit", "--org", "--role-name", AUDIT_ROLE, "--output", "csv")
    assert result.code == errors.EXIT_FINDINGS, result.err
    reader = csv.DictReader(io.StringIO(result.out))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    found = list(reader)
    kinds = [row["finding"] for row in found]
    assert kinds.count("access-key") == 6 and kinds.count("unreachable") == 1
    assert kinds.count("password-without-mfa") == 1
    carol = next(row for row in found if row["user"] == "carol")
    assert (carol["unused_90_days"], carol["age_days"], carol["source"]) == ("true", "200", "credential-report")


def test_only_the_accounts_asked_for_and_a_clean_account_exits_0(cli, signed_in, org):
    clean = by_name(org, "clean")
    result = cli("audit", "--org", "--role-name", AUDIT_ROLE, "--accounts", clean, "--output", "text")
    assert result.code == errors.EXIT_OK, result.err
    assert result.out == ""
    assert "0 active keys held by 0 users in 0 of 1 account;" in result.err


def test_an_account_the_sign_in_does_not_list_is_unreachable_not_fatal(cli, signed_in, org):
    payments = by_name(org, "payments")
    result = cli("audit", "--org", "--role-name", AUDIT_ROLE, "--accounts", f"{payments},999999999999")
    assert result.code == errors.EXIT_FINDINGS, result.err
    assert "999999999999: unreachable: your sign-in does not list this account" in result.err
    assert "3 active keys held by 2 users in 1 of 2 accounts" in result.err
    assert "ACCOUNT" in result.out.splitlines()[0]  # table by default


def test_a_failing_account_is_reported_and_the_others_still_audited(cli, signed_in, org):
    signed_in.fail_next("GetRoleCredentials", count=1, status=403, body='{"message":"No access"}')
    result = cli("audit", "--org", "--role-name", AUDIT_ROLE, "--output", "json")
    assert result.code == errors.EXIT_FINDINGS, result.err
    accounts = json.loads(result.out)["accounts"]
    unreachable = {a["account_id"] for a in accounts if a["status"] == "unreachable"}
    assert len(unreachable) == 2  # the role-less account and the one refused its credentials
    refused = (unreachable - {by_name(org, "no-role")}).pop()
    for account in accounts:  # every other account still audited, with exactly its keys
        expected = [] if account["account_id"] in unreachable else org.planted[account["account_id"]]
        assert sorted(k["access_key_id"] for k in account["access_keys"]) == sorted(mask(k) for k in expected)
    assert f"{refused}: unreachable: GetRoleCredentials for {AUDIT_ROLE} in {refused}" in result.err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--org"], "audit --org needs --role-name"),
        (["--org", "--role-name", "R", "--accounts", "12345"], "12-digit account IDs"),
        (["--role-name", "R"], "go with --org"),
        (["--output", "csv"], "go with --org"),
        (["--org", "--online", "--role-name", "R"], "--online is for this machine"),
    ],
)
def test_usage_errors(cli, config, args, message):
    result = cli("audit", *args)
    assert result.code == errors.EXIT_USAGE and message in result.err, result.err


@pytest.fixture
def iam_behind(org, monkeypatch):
    """IAM reached through a proxy in front of moto that can refuse, throttle and count."""

    def start(**knobs):
        proxy = Proxy(org.moto_url, **knobs).start()
        started.append(proxy)
        monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", proxy.url)
        return proxy

    started: list[Proxy] = []
    yield start
    for proxy in started:
        proxy.stop()


def test_where_the_report_is_denied_users_and_keys_are_listed_instead_with_the_same_findings(
    cli, signed_in, org, iam_behind
):
    proxy = iam_behind(deny={"GenerateCredentialReport", "GetCredentialReport"})
    result = cli("audit", "--org", "--role-name", AUDIT_ROLE, "--output", "json")
    assert result.code == errors.EXIT_FINDINGS, result.err
    audited = [a for a in json.loads(result.out)["accounts"] if a["status"] == "audited"]
    assert len(audited) == 5
    for account in audited:
        assert account["source"] == "listing"
        assert account["note"] == "credential report unavailable (AccessDenied); users and keys were listed instead"
        assert f"{account['account_id']}: credential report unavailable (AccessDenied)" in result.err
        planted = org.planted[account["account_id"]]
        assert sorted(k["access_key_id"] for k in account["access_keys"]) == sorted(mask(k) for k in planted)
        unused = {k["access_key_id"] for k in account["access_keys"] if k["unused_90_days"]}
        assert unused == {mask(k) for k in org.unused[account["account_id"]]}
        assert {p["user"] for p in account["passwords_without_mfa"]} == org.passwords_without_mfa[account["account_id"]]
    assert proxy.denied["GetCredentialReport"] == 5 and proxy.calls["ListUsers"] == 5
    assert proxy.calls["GetAccessKeyLastUsed"] == 6  # one per active key


def test_a_throttled_iam_is_paced_and_retried_and_nothing_is_lost(cli, signed_in, org, iam_behind):
    proxy = iam_behind(rate=4, burst=2)
    result = cli("audit", "--org", "--role-name", AUDIT_ROLE, "--output", "json")
    assert result.code == errors.EXIT_FINDINGS, result.err
    document = json.loads(result.out)
    assert document["summary"]["active_keys"] == 6 and document["summary"]["accounts_unreachable"] == 1
    assert sum(proxy.throttled.values()) > 0


def test_an_account_throttled_out_is_unreachable_and_an_incomplete_clean_audit_exits_5(
    cli, signed_in, org, iam_behind, monkeypatch
):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    iam_behind(rate=0.001, burst=1)  # one call per account, then throttled
    result = cli("audit", "--org", "--role-name", AUDIT_ROLE, "--accounts", by_name(org, "clean"), "--output", "json")
    assert result.code == errors.EXIT_AWS, result.err
    (account,) = json.loads(result.out)["accounts"]
    assert account["status"] == "unreachable" and "throttling" in account["note"]
    assert "the audit is incomplete" in result.err


def test_the_readme_documents_every_json_field_and_the_csv_columns_in_order(cli, signed_in, org):
    from helpers import REPO

    readme = (REPO / "README.md").read_text()
    section = readme[
        readme.index("**JSON schema** (`--output json`)") : readme.index("Example: `ssohelper audit --org")
    ]
    document = json.loads(cli("audit", "--org", "--role-name", AUDIT_ROLE, "--output", "json").out)
    account = next(a for a in document["accounts"] if a["access_keys"] and a["passwords_without_mfa"])
    fields = [*document, *document["summary"], *account, *account["access_keys"][0]]
    fields += list(account["passwords_without_mfa"][0])
    assert [f for f in fields if f"`{f}`" not in section and f"`{f}[]`" not in section] == []
    columns = " ".join(section.split("columns in this\norder: ")[1].split("`.")[0].split())
    assert columns.replace("`", "") == ", ".join(CSV_COLUMNS)


def test_an_oversized_iam_answer_makes_the_account_unreachable_at_the_usual_memory(signed_in, org, iam_behind):
    args = ("audit", "--org", "--role-name", AUDIT_ROLE, "--sso-session", "corp", "--output", "json")
    code, err, usual = peak_rss(*args)
    assert code == errors.EXIT_FINDINGS, err
    iam_behind(answer_bytes=100 * 1024 * 1024)  # every IAM answer: 100 MB, with no Content-Length
    code, err, flooded = peak_rss(*args)
    assert code == errors.EXIT_AWS, err
    reached = [account for account, name in org.accounts.items() if name != "no-role"]
    for account in reached:
        assert f"{account}: unreachable: GetCredentialReport: the answer is larger than 4 MiB" in err
    assert "unexpected" not in err
    print(f"peak RSS: usual {usual:.0f} MiB, facing the flood {flooded:.0f} MiB")
    assert flooded - usual < 30, (usual, flooded)

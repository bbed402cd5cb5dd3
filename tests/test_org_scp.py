"""scp-policy: the document (kinds, Sids, exemptions, size limit) and, against moto
Organizations, --apply (idempotent), --check and --detach on the root, an OU and an account."""

from __future__ import annotations

import json

import pytest
from orgworld import Org, build

from ssohelper import errors
from ssohelper.emulator.proxy import Proxy
from ssohelper.org import scp
from ssohelper.org.scpcheck import Policy, verdicts

BREAK_GLASS = "arn:aws:iam::*:role/BreakGlass"
SEED = ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"]


def test_the_default_denies_what_the_original_policy_did_one_statement_per_kind(cli):
    arns = ["arn:aws:iam::111111111111:role/BreakGlass", "arn:aws:iam::*:user/emergency-*"]
    result = cli("scp-policy", "--allow-principal", arns[0], "--allow-principal", arns[1])
    assert result.code == 0, result.err
    statements = json.loads(result.out)["Statement"]
    assert [s["Sid"] for s in statements] == [
        "DenyNewIAMUsersUseIdentityCenter",
        "DenyNewAccessKeysDeactivatingStaysAllowed",
        "DenyConsolePasswordsForIAMUsers",
    ]
    actions = [a for s in statements for a in s["Action"]]
    assert actions == [*SEED[:2], "iam:CreateLoginProfile", "iam:UpdateLoginProfile"]
    assert "iam:UpdateAccessKey" not in actions  # it also deactivates keys
    for statement in statements:
        assert statement["Effect"] == "Deny" and statement["Resource"] == "*"
        assert statement["Condition"] == {"ArnNotLike": {"aws:PrincipalARN": arns}}
    assert len(result.out.rstrip("\n")) <= scp.SCP_LIMIT
    assert "warning" not in result.err


def test_no_exemption_warns_naming_what_will_be_blocked(cli):
    result = cli("scp-policy", "--deny", "service-credentials")
    assert result.code == 0
    (statement,) = json.loads(result.out)["Statement"]
    assert statement["Action"] == ["iam:CreateServiceSpecificCredential", "iam:ResetServiceSpecificCredential"]
    assert "Condition" not in statement
    assert "OrganizationAccountAccessRole" in result.err and "account vending" in result.err


def test_over_the_size_limit_or_bad_input_is_refused(cli):
    many = [f"--allow-principal=arn:aws:iam::{n:012d}:role/BreakGlassRoleNumber{n}" for n in range(100)]
    result = cli("scp-policy", *many)
    assert result.code == errors.EXIT_USAGE and result.out == ""
    assert "over the 5120-character SCP limit; use --compact" in result.err
    assert cli("scp-policy", "--compact", *many[:20]).code == 0
    assert cli("scp-policy", "--allow-principal", "BreakGlass").code == errors.EXIT_USAGE
    bad = cli("scp-policy", "--deny", "users,robots")
    assert bad.code == errors.EXIT_USAGE and "--deny takes" in bad.err
    assert "need --target" in cli("scp-policy", "--apply").err
    assert "give one of" in cli("scp-policy", "--apply", "--check", "--target", "r-ab12").err
    assert "--target takes" in cli("scp-policy", "--check", "--target", "root").err


def test_the_check_counts_only_unconditional_denies_and_reports_exemptions():
    def policy(statement: dict) -> Policy:
        return Policy("p-1", "mine", "r-ab12", {"Statement": [statement]})

    wildcard = policy({"Effect": "Deny", "Action": "iam:Create*", "Resource": "*"})
    assert all(v.blocked for v in verdicts([wildcard], SEED))
    exempt = policy(
        {
            "Sid": "X",
            "Effect": "Deny",
            "Action": ["iam:CreateUser"],
            "Resource": ["*"],
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": BREAK_GLASS}},
        }
    )
    (verdict,) = verdicts([exempt], ["iam:CreateUser"])
    assert verdict.blocked and verdict.exempt == (BREAK_GLASS,) and verdict.by == ("mine (X)",)
    region_only = policy(
        {
            "Effect": "Deny",
            "Action": "iam:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": "x"}},
        }
    )
    not_action = policy({"Effect": "Deny", "NotAction": "iam:CreateUser", "Resource": "*"})
    allow = policy({"Effect": "Allow", "Action": "*", "Resource": "*"})
    assert [v.blocked for v in verdicts([region_only, not_action, allow], SEED)] == [False, True, True]


@pytest.fixture(scope="module")
def org(moto_url) -> Org:
    return build(moto_url, {"workloads": [], "sandbox": []})


@pytest.fixture
def mgmt(org, isolated_home, monkeypatch):
    """A profile with the management account's credentials; Organizations at moto."""
    creds = org.creds(org.management)
    aws = isolated_home / ".aws"
    aws.mkdir(exist_ok=True)
    (aws / "credentials").write_text("[mgmt]\n" + "".join(f"{k} = {v}\n" for k, v in creds.items()))
    monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", org.moto_url)
    return org.client("organizations", org.management)


def root_of(orgs) -> str:
    return orgs.list_roots()["Roots"][0]["Id"]


def test_apply_then_check_agree_on_the_root_and_a_second_apply_changes_nothing(cli, mgmt, org):
    root = root_of(mgmt)
    refused = cli("scp-policy", "--apply", "--target", root, "--profile", "mgmt", "--allow-principal", BREAK_GLASS)
    assert refused.code == errors.EXIT_CONFIG and "enable-policy-type --root-id" in refused.err
    before = cli("scp-policy", "--check", "--target", root, "--profile", "mgmt")
    assert before.code == errors.EXIT_FINDINGS and "not enabled" in before.out
    mgmt.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")

    first = cli("scp-policy", "--apply", "--target", root, "--profile", "mgmt", "--allow-principal", BREAK_GLASS)
    assert first.code == 0, first.err
    assert "created, attached to " + root in first.out
    policy_id = first.out.split()[1]
    attached = mgmt.list_policies_for_target(TargetId=root, Filter="SERVICE_CONTROL_POLICY")["Policies"]
    assert policy_id in {p["Id"] for p in attached}
    stored = json.loads(mgmt.describe_policy(PolicyId=policy_id)["Policy"]["Content"])
    assert stored == scp.policy_document(scp.DEFAULT_KINDS, [BREAK_GLASS])

    check = cli("scp-policy", "--check", "--target", root, "--profile", "mgmt", "--output", "json")
    assert check.code == 0, check.err
    found = json.loads(check.out)
    assert found["blocked"] is True and found["scps_enabled"] is True
    assert [a["action"] for a in found["actions"]] == [*SEED, "iam:UpdateLoginProfile"]
    assert all(a["blocked"] and a["exempt"] == [BREAK_GLASS] for a in found["actions"])

    again = cli("scp-policy", "--apply", "--target", root, "--profile", "mgmt", "--allow-principal", BREAK_GLASS)
    assert again.code == 0 and "unchanged, already attached to" in again.out and "nothing changed" in again.err
    assert json.loads(mgmt.describe_policy(PolicyId=policy_id)["Policy"]["Content"]) == stored

    wider = cli("scp-policy", "--apply", "--target", root, "-p", "mgmt", "--deny", "users,service-credentials")
    assert (
        wider.code == 0 and "updated, already attached to" in wider.out and "OrganizationAccountAccessRole" in wider.err
    )
    account = next(iter(org.accounts))
    inherited = cli("scp-policy", "--check", "--target", account, "-p", "mgmt", "--deny", "users,access-keys")
    assert inherited.code == errors.EXIT_FINDINGS  # access keys are no longer denied
    assert "iam:CreateUser: denied by ssohelper-deny-long-term-credentials" in inherited.out
    assert "iam:CreateAccessKey: NOT denied" in inherited.out

    detached = cli("scp-policy", "--detach", "--target", root, "--profile", "mgmt")
    assert detached.code == 0 and "detached from" in detached.out
    assert cli("scp-policy", "--check", "--target", root, "--profile", "mgmt").code == errors.EXIT_FINDINGS
    assert "nothing changed" in cli("scp-policy", "--detach", "--target", root, "--profile", "mgmt").out


def test_the_management_account_is_named_as_outside_every_scp(cli, mgmt, org):
    result = cli("scp-policy", "--check", "--target", org.management, "--profile", "mgmt")
    assert result.code == errors.EXIT_FINDINGS
    assert "is the management account: no SCP applies to it" in result.out


def test_an_oversized_organizations_answer_is_exit_5_naming_the_call(cli, mgmt, org, monkeypatch):
    with Proxy(org.moto_url, answer_bytes=20 * 1024 * 1024) as flood:
        monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", flood.url)
        result = cli("scp-policy", "--check", "--target", root_of(mgmt), "--profile", "mgmt")
    assert result.code == errors.EXIT_AWS, result.err
    assert result.err == "ssohelper: ListRoots: the answer is larger than 4 MiB and was not read; " + (
        "a proxy or captive portal may be in the way\n"
    )


def test_an_organizations_timeout_is_named_for_organizations(cli, mgmt, org, monkeypatch):
    import time

    from test_bounded import raw_server

    monkeypatch.setenv("SSOHELPER_CALL_TIMEOUT", "1")
    with raw_server(lambda connection: time.sleep(3)) as silent:
        monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", silent)
        result = cli("scp-policy", "--check", "--target", root_of(mgmt), "--profile", "mgmt")
    assert result.code == errors.EXIT_AWS, result.err
    assert "Organizations ListRoots" in result.err and "IAM" not in result.err, result.err

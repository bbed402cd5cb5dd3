"""`iam-users plan`: IAM users read through the audit role in each account (role credentials
from the emulator, which moto ties to each account), Identity Center read with the ADMIN
profile from moto's sso-admin and identitystore, over HTTP through the endpoint variables."""

from __future__ import annotations

import json

import pytest
from iamworld import AUDIT_ROLE, DATA_READER, EC2_READ, LOGS, READ_ONLY, TICKETS, World, build_world, sign_in

from ssohelper import errors


@pytest.fixture(scope="module")
def world(moto_url) -> World:
    return build_world(moto_url)


@pytest.fixture
def signed_in(cli, config, emulator, world, isolated_home, monkeypatch):
    sign_in(cli, emulator, world, isolated_home, monkeypatch)
    return world


def plan(cli, *extra: str):  # type: ignore[no-untyped-def]
    return cli("iam-users", "plan", "--profile", "admin", "--role-name", AUDIT_ROLE, *extra)


def by_user(document: dict, account: str, name: str) -> dict:
    return next(u for u in document["users"] if u["account_id"] == account and u["iam_user"] == name)


def test_the_plan_gives_each_person_exactly_their_permissions(cli, signed_in):
    w = signed_in
    result = plan(cli, "--output", "json")
    assert result.code == errors.EXIT_FINDINGS, result.err  # dave unmatched, erin over a limit
    doc = json.loads(result.out)
    assert doc["instance_arn"] == w.instance_arn and doc["identity_store_id"] == w.store_id
    sets = {s["name"]: s for s in doc["permission_sets"]}

    alice, bob = by_user(doc, w.payments, "alice"), by_user(doc, w.payments, "bob")
    assert alice["status"] == bob["status"] == "planned"
    assert alice["permission_set"] == bob["permission_set"]  # the same permissions share one set
    shared = sets[alice["permission_set"]]
    assert shared["action"] == "create"
    assert shared["aws_managed_policies"] == [READ_ONLY] and shared["customer_managed_policies"] == []
    assert shared["inline_policy"] == TICKETS  # the group's inline policy, carried over
    assert alice["via"] == bob["via"] == "group"  # two people share it in one account: a group

    alice_data = by_user(doc, w.data, "alice")
    own = sets[alice_data["permission_set"]]
    assert own["aws_managed_policies"] == [EC2_READ]
    assert own["customer_managed_policies"] == [{"path": "/team/", "name": "DataReader"}]
    assert own["inline_policy"] == LOGS and alice_data["via"] == "user"
    assert DATA_READER not in [own["inline_policy"]]  # a reference by name, never a copy

    carol = by_user(doc, w.data, "carol")
    assert carol["permission_set"] == "S3Read" and sets["S3Read"]["action"] == "reuse"
    assert sets["S3Read"]["arn"] == w.existing_set

    machine = by_user(doc, w.payments, "ci-deploy")
    assert machine["status"] == "machine" and machine["permission_set"] is None
    assert "ci-role" in machine["way_out"]
    dave = by_user(doc, w.payments, "dave")
    assert dave["status"] == "unmatched" and "no Identity Center user has the user name 'dave'" in dave["reason"]
    erin = by_user(doc, w.data, "erin")
    assert erin["status"] == "not-planned" and "11 managed policies" in erin["reason"]

    groups = {g["name"]: g for g in doc["groups"]}
    assert [m["user_name"] for m in groups[alice["group"]]["members"]] == ["alice", "bob"]
    assignments = {
        (a["account_id"], a["permission_set"], a["principal_type"], a["principal_name"]) for a in doc["assignments"]
    }
    assert assignments == {
        (w.payments, alice["permission_set"], "GROUP", alice["group"]),
        (w.data, own["name"], "USER", "alice"),
        (w.data, "S3Read", "USER", "carol"),
    }
    assert not any(u["account_id"] not in (w.payments, w.data) for u in doc["users"])
    assert "4 IAM users planned into 3 permission sets (2 to create, 1 reused)" in result.err


def test_the_table_names_each_person_and_what_is_created_or_reused(cli, signed_in):
    result = plan(cli)
    lines = result.out.splitlines()
    assert lines[0].split()[:3] == ["ACCOUNT", "IAM", "USER"]
    carol = next(line for line in lines if " carol " in line)
    assert "S3Read" in carol and "reuse" in carol
    assert any("ci-deploy" in line and "machine" in line and "way out" in line for line in lines)


def test_a_map_settles_who_is_who_and_a_line_naming_nobody_is_refused(cli, signed_in, tmp_path):
    w = signed_in
    mapping = tmp_path / "map.csv"
    mapping.write_text(f"iam_user,identity_center_user\n{w.payments}:dave,frank\nerin,machine\n")
    doc = json.loads(plan(cli, "--map", str(mapping), "--output", "json").out)
    dave = by_user(doc, w.payments, "dave")
    assert dave["status"] == "planned" and dave["identity_center_user"] == "frank" and dave["matched_by"] == "map"
    assert by_user(doc, w.data, "erin")["status"] == "machine"
    mapping.write_text("nobody-here,alice\n")
    refused = plan(cli, "--map", str(mapping))
    assert refused.code == errors.EXIT_USAGE and refused.out == ""
    assert refused.err == f"ssohelper: {mapping} line 1: no IAM user 'nobody-here' was read\n"


def test_an_account_the_role_cannot_reach_is_named_and_the_plan_is_incomplete(cli, signed_in):
    w = signed_in
    result = plan(cli, "--accounts", f"{w.payments},999999999999", "--output", "json")
    assert result.code == errors.EXIT_AWS
    accounts = {a["account_id"]: a for a in json.loads(result.out)["accounts"]}
    assert accounts["999999999999"] == {
        "account_id": "999999999999",
        "account_name": "",
        "status": "unreachable",
        "reason": "your sign-in does not list this account",
    }
    assert "999999999999: unreachable: your sign-in does not list this account" in result.err


def test_an_identity_center_endpoint_out_of_reach_is_one_line(cli, signed_in, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_ADMIN", "http://127.0.0.1:9")  # nothing listens there
    result = plan(cli)
    assert result.code == errors.EXIT_AWS and len(result.err.splitlines()) == 1
    assert "cannot reach" in result.err


def test_an_admin_profile_without_a_region_is_told_to_give_one(cli, signed_in, isolated_home, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    with open(isolated_home / ".aws" / "credentials", "a") as handle:
        handle.write("[noregion]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n")
    result = cli("iam-users", "plan", "--profile", "noregion", "--role-name", AUDIT_ROLE)
    assert result.code == errors.EXIT_CONFIG
    assert result.err == "ssohelper: Identity Center is regional: give --region, or set region in profile noregion\n"

"""`iam-users apply` and `--rollback` against moto's sso-admin and identitystore: Identity Center
ends up as the plan says, a second apply changes nothing, rollback leaves only what was there."""

from __future__ import annotations

import json
import os
import re
import shlex
import stat

import pytest
from iamworld import AUDIT_ROLE, EC2_READ, S3_READ, World, build_world, sign_in
from iamworld import READ_ONLY as READ

from ssohelper import errors, paths


@pytest.fixture(scope="module")
def world(moto_url) -> World:
    return build_world(moto_url)


@pytest.fixture
def signed_in(cli, config, emulator, world, isolated_home, monkeypatch):
    sign_in(cli, emulator, world, isolated_home, monkeypatch)
    return world


def make_plan(cli, path) -> dict:  # type: ignore[no-untyped-def]
    result = cli("iam-users", "plan", "--profile", "admin", "--role-name", AUDIT_ROLE, "--output", "json")
    assert result.code == errors.EXIT_FINDINGS, result.err
    path.write_text(result.out)
    return dict(json.loads(result.out))


def apply(cli, *args: str):  # type: ignore[no-untyped-def]
    return cli("iam-users", "apply", *args, "--profile", "admin", "--yes")


def state(w: World) -> dict:
    admin, store = w.admin("sso-admin"), w.admin("identitystore")
    sets = {}
    for arn in admin.list_permission_sets(InstanceArn=w.instance_arn)["PermissionSets"]:
        ids = {"InstanceArn": w.instance_arn, "PermissionSetArn": arn}
        name = admin.describe_permission_set(**ids)["PermissionSet"]["Name"]
        managed = sorted(
            p["Arn"] for p in admin.list_managed_policies_in_permission_set(**ids)["AttachedManagedPolicies"]
        )
        refs = admin.list_customer_managed_policy_references_in_permission_set(**ids)["CustomerManagedPolicyReferences"]
        inline = admin.get_inline_policy_for_permission_set(**ids).get("InlinePolicy") or None
        sets[name] = (
            arn,
            managed,
            sorted((r["Path"], r["Name"]) for r in refs),
            json.loads(inline) if inline else None,
        )
    groups = {g["DisplayName"]: g["GroupId"] for g in store.list_groups(IdentityStoreId=w.store_id)["Groups"]}
    held = set()
    for kind, ids in (("USER", w.user_ids.values()), ("GROUP", groups.values())):
        for principal in ids:
            found = admin.list_account_assignments_for_principal(
                InstanceArn=w.instance_arn, PrincipalId=principal, PrincipalType=kind
            )["AccountAssignments"]
            held |= {(a["AccountId"], a["PermissionSetArn"], kind, principal) for a in found}
    return {"sets": sets, "groups": groups, "assignments": held}


def test_apply_matches_the_plan_twice_idempotent_and_rollback_leaves_what_was_there(cli, signed_in, tmp_path):
    w = signed_in
    before = state(w)
    early = report(cli, "--output", "json")
    assert early.code == 0, early.err
    alice = row(json.loads(early.out), w.payments, "alice")
    assert alice["migrated"] is False and alice["reason"] == "alice holds no permission set in this account"
    plan_doc = make_plan(cli, tmp_path / "plan.json")
    first = apply(cli, str(tmp_path / "plan.json"))
    assert first.code == 0, first.err
    after = state(w)
    for planned in plan_doc["permission_sets"]:
        _arn, managed, refs, inline = after["sets"][planned["name"]]
        assert managed == planned["aws_managed_policies"] and inline == planned["inline_policy"]
        assert refs == [(r["path"], r["name"]) for r in planned["customer_managed_policies"]]
    assert after["sets"]["S3Read"][0] == w.existing_set  # reused, not copied
    group = next(g for g in plan_doc["groups"])
    members = w.admin("identitystore").list_group_memberships(
        IdentityStoreId=w.store_id, GroupId=after["groups"][group["name"]]
    )
    assert {m["MemberId"]["UserId"] for m in members["GroupMemberships"]} == {w.user_ids["alice"], w.user_ids["bob"]}
    wanted = set()
    for a in plan_doc["assignments"]:
        principal = a["principal_id"] or after["groups"][a["principal_name"]]
        wanted.add((a["account_id"], after["sets"][a["permission_set"]][0], a["principal_type"], principal))
    assert after["assignments"] == wanted
    journal = os.path.join(paths.iam_users_dir(), w.instance_arn.rsplit("/", 1)[-1] + ".json")
    assert stat.S_IMODE(os.stat(journal).st_mode) == 0o600
    assert "created permission set" in first.out and "assigned" in first.out

    check_report(cli, w, plan_doc)

    again = apply(cli, str(tmp_path / "plan.json"))
    assert again.code == 0 and again.out == "" and "nothing changed" in again.err
    assert state(w) == after
    replan = make_plan(cli, tmp_path / "replan.json")
    assert {s["action"] for s in replan["permission_sets"]} == {"reuse"}
    assert {a["action"] for a in replan["assignments"]} == {"exists"}
    assert {g["action"] for g in replan["groups"]} == {"reuse"}
    assert "nothing changed" in apply(cli, str(tmp_path / "replan.json")).err

    iam = w.org.client("iam", w.payments)  # IAM users and keys are never touched
    assert [k["Status"] for k in iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]] == ["Active"]

    undone = cli("iam-users", "apply", "--rollback", "--profile", "admin", "--yes")
    assert undone.code == 0, undone.err
    assert state(w) == before and not os.path.exists(journal)
    assert "nothing to roll back" in cli("iam-users", "apply", "--rollback", "--profile", "admin", "--yes").err


def test_apply_refuses_a_plan_the_world_has_moved_past_or_made_for_another_instance(cli, signed_in, tmp_path):
    w = signed_in
    make_plan(cli, tmp_path / "plan.json")
    admin = w.admin("sso-admin")
    ids = {"InstanceArn": w.instance_arn, "PermissionSetArn": w.existing_set}
    admin.attach_managed_policy_to_permission_set(ManagedPolicyArn=EC2_READ, **ids)
    try:
        moved = apply(cli, str(tmp_path / "plan.json"))
    finally:
        admin.detach_managed_policy_from_permission_set(ManagedPolicyArn=EC2_READ, **ids)
    assert moved.code == errors.EXIT_NOT_APPLIED
    assert moved.err.strip() == (
        "ssohelper: not applied: Identity Center changed since the plan: "
        "permission set S3Read now has other policies than planned; make a new plan"
    )
    other = json.loads((tmp_path / "plan.json").read_text())
    other["instance_arn"] = "arn:aws:sso:::instance/ssoins-0000000000000000"
    (tmp_path / "other.json").write_text(json.dumps(other))
    refused = apply(cli, str(tmp_path / "other.json"))
    assert (
        refused.code == errors.EXIT_NOT_APPLIED
        and "made for instance arn:aws:sso:::instance/ssoins-0000" in refused.err
    )
    assert state(w)["sets"].keys() == {"S3Read"}  # nothing was created by either
    assert S3_READ in state(w)["sets"]["S3Read"][1]


def report(cli, *extra: str):  # type: ignore[no-untyped-def]
    return cli("iam-users", "report", "--profile", "admin", "--role-name", AUDIT_ROLE, *extra)


def row(document: dict, account: str, name: str) -> dict:
    return next(u for u in document["users"] if u["account_id"] == account and u["iam_user"] == name)


def check_report(cli, w: World, plan_doc: dict) -> None:  # type: ignore[no-untyped-def]
    result = report(cli, "--output", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    alice = row(doc, w.payments, "alice")
    group = plan_doc["groups"][0]["name"]
    assert alice["migrated"] is True and alice["permission_sets"][0]["via"] == "group"
    assert alice["permission_sets"][0]["group"] == group and alice["access_keys_active"] == 1
    assert row(doc, w.data, "carol")["permission_sets"] == [{"name": "S3Read", "via": "user", "group": None}]
    assert row(doc, w.data, "alice")["migrated"] is True
    machine = row(doc, w.payments, "ci-deploy")
    assert machine["migrated"] is False and machine["kind"] == "machine" and "way out" in machine["reason"]
    assert row(doc, w.payments, "dave")["migrated"] is False
    assert row(doc, w.data, "erin")["reason"] == "erin holds no permission set in this account"
    sets = {s["name"]: s for s in doc["permission_sets"]}
    assert sets["S3Read"]["accounts"] == [
        {"account_id": w.data, "holders": [{"principal_type": "USER", "name": "carol"}]}
    ]
    assert doc["summary"]["migrated"] == 4 and "4 of 7 IAM users migrated" in result.err
    table = report(cli, "--output", "csv").out.splitlines()
    assert table[0].split(",") == [
        *("account_id", "iam_user", "identity_center_user", "permission_sets", "migrated", "reason"),
        *("access_keys_active", "keys_last_used", "console_password"),
    ]
    assert any(line.startswith(f"{w.data},carol,carol,S3Read (user),true,") for line in table)
    only_sets = cli("iam-users", "report", "--profile", "admin")
    assert "S3Read" in only_sets.out and "without --role-name" in only_sets.err


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda p: p.update(kind="something"), "kind must be"),
        (lambda p: p["permission_sets"][0].update(name="has spaces in it"), "is not 1-32 characters"),
        (lambda p: p["assignments"][0].update(permission_set="Nowhere"), "permission set 'Nowhere', which the plan"),
        (lambda p: p["assignments"][0].update(account_id="12"), "is not 12 digits"),
        (
            lambda p: p["permission_sets"][0].update(
                aws_managed_policies=[f"arn:aws:iam::aws:policy/P{n}" for n in range(11)]
            ),
            "managed policies; a permission set takes at most 10",
        ),
    ],
)
def test_a_plan_edited_into_nonsense_is_one_line_and_exit_4(cli, signed_in, tmp_path, edit, says):
    plan_doc = make_plan(cli, tmp_path / "plan.json")
    edit(plan_doc)
    (tmp_path / "broken.json").write_text(json.dumps(plan_doc))
    result = apply(cli, str(tmp_path / "broken.json"))
    assert result.code == errors.EXIT_CONFIG and says in result.err and len(result.err.splitlines()) == 1
    (tmp_path / "text.json").write_text("{not json")
    refused = apply(cli, str(tmp_path / "text.json"))
    assert refused.code == errors.EXIT_CONFIG
    # the suggestion, followed: it makes a plan that apply takes
    (suggested,) = re.findall(r"with: ssohelper ([^;(\n]+)", refused.err)
    words = [{"ADMIN": "admin", "ROLE": AUDIT_ROLE}.get(w, w) for w in shlex.split(suggested)]
    made = cli(*words)
    assert made.code == errors.EXIT_FINDINGS and json.loads(made.out)["kind"], made.err


def test_a_set_an_interrupted_apply_left_half_made_is_completed_and_rolled_back(cli, signed_in, tmp_path):
    w = signed_in
    plan_doc = make_plan(cli, tmp_path / "plan.json")
    assert apply(cli, str(tmp_path / "plan.json")).code == 0
    shared = next(s for s in plan_doc["permission_sets"] if s["inline_policy"] and s["aws_managed_policies"] == [READ])
    arn = state(w)["sets"][shared["name"]][0]
    w.admin("sso-admin").delete_inline_policy_from_permission_set(InstanceArn=w.instance_arn, PermissionSetArn=arn)
    completed = apply(cli, str(tmp_path / "plan.json"))
    assert completed.code == 0 and completed.out == f"completed permission set {shared['name']}\n"
    assert state(w)["sets"][shared["name"]][3] == shared["inline_policy"]
    assert cli("iam-users", "apply", "--rollback", "--profile", "admin", "--yes").code == 0
    assert state(w)["sets"].keys() == {"S3Read"}

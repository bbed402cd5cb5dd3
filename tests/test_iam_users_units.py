"""The rules of `iam-users plan` as pure functions: matching, merging, limits, names, the map."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError

from ssohelper.admin import matching, policies
from ssohelper.admin.center import Center, PermissionSet, Person, Policies
from ssohelper.admin.iamusers import AccountUsers, Grants, IamUser, Key
from ssohelper.admin.proposal import propose
from ssohelper.errors import UsageError

ACCOUNT = "111111111111"
S3 = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
CENTER = Center(
    "arn:aws:sso:::instance/ssoins-1",
    "d-1",
    people=(Person("u-ann", "ann", ("ann@example.com",)), Person("u-bo", "bo", ("bo@corp.example",))),
)
NOW = datetime(2026, 12, 7, tzinfo=timezone.utc)
KEY = (Key("AKIA****WXYZ", True, None),)


def user(name: str, **fields) -> IamUser:  # type: ignore[no-untyped-def]
    fields.setdefault("grants", Grants(aws_managed=(S3,)))
    fields.setdefault("password", True)
    return IamUser(ACCOUNT, name, **fields)


def plan_of(*users: IamUser, center: Center = CENTER, how: str = "username", lines=()) -> dict:  # type: ignore[no-untyped-def]
    found = [AccountUsers(ACCOUNT, "dev", users)]
    return propose(found, center, how=how, lines=list(lines), role_name="Audit", now=NOW)


def test_a_permissions_boundary_is_never_dropped_the_user_is_left_as_a_manual_step():
    row = plan_of(user("ann", boundary=S3))["users"][0]
    assert row["status"] == "not-planned" and S3 in row["reason"]
    assert row["manual_steps"] == [f"decide how permissions boundary {S3} carries over"]


def test_inline_policies_merge_once_each_and_repeated_sids_are_renamed():
    a = {"Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    b = {"Statement": {"Sid": "Read", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}}
    merged = policies.merged_inline((("user/ann/a", a), ("group/devs/a", a), ("group/ops/b", b)))
    assert merged == {
        "Version": "2012-10-17",
        "Statement": [a["Statement"][0], {**b["Statement"], "Sid": "Read2"}],
    }


def test_limits_say_what_cannot_fit_and_why():
    many = tuple(f"arn:aws:iam::aws:policy/P{n}" for n in range(11))
    assert policies.over_limits(Policies(aws_managed=many)) == [
        "11 managed policies; a permission set takes at most 10"
    ]
    huge = json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "x" * 33_000}]})
    assert "inline policy takes at most 32768" in policies.over_limits(Policies(inline=huge))[0]
    row = plan_of(user("ann", grants=Grants(aws_managed=many)))["users"][0]
    assert row["status"] == "not-planned" and row["reason"].startswith("11 managed policies")


def test_set_names_are_readable_when_they_fit_else_from_the_digest_and_never_collide():
    assert policies.set_name(Policies(aws_managed=(S3,)), set()) == "AmazonS3ReadOnlyAccess"
    long = Policies(aws_managed=(S3, "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess"))
    name = policies.set_name(long, set())
    assert name.startswith("Migrated-") and policies.NAME.match(name)
    assert policies.set_name(Policies(aws_managed=(S3,)), {"AmazonS3ReadOnlyAccess"}).startswith("Migrated-")


def test_an_existing_set_with_other_policies_keeps_its_name_and_a_new_one_is_made():
    taken = Center(
        CENTER.instance_arn,
        "d-1",
        CENTER.people,
        sets=(PermissionSet("arn:ps-1", "AmazonS3ReadOnlyAccess", Policies()),),
    )
    planned = plan_of(user("ann"), center=taken)["permission_sets"][0]
    assert planned["action"] == "create" and planned["name"] != "AmazonS3ReadOnlyAccess"


def test_matching_order_map_then_machine_names_then_match_then_keys_only():
    ci = matching.MapLine(1, ACCOUNT, "ci-thing", "ann")
    assert matching.match(user("ci-thing"), CENTER, "username", [ci]).person == CENTER.people[0]  # the map wins
    assert matching.match(user("deploy-bot"), CENTER, "username", []).kind == "machine"
    bo = user("bob", tags=(("Email", "bo@corp.example"),))
    assert matching.match(bo, CENTER, "email", []).person == CENTER.people[1]
    assert matching.match(user("x", tags=(("person", "ann"),)), CENTER, "tag:person", []).person == CENTER.people[0]
    keys_only = matching.match(user("svcish", password=False, keys=KEY), CENTER, "username", [])
    assert keys_only.kind == "machine" and "Roles Anywhere" in (keys_only.way_out or "")
    nobody = matching.match(user("zed"), CENTER, "username", [])
    assert nobody.kind == "unmatched" and nobody.reason == "no Identity Center user has the user name 'zed'"
    no_tag = matching.match(user("zed"), CENTER, "tag:person", [])
    assert no_tag.reason == "it has no tag person"


def test_the_map_is_checked_line_by_line():
    lines = matching.parse_map("iam_user,identity_center_user\n# people\n111111111111:zed,ann\nci-x,machine\n", "m.csv")
    assert [(ln.line, ln.account_id, ln.iam_user, ln.target) for ln in lines] == [
        (3, ACCOUNT, "zed", "ann"),
        (4, None, "ci-x", "machine"),
    ]
    with pytest.raises(UsageError, match=r"^m.csv line 1: expected iam_user,identity_center_user$"):
        matching.parse_map("only-one-cell\n", "m.csv")
    with pytest.raises(UsageError, match=r"'12' is not a 12-digit account ID"):
        matching.parse_map("12:zed,ann\n", "m.csv")
    with pytest.raises(UsageError, match=r"^m.csv line 1: no IAM user 'zed' in 111111111111 was read$"):
        matching.check_map(matching.parse_map("111111111111:zed,ann", "m.csv"), [user("ann")], CENTER, "m.csv")
    with pytest.raises(UsageError, match=r"^m.csv line 1: no Identity Center user 'nobody'$"):
        matching.check_map(matching.parse_map("ann,nobody", "m.csv"), [user("ann")], CENTER, "m.csv")
    with pytest.raises(UsageError, match="--match takes username, email or tag:KEY"):
        matching.check_match("tag:")


class _DeniedInline:
    """An IAM client whose GetUserPolicy is denied; everything else answers as for a plain user."""

    def get_user(self, UserName: str) -> dict:
        return {"User": {"UserName": UserName}}

    def get_paginator(self, operation: str):  # type: ignore[no-untyped-def]
        answers = {
            "list_access_keys": {"AccessKeyMetadata": []},
            "list_attached_user_policies": {"AttachedPolicies": []},
            "list_user_policies": {"PolicyNames": ["secret"]},
            "list_groups_for_user": {"Groups": []},
            "list_users": {"Users": [{"UserName": "ann"}]},
            "list_policies": {"Policies": []},
        }

        class Pages:
            def paginate(self, **params):  # type: ignore[no-untyped-def]
                if operation == "get_account_authorization_details":
                    raise ClientError(
                        {"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetAccountAuthorizationDetails"
                    )
                return [answers[operation]]

        return Pages()

    def get_login_profile(self, UserName: str) -> dict:
        return {"LoginProfile": {}}

    def get_user_policy(self, **params) -> dict:  # type: ignore[no-untyped-def]
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetUserPolicy")


def test_a_policy_that_cannot_be_read_leaves_that_user_unplanned_with_the_reason():
    from ssohelper.admin.reach import read_account

    account = read_account(ACCOUNT, "dev", _DeniedInline())  # the whole-account answer is denied: user by user
    assert account.error is None and [u.name for u in account.users] == ["ann"]
    read = account.users[0]
    assert read.error == "its policies can't be read (AccessDenied)"
    row = plan_of(read)["users"][0]
    assert row["status"] == "not-planned" and row["reason"] == "its policies can't be read (AccessDenied)"


class _SsoAdmin:
    """sso-admin answering a status IN_PROGRESS ``pending`` times, then ``final``."""

    def __init__(self, pending: int, final: dict) -> None:
        self.pending, self.final, self.asked = pending, final, 0
        self.meta = type("Meta", (), {"service_model": type("Model", (), {"service_name": "sso-admin"})()})()

    def describe_account_assignment_creation_status(self, **params) -> dict:  # type: ignore[no-untyped-def]
        self.asked += 1
        if self.asked <= self.pending:
            return {"AccountAssignmentCreationStatus": {"Status": "IN_PROGRESS", "RequestId": "r-1"}}
        return {"AccountAssignmentCreationStatus": self.final}


def test_an_assignment_is_awaited_with_growing_waits_and_a_failure_is_one_line():
    from ssohelper.admin.apply import wait_for
    from ssohelper.errors import AwsError

    waits: list[float] = []
    admin = _SsoAdmin(2, {"Status": "SUCCEEDED"})
    wait_for(admin, "creation", "arn:i", {"Status": "IN_PROGRESS", "RequestId": "r-1"}, waits.append)
    assert waits == [0.5, 1.0, 2.0] and admin.asked == 3
    failed = _SsoAdmin(0, {"Status": "FAILED", "FailureReason": "role exists", "TargetId": ACCOUNT})
    with pytest.raises(AwsError, match=f"^the account assignment creation in {ACCOUNT} failed: role exists$"):
        wait_for(failed, "creation", "arn:i", {"Status": "IN_PROGRESS", "RequestId": "r-1"}, waits.append)

"""An organisation in moto with IAM users worth migrating and an Identity Center instance.

Member accounts hold IAM users in groups, with AWS managed, customer managed and inline
policies, a machine user, a person Identity Center does not know, and a user over a limit
(moto keeps no permissions boundaries on users: tests/test_iam_users_units.py covers those).
The management account administers Identity Center (moto's sso-admin and identitystore):
people, and one existing permission set worth reusing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from orgworld import AUDIT_ROLE, Org, build

READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
EC2_READ = "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess"
TICKETS = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Tickets", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
}
LOGS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:GetLogEvents", "Resource": "*"}]}
DATA_READER = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}],
}
PEOPLE = ("alice", "bob", "carol", "erin", "frank")


@dataclass
class World:
    org: Org
    payments: str
    data: str
    instance_arn: str
    store_id: str
    user_ids: dict[str, str]
    existing_set: str  # the ARN of S3Read, made before any plan

    def admin(self, service: str):  # type: ignore[no-untyped-def]
        return self.org.client(service, self.org.management)


def build_world(moto_url: str) -> World:
    org = build(moto_url, {"payments": [], "data": [], "empty": []})
    ids = {name: account_id for account_id, name in org.accounts.items()}
    for account_id in ids.values():
        _aws_policies(account_id)
    _payments(org.client("iam", ids["payments"]), ids["payments"])
    _data(org.client("iam", ids["data"]), ids["data"])
    admin = org.client("sso-admin", org.management)
    instance = admin.list_instances()["Instances"][0]
    arn, store_id = instance["InstanceArn"], instance["IdentityStoreId"]
    store = org.client("identitystore", org.management)
    user_ids = {name: _person(store, store_id, name) for name in PEOPLE}
    existing = admin.create_permission_set(Name="S3Read", InstanceArn=arn)["PermissionSet"]["PermissionSetArn"]
    admin.attach_managed_policy_to_permission_set(InstanceArn=arn, PermissionSetArn=existing, ManagedPolicyArn=S3_READ)
    return World(org, ids["payments"], ids["data"], arn, store_id, user_ids, existing)


def _person(store, store_id: str, name: str) -> str:  # type: ignore[no-untyped-def]
    return store.create_user(
        IdentityStoreId=store_id,
        UserName=name,
        DisplayName=name.title(),
        Name={"GivenName": name.title(), "FamilyName": "Example"},
        Emails=[{"Value": f"{name}@example.com", "Primary": True}],
    )["UserId"]


def _user(iam, name: str, *, password: bool = True, keys: int = 0, tags: dict[str, str] | None = None) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName=name, Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()])
    if password:
        iam.create_login_profile(UserName=name, Password="Not-a-real-password-1!")
    for _ in range(keys):
        iam.create_access_key(UserName=name)


def _aws_policies(account_id: str) -> None:
    """moto loads no AWS managed policies unless told for the whole process: add the three used here."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, iam_backends

    data = json.loads(aws_managed_policies_data)
    backend = iam_backends[account_id]["aws"]
    for arn in (READ_ONLY, S3_READ, EC2_READ):
        name = arn.rsplit("/", 1)[-1]
        policy = AWSManagedPolicy.from_data(name, account_id, "us-east-1", data[name])
        backend.managed_policies[policy.arn] = policy


def _payments(iam, account_id: str) -> None:  # type: ignore[no-untyped-def]
    """alice and bob: both in 'devs' (ReadOnlyAccess, an inline policy), so they share a set."""
    iam.create_group(GroupName="devs")
    iam.attach_group_policy(GroupName="devs", PolicyArn=READ_ONLY)
    iam.put_group_policy(GroupName="devs", PolicyName="tickets", PolicyDocument=json.dumps(TICKETS))
    for name in ("alice", "bob"):
        _user(iam, name, keys=1)
        iam.add_user_to_group(GroupName="devs", UserName=name)
    _user(iam, "ci-deploy", password=False, keys=1)
    iam.attach_user_policy(UserName="ci-deploy", PolicyArn=READ_ONLY)
    _user(iam, "dave", keys=1)  # a person Identity Center does not know
    iam.attach_user_policy(UserName="dave", PolicyArn=READ_ONLY)


def _data(iam, account_id: str) -> None:  # type: ignore[no-untyped-def]
    """alice: a customer managed policy under a path, an AWS one, an inline one; carol: what S3Read has."""
    arn = iam.create_policy(PolicyName="DataReader", Path="/team/", PolicyDocument=json.dumps(DATA_READER))["Policy"][
        "Arn"
    ]
    _user(iam, "alice")
    iam.attach_user_policy(UserName="alice", PolicyArn=arn)
    iam.attach_user_policy(UserName="alice", PolicyArn=EC2_READ)
    iam.put_user_policy(UserName="alice", PolicyName="logs", PolicyDocument=json.dumps(LOGS))
    _user(iam, "carol")
    iam.attach_user_policy(UserName="carol", PolicyArn=S3_READ)
    _user(iam, "erin")  # over the limit: eleven managed policies
    for n in range(11):
        made = iam.create_policy(PolicyName=f"Erin{n}", PolicyDocument=json.dumps(DATA_READER))["Policy"]["Arn"]
        iam.attach_user_policy(UserName="erin", PolicyArn=made)


def sign_in(cli, emulator, world: World, home, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Signed in to corp with AUDIT_ROLE in every account; IAM, sso-admin and identitystore at
    moto; an ``admin`` profile with the management account's credentials."""
    accounts = {a: {"name": n, "roles": [AUDIT_ROLE]} for a, n in world.org.accounts.items()}
    emulator.configure(accounts=accounts, sts_endpoint=world.org.moto_url)
    for service in ("IAM", "SSO_ADMIN", "IDENTITYSTORE"):
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", world.org.moto_url)
    creds = world.org.creds(world.org.management)
    aws = home / ".aws"
    with open(aws / "credentials", "a") as handle:
        handle.write("[admin]\n" + "".join(f"{k} = {v}\n" for k, v in creds.items()))
    with open(aws / "config", "a") as handle:
        handle.write("\n[profile admin]\nregion = us-east-1\n")
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0


__all__ = ["AUDIT_ROLE", "World", "build_world", "sign_in"]

"""An AWS organisation in moto (server mode) for the organisation audit and the SCP tests.

Accounts are real moto Organizations accounts; each gets IAM users and keys made through STS
AssumeRole credentials for that account, so moto files them under that account. moto has no
API to backdate a key, so ``age`` and ``last_used_days_ago`` are set on moto's own in-process
records (the server runs in this process); the product still reads them over HTTP.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import boto3

AUDIT_ROLE = "OrgAudit"


@dataclass(frozen=True)
class PlantedKey:
    user: str
    age_days: int = 0
    last_used_days_ago: int | None = None  # None: never used
    active: bool = True


@dataclass(frozen=True)
class PlantedUser:
    name: str
    keys: tuple[PlantedKey, ...] = ()
    password: bool = False
    mfa: bool = False


@dataclass
class Org:
    moto_url: str
    management: str
    accounts: dict[str, str]  # id -> name, every member account
    planted: dict[str, list[str]] = field(default_factory=dict)  # account -> full active key IDs
    unused: dict[str, set[str]] = field(default_factory=dict)  # account -> key IDs unused 90+ days
    passwords_without_mfa: dict[str, set[str]] = field(default_factory=dict)

    def creds(self, account_id: str, role: str = AUDIT_ROLE) -> dict[str, str]:
        sts = boto3.client(
            "sts",
            endpoint_url=self.moto_url,
            region_name="us-east-1",
            aws_access_key_id="AKIATESTORGSETUP000",
            aws_secret_access_key="test",
        )
        answer = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/{role}", RoleSessionName="setup")
        c = answer["Credentials"]
        return {
            "aws_access_key_id": c["AccessKeyId"],
            "aws_secret_access_key": c["SecretAccessKey"],
            "aws_session_token": c["SessionToken"],
        }

    def client(self, service: str, account_id: str):  # type: ignore[no-untyped-def]
        return boto3.client(service, endpoint_url=self.moto_url, region_name="us-east-1", **self.creds(account_id))


def random_account_id() -> str:
    return f"{random.randrange(10**11, 10**12):012d}"


def build(moto_url: str, plan: dict[str, list[PlantedUser]]) -> Org:
    """An organisation whose member accounts are named by ``plan``'s keys, with those users."""
    management = random_account_id()
    org = Org(moto_url, management, {})
    orgs = org.client("organizations", management)
    orgs.create_organization(FeatureSet="ALL")
    for name, users in plan.items():
        created = orgs.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
        account_id = created["AccountId"]
        org.accounts[account_id] = name
        plant(org, account_id, users)
    return org


def plant(org: Org, account_id: str, users: list[PlantedUser]) -> None:
    iam = org.client("iam", account_id)
    org.planted[account_id], org.unused[account_id] = [], set()
    org.passwords_without_mfa[account_id] = set()
    for user in users:
        iam.create_user(UserName=user.name)
        if user.password:
            iam.create_login_profile(UserName=user.name, Password="Not-a-real-password-1!")
            if user.mfa:
                serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{user.name}-mfa")
                number = serial["VirtualMFADevice"]["SerialNumber"]
                iam.enable_mfa_device(
                    UserName=user.name, SerialNumber=number, AuthenticationCode1="123456", AuthenticationCode2="654321"
                )
            else:
                org.passwords_without_mfa[account_id].add(user.name)
        for key in user.keys:
            key_id = iam.create_access_key(UserName=user.name)["AccessKey"]["AccessKeyId"]
            if not key.active:
                iam.update_access_key(UserName=user.name, AccessKeyId=key_id, Status="Inactive")
                continue
            _backdate(account_id, user.name, key_id, key)
            org.planted[account_id].append(key_id)
            idle = key.last_used_days_ago if key.last_used_days_ago is not None else key.age_days
            if idle >= 90:
                org.unused[account_id].add(key_id)


def _backdate(account_id: str, user: str, key_id: str, planted: PlantedKey) -> None:
    from moto.iam.models import AccessKeyLastUsed, iam_backends

    record = next(k for k in iam_backends[account_id]["aws"].users[user].access_keys if k.access_key_id == key_id)
    now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    record.create_date = now - timedelta(days=planted.age_days)
    if planted.last_used_days_ago is not None:
        when = now - timedelta(days=planted.last_used_days_ago)
        record.last_used = AccessKeyLastUsed(timestamp=when, service="s3", region="eu-west-1")


def mask(key_id: str) -> str:
    return f"{key_id[:4]}****{key_id[-4:]}"

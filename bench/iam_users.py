"""Benchmark: `ssohelper iam-users plan` over many accounts of IAM users, behind an IAM throttle.

Run: python bench/iam_users.py [--accounts 20] [--users 20] [--latency 0.02] [--rate 100] [--burst 20] [--per-account]
(the issue's full size is --accounts 200 --users 20; planting its 4,000 users takes minutes)

moto (server mode, in this process) holds the accounts; in each, --users IAM users with one
access key each, all in one group holding an AWS managed policy; Identity Center (moto's
sso-admin and identitystore, in the management account) knows every user name, so each user is
matched and planned. The bundled emulator hands out role credentials that moto ties to each
account; a proxy in front of moto's IAM adds the latency and throttles every IAM call with one
token bucket (--rate a second, --burst at once), answering IAM's `Throttling` error; with
--per-account, one bucket per account, as IAM throttles (the floor is then one account's calls).

The baseline is the floor that throttle sets: the IAM calls the plan must make, less the burst,
divided by the rate. Printed: the INSTALLED `ssohelper`'s wall time as a ratio to the floor
(target <= 1.2x), the IAM calls that reached moto against those needed (none lost, none
doubled), the throttled answers retried, and the peak memory (max RSS) of the plan's process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import boto3
from org_audit import environment, moto_world

from ssohelper.emulator import Emulator
from ssohelper.emulator.proxy import Proxy

ROLE = "OrgAudit"
POLICY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
MANAGEMENT = "499999999999"


def _client(moto_url: str, service: str, account: str):  # type: ignore[no-untyped-def]
    sts = boto3.client(
        "sts", endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="AKIABENCH", aws_secret_access_key="x"
    )
    c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="bench")["Credentials"]
    keys = {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"]}
    return boto3.client(
        service, endpoint_url=moto_url, region_name="us-east-1", aws_session_token=c["SessionToken"], **keys
    ), c


def plant(moto_url: str, accounts: int, users: int) -> dict[str, dict]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, iam_backends

    data = json.loads(aws_managed_policies_data)["ReadOnlyAccess"]
    fixture = {}
    for n in range(accounts):
        account = f"{500000000000 + n:012d}"
        iam, _ = _client(moto_url, "iam", account)
        policy = AWSManagedPolicy.from_data("ReadOnlyAccess", account, "us-east-1", data)
        iam_backends[account]["aws"].managed_policies[policy.arn] = policy  # moto loads none by default
        iam.create_group(GroupName="devs")
        iam.attach_group_policy(GroupName="devs", PolicyArn=POLICY)
        for u in range(users):
            iam.create_user(UserName=f"user{u}")
            iam.create_access_key(UserName=f"user{u}")
            iam.add_user_to_group(GroupName="devs", UserName=f"user{u}")
        fixture[account] = {"name": f"team-{n:03d}", "roles": [ROLE]}
    return fixture


def identity_center(moto_url: str, users: int) -> dict[str, str]:
    """The people, in the management account's identity store; that account's credentials."""
    admin, creds = _client(moto_url, "sso-admin", MANAGEMENT)
    store_id = admin.list_instances()["Instances"][0]["IdentityStoreId"]
    store, _ = _client(moto_url, "identitystore", MANAGEMENT)
    for u in range(users):
        name = f"user{u}"
        store.create_user(
            IdentityStoreId=store_id, UserName=name, DisplayName=name, Name={"GivenName": name, "FamilyName": "B"}
        )
    return creds


def needed_calls(accounts: int, users: int) -> int:
    # per account: one GetAccountAuthorizationDetails page (users, groups, policies), and the
    # credential report: GetCredentialReport (none yet), GenerateCredentialReport (STARTED, then
    # COMPLETE after one wait), GetCredentialReport; nothing per user
    return accounts * 5


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--rate", type=float, default=100.0, help="IAM calls a second the throttle lets through")
    parser.add_argument("--burst", type=float, default=20.0)
    parser.add_argument("--per-account", action="store_true", help="one bucket per account (as IAM throttles)")
    args = parser.parse_args()
    with moto_world() as (exe, moto_url, home):
        started = time.perf_counter()
        fixture = plant(moto_url, args.accounts, args.users)
        creds = identity_center(moto_url, args.users)
        print(f"planted {args.accounts} accounts x {args.users} users in {time.perf_counter() - started:.1f} s")
        os.makedirs(f"{home}/.aws")
        with open(f"{home}/.aws/config", "w") as handle:
            handle.write(
                "[sso-session corp]\nsso_start_url = https://bench.awsapps.com/start\nsso_region = us-east-1\n"
            )
            handle.write("[profile admin]\nregion = us-east-1\n")
        with open(f"{home}/.aws/credentials", "w") as handle:
            handle.write(f"[admin]\naws_access_key_id = {creds['AccessKeyId']}\n")
            handle.write(
                f"aws_secret_access_key = {creds['SecretAccessKey']}\naws_session_token = {creds['SessionToken']}\n"
            )
        knobs = {"latency": args.latency, "rate": args.rate, "burst": args.burst, "per_key": args.per_account}
        with (
            Emulator(accounts=fixture, approve_after_polls=1, interval=0, sts_endpoint=moto_url) as emu,
            Proxy(moto_url, **knobs) as proxy,
        ):
            env = environment(home, emu.url, proxy.url)
            env.update(AWS_ENDPOINT_URL_SSO_ADMIN=moto_url, AWS_ENDPOINT_URL_IDENTITYSTORE=moto_url)
            subprocess.run(
                [exe, "login", "--sso-session", "corp", "--no-browser"], env=env, check=True, capture_output=True
            )
            emu.configure(latency=args.latency)
            report(exe, env, proxy, args)


def report(exe: str, env: dict[str, str], proxy: Proxy, args: argparse.Namespace) -> None:
    command = [
        exe,
        "iam-users",
        "plan",
        "--profile",
        "admin",
        "--role-name",
        ROLE,
        "--sso-session",
        "corp",
        "--output",
        "json",
    ]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if done.returncode != 0:
        sys.exit(f"iam-users plan exited {done.returncode}: {done.stderr.strip()[-500:]}")
    plan = json.loads(done.stdout)
    planned = sum(1 for u in plan["users"] if u["status"] == "planned")
    needed = needed_calls(args.accounts, args.users)
    passed, throttled = sum(proxy.calls.values()), sum(proxy.throttled.values())
    floor = max(0.0, (needed - args.burst) / args.rate)
    if args.per_account:  # the accounts are throttled apart: the floor is one account's calls
        floor = max(0.0, (needed / args.accounts - args.burst) / args.rate)
    ratio = wall / floor if floor else float("inf")
    latency = f"{args.latency * 1000:.0f} ms each"
    scope = "per account" if args.per_account else "for all accounts"
    print(f"throttle: {args.rate:g} IAM calls/s, burst {args.burst:g}, {scope}; {latency}")
    calls = f"{needed // args.accounts} IAM calls of one account" if args.per_account else f"{needed} IAM calls"
    print(f"throttle floor: ({calls} - burst) / rate = {floor:.2f} s")
    print(
        f"iam-users plan: {wall:.2f} s wall = {ratio:.2f}x the floor; {passed} IAM calls reached moto "
        f"(needed {needed}), {throttled} throttled answers retried; peak memory {peak_mib:.0f} MiB"
    )
    print(f"planned {planned} of {len(plan['users'])} IAM users into {len(plan['permission_sets'])} permission sets")
    met = planned == args.accounts * args.users and passed == needed and ratio <= 1.2
    print("targets: every user planned, exactly the calls needed, <= 1.2x the floor ->", "met" if met else "NOT met")


if __name__ == "__main__":
    main()

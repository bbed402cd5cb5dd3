"""Benchmark: `ssohelper iam-users apply` of 100 permission sets and 400 assignments behind an
sso-admin throttle.

Run: python bench/iam_users_apply.py [--sets 100] [--accounts 4] [--rate 20] [--burst 10] [--latency 0.02]

moto (server mode, in this process) is Identity Center; a proxy in front of its sso-admin adds
the latency and throttles every call with one token bucket, answering `ThrottlingException` as
sso-admin does (moto never throttles). The plan is made up: --sets permission sets, each with its
own inline policy, each assigned in --accounts accounts to one of --accounts people.

The baseline is the floor the throttle sets: (the sso-admin calls apply must make - burst) /
rate. Printed: the INSTALLED `ssohelper`'s wall time as a ratio to it, the calls that reached
moto against those needed (none lost), the throttled answers retried, and whether Identity
Center then holds every set and assignment.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
from org_audit import moto_world

MANAGEMENT = "499999999999"


class JsonThrottle:
    """A loopback proxy for a JSON-protocol AWS API: latency, one token bucket, calls counted."""

    def __init__(self, upstream: str, rate: float, burst: float, latency: float) -> None:
        self.upstream = urllib.parse.urlsplit(upstream)
        self.rate, self.burst, self.latency = rate, burst, latency
        self.tokens, self.at = burst, time.monotonic()
        self.calls: Counter[str] = Counter()
        self.throttled = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
            self.at = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            self.throttled += 1
            return False

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                time.sleep(proxy.latency)
                if not proxy.take():
                    payload = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
                    self._answer(400, payload, {"x-amzn-ErrorType": "ThrottlingException"})
                    return
                with proxy.lock:
                    proxy.calls[self.headers.get("X-Amz-Target", "?").rsplit(".", 1)[-1]] += 1
                upstream = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                upstream.request("POST", self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                self._answer(answer.status, answer.read(), {"Content-Type": answer.getheader("Content-Type", "")})

            def _answer(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in {"Content-Type": "application/x-amz-json-1.1", **headers}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler


def world(moto_url: str, args: argparse.Namespace) -> tuple[dict, dict[str, str]]:
    """The made-up plan and the management account's credentials."""
    sts = boto3.client(
        "sts", endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="AKIABENCH", aws_secret_access_key="x"
    )
    c = sts.assume_role(RoleArn=f"arn:aws:iam::{MANAGEMENT}:role/Admin", RoleSessionName="bench")["Credentials"]
    keys = {
        "aws_access_key_id": c["AccessKeyId"],
        "aws_secret_access_key": c["SecretAccessKey"],
        "aws_session_token": c["SessionToken"],
    }
    admin = boto3.client("sso-admin", endpoint_url=moto_url, region_name="us-east-1", **keys)
    instance = admin.list_instances()["Instances"][0]
    store = boto3.client("identitystore", endpoint_url=moto_url, region_name="us-east-1", **keys)
    people = []
    for n in range(args.accounts):
        name = f"person{n}"
        made = store.create_user(
            IdentityStoreId=instance["IdentityStoreId"],
            UserName=name,
            DisplayName=name,
            Name={"GivenName": name, "FamilyName": "B"},
        )
        people.append({"user_name": name, "user_id": made["UserId"]})
    accounts = [f"{600000000000 + n:012d}" for n in range(args.accounts)]
    sets, assignments = [], []
    for n in range(args.sets):
        inline = {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": f"S{n}", "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::b{n}/*"}
            ],
        }
        name = f"Bench{n:03d}"
        sets.append(
            {
                "name": name,
                "action": "create",
                "arn": None,
                "aws_managed_policies": [],
                "customer_managed_policies": [],
                "inline_policy": inline,
                "accounts": accounts,
            }
        )
        for account, person in zip(accounts, people, strict=True):
            assignments.append(
                {
                    "account_id": account,
                    "permission_set": name,
                    "principal_type": "USER",
                    "principal_name": person["user_name"],
                    "principal_id": person["user_id"],
                    "action": "create",
                }
            )
    plan = {
        "version": 1,
        "kind": "ssohelper-iam-users-plan",
        "instance_arn": instance["InstanceArn"],
        "identity_store_id": instance["IdentityStoreId"],
        "permission_sets": sets,
        "groups": [],
        "assignments": assignments,
        "users": [],
    }
    return plan, c


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sets", type=int, default=100)
    parser.add_argument("--accounts", type=int, default=4)
    parser.add_argument("--rate", type=float, default=20.0, help="sso-admin calls a second the throttle lets through")
    parser.add_argument("--burst", type=float, default=10.0)
    parser.add_argument("--latency", type=float, default=0.02)
    args = parser.parse_args()
    with moto_world() as (exe, moto_url, home):
        plan, c = world(moto_url, args)
        os.makedirs(f"{home}/.aws")
        with open(f"{home}/plan.json", "w") as handle:
            json.dump(plan, handle)
        with open(f"{home}/.aws/credentials", "w") as handle:
            handle.write(
                f"[admin]\naws_access_key_id = {c['AccessKeyId']}\naws_secret_access_key = {c['SecretAccessKey']}\n"
            )
            handle.write(f"aws_session_token = {c['SessionToken']}\nregion = us-east-1\n")
        proxy = JsonThrottle(moto_url, args.rate, args.burst, args.latency)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            HOME=home, AWS_CONFIG_FILE=f"{home}/.aws/config", AWS_SHARED_CREDENTIALS_FILE=f"{home}/.aws/credentials"
        )
        env.update(
            XDG_CONFIG_HOME=f"{home}/.config",
            AWS_ENDPOINT_URL_SSO_ADMIN=proxy.url,
            AWS_ENDPOINT_URL_IDENTITYSTORE=moto_url,
        )
        report(exe, env, proxy, plan, home, args, moto_url, c)


def report(exe, env, proxy, plan, home, args, moto_url, c) -> None:  # type: ignore[no-untyped-def]
    command = [exe, "iam-users", "apply", f"{home}/plan.json", "--profile", "admin", "--yes"]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"iam-users apply exited {done.returncode}: {done.stderr.strip()[-500:]}")
    people = args.accounts
    # reads: ListInstances, ListPermissionSets, one ListAccountAssignmentsForPrincipal per person;
    # writes: CreatePermissionSet and PutInlinePolicyToPermissionSet per set, one
    # CreateAccountAssignment per assignment (moto answers SUCCEEDED at once: no status polls)
    needed = 2 + people + 2 * args.sets + len(plan["assignments"])
    passed = sum(proxy.calls.values())
    floor = max(0.0, (needed - args.burst) / args.rate)
    keys = {
        "aws_access_key_id": c["AccessKeyId"],
        "aws_secret_access_key": c["SecretAccessKey"],
        "aws_session_token": c["SessionToken"],
    }
    admin = boto3.client("sso-admin", endpoint_url=moto_url, region_name="us-east-1", **keys)
    held = sum(
        len(
            admin.list_account_assignments_for_principal(
                InstanceArn=plan["instance_arn"], PrincipalId=a, PrincipalType="USER"
            )["AccountAssignments"]
        )
        for a in {x["principal_id"] for x in plan["assignments"]}
    )
    print(f"throttle: {args.rate:g} sso-admin calls/s, burst {args.burst:g}; {args.latency * 1000:.0f} ms each")
    print(f"throttle floor: ({needed} sso-admin calls - burst) / rate = {floor:.2f} s")
    calls = f"{passed} calls reached moto (needed {needed}), {proxy.throttled} throttled answers retried"
    print(f"iam-users apply: {wall:.2f} s wall = {wall / floor:.2f}x the floor; {calls}")
    print(f"Identity Center holds {held} of {len(plan['assignments'])} assignments")
    met = held == len(plan["assignments"]) and passed == needed
    print("targets: every assignment made, no call lost or doubled ->", "met" if met else "NOT met")


if __name__ == "__main__":
    main()

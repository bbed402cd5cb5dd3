"""Benchmark: `ssohelper audit --org` over 200 accounts, 20 ms per call, behind an IAM throttle.

Run: python bench/org_audit.py [--accounts 200] [--users 2] [--latency 0.02] [--rate 100] [--burst 20]

moto (server mode, in this process) holds the accounts, each with --users IAM users holding one
access key; the bundled emulator hands out role credentials that moto ties to each account;
a proxy in front of moto adds the latency to every IAM call and throttles them with a token
bucket (--rate calls a second, --burst at once), answering IAM's own `Throttling` error, since
moto never throttles. The portal calls get the same latency from the emulator.

The baseline is the floor the throttle sets: no client can pass more than burst + rate x t
calls in t seconds, so the IAM calls needed take at least (calls - burst) / rate seconds.
It prints the wall time of the INSTALLED `ssohelper` (a subprocess) as a ratio to that floor,
the calls that reached moto against the calls needed, the throttled answers, and whether every
planted key was found. Targets: every key found, no account lost, <= 1.5x the floor.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import boto3

from ssohelper.emulator import Emulator
from ssohelper.emulator.proxy import Proxy

ROLE = "OrgAudit"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def plant(moto_url: str, accounts: int, users: int) -> dict[str, dict]:
    """Each account's users and keys, made with credentials moto ties to that account."""
    sts = boto3.client(
        "sts", endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="AKIABENCH", aws_secret_access_key="x"
    )
    fixture = {}
    for n in range(accounts):
        account = f"{500000000000 + n:012d}"
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="bench")["Credentials"]
        iam = boto3.client(
            "iam",
            endpoint_url=moto_url,
            region_name="us-east-1",
            aws_access_key_id=c["AccessKeyId"],
            aws_secret_access_key=c["SecretAccessKey"],
            aws_session_token=c["SessionToken"],
        )
        for u in range(users):
            iam.create_user(UserName=f"user{u}")
            iam.create_access_key(UserName=f"user{u}")
        fixture[account] = {"name": f"team-{n:03d}", "roles": [ROLE]}
    return fixture


def environment(home: str, emulator_url: str, iam_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        HOME=home,
        AWS_CONFIG_FILE=f"{home}/.aws/config",
        AWS_SHARED_CREDENTIALS_FILE=f"{home}/.aws/credentials",
        XDG_CACHE_HOME=f"{home}/.cache",
        XDG_CONFIG_HOME=f"{home}/.config",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        AWS_ENDPOINT_URL_SSO=emulator_url,
        AWS_ENDPOINT_URL_SSO_OIDC=emulator_url,
        AWS_ENDPOINT_URL_IAM=iam_url,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


@contextmanager
def moto_world() -> Iterator[tuple[str, str, str]]:
    """moto in server mode in this process, the installed ssohelper, and a throw-away HOME:
    (the ssohelper script, moto's URL, the HOME), both gone afterwards."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request
    exe = shutil.which("ssohelper", path=os.path.dirname(sys.executable))
    if not exe:
        sys.exit("the ssohelper script is not installed in this venv: pip install -e .")
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    home = tempfile.mkdtemp(prefix="ssohelper-bench-")
    try:
        yield exe, f"http://127.0.0.1:{port}", home
    finally:
        shutil.rmtree(home, ignore_errors=True)
        moto.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--users", type=int, default=2, help="IAM users with one key each, per account")
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--rate", type=float, default=100.0, help="IAM calls a second the throttle lets through")
    parser.add_argument("--burst", type=float, default=20.0)
    args = parser.parse_args()
    with moto_world() as (exe, moto_url, home):
        started = time.perf_counter()
        fixture = plant(moto_url, args.accounts, args.users)
        print(
            f"planted {args.accounts} accounts x {args.users} users with a key in {time.perf_counter() - started:.1f} s"
        )
        os.makedirs(f"{home}/.aws")
        with open(f"{home}/.aws/config", "w") as handle:
            handle.write(
                "[sso-session corp]\nsso_start_url = https://bench.awsapps.com/start\nsso_region = us-east-1\n"
            )
        # one bucket for every call: a floor no client design can beat, whatever its parallelism
        knobs = {"latency": args.latency, "rate": args.rate, "burst": args.burst, "per_key": False}
        with (
            Emulator(accounts=fixture, approve_after_polls=1, interval=0, sts_endpoint=moto_url) as emu,
            Proxy(moto_url, **knobs) as proxy,
        ):
            env = environment(home, emu.url, proxy.url)
            subprocess.run(
                [exe, "login", "--sso-session", "corp", "--no-browser"], env=env, check=True, capture_output=True
            )
            emu.configure(latency=args.latency)
            report(exe, env, emu, proxy, args)


def report(exe: str, env: dict[str, str], emu: Emulator, proxy: Proxy, args: argparse.Namespace) -> None:
    command = [exe, "audit", "--org", "--role-name", ROLE, "--sso-session", "corp", "--output", "json"]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - start
    if done.returncode != 10:
        sys.exit(f"audit --org exited {done.returncode}: {done.stderr.strip()[-500:]}")
    summary = json.loads(done.stdout)["summary"]
    # per account: GetCredentialReport (none yet), GenerateCredentialReport (STARTED, then
    # COMPLETE after one wait), GetCredentialReport, and one ListAccessKeys per user with a key
    needed = args.accounts * (4 + args.users)
    passed, throttled = sum(proxy.calls.values()), sum(proxy.throttled.values())
    floor = max(0.0, (needed - args.burst) / args.rate)
    portal = emu.calls["GetRoleCredentials"] + emu.calls["ListAccounts"] + emu.calls["ListAccountRoles"]
    keys_ok = summary["active_keys"] == args.accounts * args.users and summary["accounts_unreachable"] == 0
    ratio = wall / floor if floor else float("inf")
    print(
        f"throttle: {args.rate:g} IAM calls/s, burst {args.burst:g}, for all accounts; "
        f"{args.latency * 1000:.0f} ms a call"
    )
    print(f"throttle floor: ({needed} IAM calls - burst) / rate = {floor:.2f} s")
    print(
        f"audit --org: {wall:.2f} s wall = {ratio:.2f}x the floor; {passed} IAM calls reached moto "
        f"(needed {needed}), {throttled} throttled answers retried; {portal} portal calls"
    )
    print(f"found {summary['active_keys']} keys in {summary['accounts_audited']} accounts: {summary['text']}")
    met = keys_ok and passed == needed and ratio <= 1.5
    print(
        "targets: every key found, exactly the calls needed upstream, <= 1.5x the floor ->", "met" if met else "NOT met"
    )


if __name__ == "__main__":
    main()

"""Benchmark: `ssohelper keys retire --yes` over 200 accounts behind an IAM throttle.

Run: python bench/keys_retire.py [--accounts 200] [--users 2] [--latency 0.02] [--rate 100] [--burst 20]

The world of bench/org_audit.py (moto in this process, the emulator's role credentials tied to
each account, a proxy adding latency and a token-bucket throttle answering IAM's `Throttling`),
with every key backdated 200 days so that all are retired. The floor is what the throttle
allows: (calls needed - burst) / rate, where a retirement needs per account ListUsers, per user
ListAccessKeys, per key GetAccessKeyLastUsed and UpdateAccessKey. Prints the INSTALLED
command's wall time as a ratio to the floor, the calls that reached moto, and whether every key
ended Inactive. Target: <= 1.2x the floor, no key missed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta

from org_audit import ROLE, environment, moto_world, plant

from ssohelper.emulator import Emulator
from ssohelper.emulator.proxy import Proxy


def backdate(days: int) -> int:
    """Every planted key created ``days`` ago and never used; returns how many."""
    from moto.iam.models import iam_backends

    count = 0
    for account_id, regions in iam_backends.items():
        for user in regions["aws"].users.values():
            for key in user.access_keys:
                key.create_date = datetime.utcnow().replace(microsecond=0) - timedelta(days=days)
                count += 1 if account_id.startswith("5") else 0
    return count


def inactive() -> int:
    from moto.iam.models import iam_backends

    return sum(
        1
        for account_id, regions in iam_backends.items()
        if account_id.startswith("5")
        for user in regions["aws"].users.values()
        for key in user.access_keys
        if key.status == "Inactive"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--users", type=int, default=2)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--burst", type=float, default=20.0)
    args = parser.parse_args()
    with moto_world() as (exe, moto_url, home):
        fixture = plant(moto_url, args.accounts, args.users)
        keys = backdate(200)
        os.makedirs(f"{home}/.aws")
        with open(f"{home}/.aws/config", "w") as handle:
            handle.write(
                "[sso-session corp]\nsso_start_url = https://bench.awsapps.com/start\nsso_region = us-east-1\n"
            )
        knobs = {"latency": args.latency, "rate": args.rate, "burst": args.burst, "per_key": False}
        with (
            Emulator(accounts=fixture, approve_after_polls=1, interval=0, sts_endpoint=moto_url) as emu,
            Proxy(moto_url, **knobs) as proxy,
        ):
            env = environment(home, emu.url, proxy.url)
            login = [exe, "login", "--sso-session", "corp", "--no-browser"]
            subprocess.run(login, env=env, check=True, capture_output=True)
            emu.configure(latency=args.latency)
            command = [exe, "keys", "retire", "--role-name", ROLE, "--unused-days", "90", "--yes", "--output", "text"]
            start = time.perf_counter()
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
            wall = time.perf_counter() - start
            if done.returncode != 0:
                sys.exit(f"keys retire exited {done.returncode}: {done.stderr.strip()[-500:]}")
            needed = args.accounts * (1 + args.users * 3)
            passed, throttled = sum(proxy.calls.values()), sum(proxy.throttled.values())
            floor = max(0.0, (needed - args.burst) / args.rate)
            ratio = wall / floor if floor else float("inf")
            print(f"throttle: {args.rate:g} IAM calls/s, burst {args.burst:g}; {args.latency * 1000:.0f} ms a call")
            print(f"throttle floor: ({needed} IAM calls - burst) / rate = {floor:.2f} s")
            print(
                f"keys retire --yes: {wall:.2f} s = {ratio:.2f}x the floor; {passed} IAM calls reached moto, "
                f"{throttled} throttled answers retried; {inactive()} of {keys} keys now Inactive"
            )
            met = inactive() == keys and ratio <= 1.2
            print("targets: every key retired, <= 1.2x the floor ->", "met" if met else "NOT met")


if __name__ == "__main__":
    main()

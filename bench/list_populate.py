"""Benchmark: `ssohelper list` and `ssohelper populate --dry-run` against N accounts x 3 roles.

Run: python bench/list_populate.py [--accounts 500] [--roles 3] [--latency 0.02] [--rate 20]
     [--burst 0] [--env AWS_RETRY_MODE=adaptive ...]

Starts the bundled emulator in this process with the given latency per call, and with
--rate, a portal throttle of that many calls a second (a token bucket of --burst calls,
default as many as the rate); signs in once, then runs the INSTALLED `ssohelper` (the active
venv's) end to end as subprocesses, with no setting changed. Each command must print every
row. It prints wall time as a ratio to the floor, CPU seconds, peak RSS, and the portal calls
the emulator received and throttled:

- without a throttle the floor is the sequential latency (calls x latency); target <= 0.4x;
- with one, the floor is what the throttle allows: (calls - burst) / rate; target <= 1.10x,
  with under 5% of the calls throttled.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from ssohelper.emulator import Emulator

PAGE = 100  # ListAccounts page size ssohelper asks for


def fixture(accounts: int, roles: int) -> dict:
    return {
        f"{100000000000 + n:012d}": {"name": f"team-{n:04d}", "roles": [f"Role{r}" for r in range(roles)]}
        for n in range(accounts)
    }


def environment(home: str, url: str, extra: list[str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        HOME=home,
        AWS_CONFIG_FILE=f"{home}/.aws/config",
        AWS_SHARED_CREDENTIALS_FILE=f"{home}/.aws/credentials",
        XDG_CACHE_HOME=f"{home}/.cache",
        XDG_CONFIG_HOME=f"{home}/.config",
        XDG_DATA_HOME=f"{home}/.local/share",
        XDG_RUNTIME_DIR=f"{home}/.run",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        AWS_ENDPOINT_URL_SSO=url,
        AWS_ENDPOINT_URL_SSO_OIDC=url,
        AWS_EC2_METADATA_DISABLED="true",
    )
    env.update(item.split("=", 1) for item in extra)
    return env


def ssohelper() -> str:
    found = shutil.which("ssohelper", path=os.path.dirname(sys.executable))
    if not found:
        sys.exit("the ssohelper script is not installed in this venv: pip install -e .")
    return found


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """(wall seconds, CPU seconds, peak RSS in MiB, stdout) of one subprocess."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(args, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=1200)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args[1:])} failed ({result.returncode}): {result.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rss = after.ru_maxrss / 1024  # KiB on Linux; the largest child so far
    return wall, cpu, int(rss), result.stdout


def rows_of(label: str, stdout: str) -> int:
    if label.startswith("list"):
        return len(json.loads(stdout))
    return sum(1 for line in stdout.splitlines() if line.rstrip().endswith("create"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--roles", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--rate", type=float, default=0.0, help="portal throttle, calls a second (0: none)")
    parser.add_argument("--burst", type=int, default=0, help="the throttle's bucket (default: as many as --rate)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="extra environment")
    args = parser.parse_args()
    pages = max(1, -(-args.accounts // PAGE))
    needed = pages + args.accounts
    burst = args.burst or int(args.rate)
    if args.rate:
        floor = (needed - burst) / args.rate
        target = 1.10
        print(
            f"{args.accounts} accounts x {args.roles} roles, {args.latency * 1000:.0f} ms per call, "
            f"throttle {args.rate:g}/s"
        )
        print(f"throttle floor: ({needed} calls - {burst} burst) / {args.rate:g} per s = {floor:.2f} s")
    else:
        floor = needed * args.latency
        target = 0.4
        print(f"{args.accounts} accounts x {args.roles} roles, {args.latency * 1000:.0f} ms per call, no throttle")
        print(f"sequential floor: {needed} calls x {args.latency * 1000:.0f} ms = {floor:.2f} s")
    if args.env:
        print("environment:", " ".join(args.env))
    home = tempfile.mkdtemp(prefix="ssohelper-bench-")
    try:
        os.makedirs(f"{home}/.aws")
        os.makedirs(f"{home}/.run", mode=0o700)
        with open(f"{home}/.aws/config", "w") as handle:
            handle.write(
                "[sso-session corp]\nsso_start_url = https://bench.awsapps.com/start\nsso_region = us-east-1\n"
            )
        with Emulator(accounts=fixture(args.accounts, args.roles), approve_after_polls=1, interval=0) as emu:
            env = environment(home, emu.url, args.env)
            exe = ssohelper()
            subprocess.run(
                [exe, "login", "--sso-session", "corp", "--no-browser"], env=env, check=True, capture_output=True
            )
            emu.configure(latency=args.latency, throttle_rate=args.rate, throttle_burst=args.burst)
            ok = True
            for label, command in (
                ("list --refresh", [exe, "list", "--sso-session", "corp", "--output", "json", "--refresh"]),
                ("populate --dry-run", [exe, "populate", "--sso-session", "corp", "--dry-run"]),
            ):
                emu.reset_calls()
                wall, cpu, rss, stdout = run(command, env)
                calls = emu.calls
                portal = calls["ListAccounts"] + calls["ListAccountRoles"]
                throttled = emu.throttled
                rows = rows_of(label, stdout)
                share = throttled / portal
                ratio = wall / floor
                met = ratio <= target and rows == args.accounts * args.roles and share < 0.05
                ok = ok and met
                print(
                    f"{label}: {rows} rows, {wall:.2f} s wall = {ratio:.2f}x the floor, {cpu:.2f} s CPU, "
                    f"peak RSS {rss} MiB, {portal} portal calls ({calls['ListAccounts']} ListAccounts), "
                    f"{throttled} throttled ({share:.1%}) -> {'met' if met else 'NOT met'}"
                )
            print(
                f"targets: every row, <= {target}x the floor, < 5% of calls throttled ->",
                "met" if ok else "NOT met",
            )
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()

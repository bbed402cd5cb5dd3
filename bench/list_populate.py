"""Benchmark: `ssohelper list` and `ssohelper populate --dry-run` against 500 accounts x 3 roles.

Run: python bench/list_populate.py [--accounts 500] [--roles 3] [--latency 0.02] [--throttle 0]

Starts the bundled emulator in this process with the given latency per call, signs in once,
then runs the INSTALLED `ssohelper` (the active venv's) end to end as subprocesses. It prints
each command's wall time as a ratio to the sequential-latency floor (one call after another:
25 ListAccounts pages + 500 ListAccountRoles = 525 calls x 20 ms = 10.5 s), its CPU seconds
(getrusage of the children), peak RSS, and the portal calls the emulator received, which must be
exactly the calls needed plus the retries it asked for (--throttle injects that many 429s).
Targets: <= 0.4x the floor and under 3 s of CPU for each command.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from ssohelper.emulator import Emulator
from ssohelper.emulator.portal import DEFAULT_PAGE_SIZE


def fixture(accounts: int, roles: int) -> dict:
    return {
        f"{100000000000 + n:012d}": {"name": f"team-{n:03d}", "roles": [f"Role{r}" for r in range(roles)]}
        for n in range(accounts)
    }


def environment(home: str, url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        HOME=home,
        AWS_CONFIG_FILE=f"{home}/.aws/config",
        AWS_SHARED_CREDENTIALS_FILE=f"{home}/.aws/credentials",
        XDG_CACHE_HOME=f"{home}/.cache",
        XDG_CONFIG_HOME=f"{home}/.config",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        AWS_ENDPOINT_URL_SSO=url,
        AWS_ENDPOINT_URL_SSO_OIDC=url,
        AWS_EC2_METADATA_DISABLED="true",
    )
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
    result = subprocess.run(args, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args[1:])} failed ({result.returncode}): {result.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rss = after.ru_maxrss / 1024  # KiB on Linux; the largest child so far
    return wall, cpu, int(rss), result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--roles", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--throttle", type=int, default=0, help="429s to inject into ListAccountRoles per run")
    args = parser.parse_args()
    pages = max(1, -(-args.accounts // DEFAULT_PAGE_SIZE))
    needed = pages + args.accounts
    floor = needed * args.latency
    print(f"{args.accounts} accounts x {args.roles} roles, {args.latency * 1000:.0f} ms per call")
    print(f"sequential floor: {needed} calls x {args.latency * 1000:.0f} ms = {floor:.2f} s")
    home = tempfile.mkdtemp(prefix="ssohelper-bench-")
    try:
        os.makedirs(f"{home}/.aws")
        with open(f"{home}/.aws/config", "w") as handle:
            handle.write(
                "[sso-session corp]\nsso_start_url = https://bench.awsapps.com/start\nsso_region = us-east-1\n"
            )
        with Emulator(accounts=fixture(args.accounts, args.roles), approve_after_polls=1, interval=0) as emu:
            env = environment(home, emu.url)
            exe = ssohelper()
            subprocess.run(
                [exe, "login", "--sso-session", "corp", "--no-browser"], env=env, check=True, capture_output=True
            )
            emu.configure(latency=args.latency)
            ok = True
            for label, command in (
                ("list --output json", [exe, "list", "--sso-session", "corp", "--output", "json"]),
                ("populate --dry-run", [exe, "populate", "--sso-session", "corp", "--dry-run"]),
            ):
                emu.reset_calls()
                if args.throttle:
                    emu.fail_next("ListAccountRoles", count=args.throttle, status=429)
                wall, cpu, rss, _ = run(command, env)
                calls = emu.calls
                portal = calls["ListAccounts"] + calls["ListAccountRoles"]
                exact = portal == needed + args.throttle and calls["ListAccounts"] == pages
                ratio = wall / floor
                met = ratio <= 0.4 and cpu < 3 and exact
                ok = ok and met
                print(
                    f"{label}: {wall:.2f} s wall = {ratio:.2f}x the floor, {cpu:.2f} s CPU, peak RSS {rss} MiB, "
                    f"{portal} portal calls ({calls['ListAccounts']} ListAccounts + {calls['ListAccountRoles']} "
                    f"ListAccountRoles; expected {needed} + {args.throttle} retries) -> {'met' if met else 'NOT met'}"
                )
            print(
                "targets: <= 0.4x the floor, < 3 s CPU, exactly the calls needed plus retries ->",
                "met" if ok else "NOT met",
            )
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Benchmark: `ssohelper list` from the listing cache against `ssohelper --version`, and the peak
memory of `list` facing a 100 MB answer.

Run: python bench/list_cache.py [--runs 15] [--accounts 500] [--answer-mb 100]

Signs in to the bundled emulator, lists once (filling the cache), then times the INSTALLED
`ssohelper --version` and `ssohelper list` (from the cache) alternately, and prints the
median of each and their ratio (target <= 1.2x), with the portal calls the cached runs made
(target 0). Then it pads every portal answer to --answer-mb and runs `list --refresh`: it must
fail with exit 5, with peak RSS near a normal `list --refresh`'s (target <= 1.5x).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

from list_populate import environment, fixture, run, ssohelper

from ssohelper.emulator import Emulator


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, capture_output=True, stdin=subprocess.DEVNULL)
    return time.perf_counter() - start


def peak_rss(args: list[str], env: dict[str, str]) -> tuple[int, int, str]:
    """(exit code, peak RSS in MiB, stderr) of one run, measured by GNU time's getrusage of it alone."""
    command = ["python3", "-c", RUSAGE, *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    code, rss = result.stdout.strip().splitlines()[-1].split()
    return int(code), int(rss) // 1024, result.stderr.strip()


RUSAGE = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--answer-mb", type=int, default=100)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="ssohelper-bench-")
    try:
        os.makedirs(f"{home}/.aws")
        os.makedirs(f"{home}/.run", mode=0o700)
        with open(f"{home}/.aws/config", "w") as handle:
            handle.write(
                "[sso-session corp]\nsso_start_url = https://bench.awsapps.com/start\nsso_region = us-east-1\n"
            )
        with Emulator(accounts=fixture(args.accounts, 3), approve_after_polls=1, interval=0) as emu:
            env = environment(home, emu.url, [])
            exe = ssohelper()
            subprocess.run(
                [exe, "login", "--sso-session", "corp", "--no-browser"], env=env, check=True, capture_output=True
            )
            run([exe, "list", "--sso-session", "corp", "--output", "json"], env)  # fills the cache
            emu.reset_calls()
            version, listed = [], []
            for _ in range(args.runs):
                version.append(timed([exe, "--version"], env))
                listed.append(timed([exe, "list", "--sso-session", "corp", "--output", "json"], env))
            calls = emu.calls["ListAccounts"] + emu.calls["ListAccountRoles"]
            v, c = statistics.median(version), statistics.median(listed)
            ratio = c / v
            print(f"{args.accounts * 3} rows; medians of {args.runs} runs:")
            print(f"ssohelper --version: {v * 1000:.0f} ms")
            print(
                f"ssohelper list (cached): {c * 1000:.0f} ms = {ratio:.2f}x --version, {calls} portal calls "
                f"-> {'met' if ratio <= 1.2 and calls == 0 else 'NOT met'} (target <= 1.2x, 0 calls)"
            )
            refresh = [exe, "list", "--sso-session", "corp", "--output", "json", "--refresh"]
            code, normal, _ = peak_rss(refresh, env)
            emu.configure(answer_bytes=args.answer_mb * 1024 * 1024)
            big_code, big, _ = peak_rss(refresh, env)
            met = code == 0 and big_code == 5 and big <= 1.5 * normal
            print(f"list --refresh: exit {code}, peak RSS {normal} MiB")
            print(
                f"list --refresh facing a {args.answer_mb} MB answer: exit {big_code}, peak RSS {big} MiB "
                f"= {big / normal:.2f}x -> {'met' if met else 'NOT met'} (target exit 5, <= 1.5x)"
            )
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()

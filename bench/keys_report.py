"""Benchmark: `ssohelper keys report` over a year of weekly saved audits of a large organisation.

Run: python bench/keys_report.py [--weeks 52] [--accounts 200] [--keys-per-account 100] [--runs 5]

Saves --weeks organisation audits (200 accounts x 100 keys = 20,000 keys each; every week some
keys go and new ones come) into a throw-away data directory through the library (the saving is
timed too, per audit), then times the INSTALLED `ssohelper keys report --output csv` and `keys
report --html FILE` against a bare interpreter start (`python -c pass`) in the same run, and
prints medians, ratios and peak memory. Targets: CSV under 1 s, HTML under 2 s.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

from ssohelper import times


def stamp(when: datetime) -> str:
    return times.format_datetime(when) or ""


def audit(week: int, start: datetime, accounts: int, per_account: int, rng: random.Random) -> dict:
    """One `audit --org --output json` document; keys churn: key i lives from week i%60-8 to i%60+40."""
    at = start + timedelta(days=7 * week)
    documents = []
    active = 0
    for a in range(accounts):
        keys = []
        for k in range(per_account * 2):
            born = (k * 7 + a) % 70 - 15
            if not born <= week < born + 50 or len(keys) >= per_account:
                continue
            used = at - timedelta(days=rng.randrange(0, 200))
            keys.append(
                {
                    "user": f"user{k % 40}",
                    "user_arn": f"arn:aws:iam::{a:012d}:user/user{k % 40}",
                    "access_key_id": f"AKIA****{a:02d}{k:02d}"[-12:],
                    "status": "active",
                    "created": stamp(at - timedelta(days=300)),
                    "age_days": 300,
                    "last_used": stamp(used),
                    "last_service": "s3",
                    "last_region": "eu-west-1",
                    "unused_90_days": (at - used).days >= 90,
                }
            )
        active += len(keys)
        documents.append(
            {
                "account_id": f"{a:012d}",
                "account_name": f"account-{a}",
                "status": "audited",
                "source": "credential-report",
                "note": None,
                "root_access_keys": False,
                "access_keys": keys,
                "passwords_without_mfa": [],
            }
        )
    summary = {"accounts": accounts, "accounts_audited": accounts, "accounts_unreachable": 0, "active_keys": active}
    return {"version": 1, "generated_at": stamp(at), "role_name": "Audit", "summary": summary, "accounts": documents}


def run(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of one run, measured on the child alone."""
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter(); r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
        "print(time.perf_counter() - t, r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, *command], env=env, capture_output=True, text=True, check=True)
    seconds, returncode, rss = out.stdout.split()
    if returncode != "0":
        raise SystemExit(f"{command} failed ({returncode})")
    return float(seconds), int(rss) // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--keys-per-account", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="ssohelper-bench-")
    env = {**os.environ, "HOME": home, "XDG_DATA_HOME": f"{home}/data", "XDG_CONFIG_HOME": f"{home}/config"}
    os.environ.update(env)
    try:
        from ssohelper.keys import history

        rng = random.Random(7)
        start = datetime(2025, 12, 1, tzinfo=timezone.utc)
        saving = []
        for week in range(args.weeks):
            document = audit(week, start, args.accounts, args.keys_per_account, rng)
            began = time.perf_counter()
            history.save(document)
            saving.append(time.perf_counter() - began)
        print(
            f"saved {args.weeks} audits of ~{document['summary']['active_keys']} keys: "
            f"median {statistics.median(saving) * 1000:.0f} ms per save, "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB peak while saving"
        )
        exe = shutil.which("ssohelper") or "ssohelper"
        html = f"{home}/burn.html"
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "keys report --output csv": [exe, "keys", "report", "--output", "csv"],
            "keys report --html": [exe, "keys", "report", "--output", "text", "--html", html],
        }
        figures: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                figures[name].append(run(command, env))
        base = statistics.median(s for s, _ in figures["python -c pass"])
        for name, runs in figures.items():
            wall = statistics.median(s for s, _ in runs)
            peak = max(m for _, m in runs)
            print(f"{name:28s} median {wall * 1000:7.0f} ms  {wall / base:5.1f}x python  peak {peak} MiB")
        print(f"html: {os.path.getsize(html) // 1024} KiB")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()

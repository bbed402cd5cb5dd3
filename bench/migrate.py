"""Benchmark: plan and apply migrate-profiles on big configs, and how the time scales.

Run: python bench/migrate.py [--profiles 2000] [--scale 10]

Builds a config and credentials file with N static-key profiles (comments, regions, s3 blocks,
a few SSO profiles), then times the library's plan (survey, offline discovery, rewrite, diff)
and apply (backups, atomic writes) in a throw-away HOME. Target: 2,000 profiles in under
2 s, and 10x the profiles in at most 12x the time. Each size is timed --repeat times and the
best run counts, because these machines are noisy.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time

_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def build(home: str, count: int) -> None:
    rng = random.Random(count)
    config = [
        "# company config\n",
        "[sso-session corp]\n",
        "sso_start_url = https://corp.awsapps.com/start\n",
        "sso_region = us-east-1\n",
    ]
    credentials = ["# keys from the old days\n"]
    for i in range(count):
        key = "AKIA" + "".join(rng.choice(_B32) for _ in range(16))
        config.append(f"\n# team {i % 17}\n[profile p{i}]\nregion = eu-west-1\noutput = json\n")
        if i % 10 == 0:
            config.append("s3 =\n  max_concurrent_requests = 20\n")
        if i % 50 == 0:
            config.append(f"[profile sso{i}]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n")
        secret = "".join(rng.choice(_B32) for _ in range(40))
        target = config if i % 4 == 0 else credentials
        if target is credentials:
            credentials.append(f"\n[p{i}]\n; rotated never\n")
        target.append(f"aws_access_key_id = {key}\naws_secret_access_key = {secret}\n")
    os.makedirs(f"{home}/.aws")
    with open(f"{home}/.aws/config", "w") as handle:
        handle.write("".join(config))
    with open(f"{home}/.aws/credentials", "w") as handle:
        handle.write("".join(credentials))


def measure(count: int) -> tuple[float, float, int]:
    from ssohelper.migration import backups, planner

    home = tempfile.mkdtemp(prefix="ssohelper-bench-")
    saved = dict(os.environ)
    try:
        os.environ.update(
            {
                "HOME": home,
                "AWS_CONFIG_FILE": f"{home}/.aws/config",
                "AWS_SHARED_CREDENTIALS_FILE": f"{home}/.aws/credentials",
                "XDG_CONFIG_HOME": f"{home}/.config",
                "XDG_CACHE_HOME": f"{home}/.cache",
            }
        )
        build(home, count)
        start = time.perf_counter()
        plan = planner.make_plan(planner.Request(sso_session="corp", offline=True, role_name="Developer"))
        plan.diff()
        planned = time.perf_counter()
        backups.apply(plan.changes)
        applied = time.perf_counter()
        return planned - start, applied - planned, len(plan.resolution.targets)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=2000)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs per size")
    args = parser.parse_args()
    base_python = min(_bare_python() for _ in range(5))
    small = min((measure(args.profiles) for _ in range(args.repeat)), key=lambda r: r[0] + r[1])
    large = min((measure(args.profiles * args.scale) for _ in range(args.repeat)), key=lambda r: r[0] + r[1])
    for (plan, apply, migrated), label in ((small, "small"), (large, "large")):
        total = plan + apply
        print(
            f"{label}: {migrated} profiles migrated: plan {plan * 1000:.0f} ms + apply {apply * 1000:.0f} ms "
            f"= {total * 1000:.0f} ms ({total / base_python:.0f}x a bare python start)"
        )
    ratio = (large[0] + large[1]) / (small[0] + small[1])
    print(f"target: {args.profiles} profiles under 2 s -> {'met' if small[0] + small[1] < 2 else 'NOT met'}")
    print(
        f"scaling: {args.scale}x the profiles took {ratio:.1f}x the time (target <= {1.2 * args.scale:.0f}x)"
        f" -> {'met' if ratio <= 1.2 * args.scale else 'NOT met'}"
    )


def _bare_python() -> float:
    import subprocess

    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()

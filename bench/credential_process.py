"""Benchmark: credential_process cache hits against bare Python, and a cold stampede.

Run: python bench/credential_process.py [--runs 40] [--callers 32] [--aws-sso-util PATH] [--venv DIR]

The hit that counts is the one users run: `ssohelper populate` writes its profiles into the
throw-away HOME, and the `credential_process` line it wrote is run exactly as SDKs run it:
split shell-style and started (botocore, the AWS CLI), and through `sh -c` (the Go, JS and
Java SDKs), each beside a bare start of the same interpreter (`python -c pass`, run the same
way). Target: at most 1.3x. The console script's hit (what lines ran before the launcher) is
measured too.

--venv measures the ssohelper installed in another venv (a pipx venv, say:
~/.local/share/pipx/venvs/ssohelper). An editable install (`pip install -e`) is a poor
stand-in for what users run: its import hook loads pathlib and re into every process, bare
Python included, so its ratios are lower and hide the cost of the console script.

When aws-sso-util is installed (on PATH, or given), it is measured the same way, against the
same emulator and the same shared sign-in.

Everything happens in a throw-away HOME against the bundled emulator. Timings are wall-clock
medians of interleaved runs, reported as ratios to `python -c pass` measured in the same run,
because these machines are noisy.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from ssohelper.emulator import Emulator

ACCOUNT, ROLE = "111111111111", "Developer"


VENV_BIN = os.path.dirname(sys.executable)  # --venv changes it


def python_exe() -> str:
    return os.path.join(VENV_BIN, "python")


def ssohelper_exe() -> list[str]:
    exe = shutil.which("ssohelper", path=VENV_BIN) or shutil.which("ssohelper")
    return [exe] if exe else [python_exe(), "-m", "ssohelper"]


def editable() -> bool:
    """Whether the measured install is editable (an import hook in its site-packages)."""
    probe = "import site, glob; print(any(glob.glob(p + '/__editable__*ssohelper*') for p in site.getsitepackages()))"
    return subprocess.run([python_exe(), "-c", probe], capture_output=True, text=True).stdout.strip() == "True"


def populated_line(env: dict) -> str:
    """The credential_process line `ssohelper populate` writes for ACCOUNT/ROLE, read as botocore reads it."""
    import configparser

    subprocess.run(
        [*ssohelper_exe(), "populate", "--sso-session", "corp", "--yes"], env=env, check=True, capture_output=True
    )
    parser = configparser.RawConfigParser()
    parser.read(env["AWS_CONFIG_FILE"])
    for section in parser.sections():
        line = parser.get(section, "credential_process", fallback="")
        if line.endswith(f"--account-id {ACCOUNT} --role-name {ROLE}"):
            return line
    raise SystemExit("populate wrote no credential_process line for the benchmark's role")


def timed(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    result = subprocess.run(cmd, env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {result.stderr.decode().strip()}")
    return elapsed


def peak_rss_mib(cmd: list[str], env: dict) -> float | None:
    """Peak resident memory of one run of ``cmd``, from GNU time (None when it is missing)."""
    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    if gnu_time is None:
        return None
    out = subprocess.run(
        [gnu_time, "-f", "%M", *cmd], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    return int(out.stderr.strip().splitlines()[-1]) / 1024  # KiB


def prepare(home: str, url: str) -> dict:
    env = {
        **os.environ,
        "HOME": home,
        "XDG_CACHE_HOME": f"{home}/.cache",
        "XDG_CONFIG_HOME": f"{home}/.config",
        "XDG_DATA_HOME": f"{home}/.local/share",
        "AWS_CONFIG_FILE": f"{home}/.aws/config",
        "AWS_SHARED_CREDENTIALS_FILE": f"{home}/.aws/credentials",
        "AWS_ENDPOINT_URL_SSO": url,
        "AWS_ENDPOINT_URL_SSO_OIDC": url,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    env.pop("XDG_RUNTIME_DIR", None)
    os.makedirs(f"{home}/.aws")
    with open(f"{home}/.aws/config", "w") as handle:
        handle.write(
            f"[sso-session corp]\nsso_start_url = {url}/start\nsso_region = us-east-1\n\n"
            f"[profile dev]\nsso_session = corp\nsso_account_id = {ACCOUNT}\nsso_role_name = {ROLE}\n"
        )
    for how in (["--sso-session", "corp"], ["--start-url", f"{url}/start", "--sso-region", "us-east-1"]):
        subprocess.run(
            [*ssohelper_exe(), "login", *how, "--no-browser"], env=env, check=True, stderr=subprocess.DEVNULL
        )  # the second is the legacy login aws-sso-util reads
    return env


def peer_command(peer: str | None, url: str) -> list[str] | None:
    if not peer:
        return None
    return [
        peer,
        "credential-process",
        "--start-url",
        f"{url}/start",
        "--region",
        "us-east-1",
        "--account-id",
        ACCOUNT,
        "--role-name",
        ROLE,
    ]


def process_command() -> list[str]:
    return [
        *ssohelper_exe(),
        "credential-process",
        "--sso-session",
        "corp",
        "--account-id",
        ACCOUNT,
        "--role-name",
        ROLE,
    ]


def bench_hits(env: dict, runs: int, peer: list[str] | None) -> None:
    from botocore.compat import compat_shell_split  # how botocore's ProcessProvider splits the line

    line = populated_line(env)
    python = python_exe()
    by_profile = [*ssohelper_exe(), "credential-process", "--profile", "dev"]
    timed(process_command(), env)  # warm the cache
    commands = {
        "python -c pass": [python, "-c", "pass"],
        "populate's line": compat_shell_split(line),
        "sh -c 'python -c pass'": ["sh", "-c", f"{shlex.quote(python)} -c pass"],
        "sh -c populate's line": ["sh", "-c", line],
        "console script hit": process_command(),
        "console --profile": by_profile,
    }
    if peer:
        timed(peer, env)  # warm its cache
        commands["aws-sso-util hit"] = peer
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):  # interleaved, so drift hits every command alike
        for name, cmd in commands.items():
            samples[name].append(timed(cmd, env))
    median = {name: statistics.median(values) for name, values in samples.items()}
    print(f"the line populate writes: credential_process = {line}")
    if editable():
        print("  (an editable install: its import hook loads re and pathlib into every start; see --venv)")
    print(f"cache hit, {runs} interleaved runs (median wall time):")
    for name, cmd in commands.items():
        base = median["sh -c 'python -c pass'" if name.startswith("sh -c") else "python -c pass"]
        rss = peak_rss_mib(cmd, env)
        memory = f"{rss:5.1f} MiB peak" if rss is not None else ""
        print(f"  {name:24} {median[name] * 1000:7.1f} ms  {median[name] / base:5.2f}x bare python  {memory}")
    direct = median["populate's line"] / median["python -c pass"]
    shell = median["sh -c populate's line"] / median["sh -c 'python -c pass'"]
    worst = max(direct, shell)
    print(
        f"  target: the line as written <= 1.3x bare python, split as botocore does ({direct:.2f}x) and through "
        f"sh -c ({shell:.2f}x) -> {'met' if worst <= 1.3 else 'NOT met'}"
    )


def write_config(env: dict, url: str, profiles: int) -> None:
    """A config of ``profiles`` profiles, with the one we ask for in the middle."""
    filler = [
        f"[profile p{i}]\nsso_session = corp\nsso_account_id = {i:012d}\nsso_role_name = R{i}\nregion = eu-west-1\n"
        for i in range(max(profiles - 1, 0))
    ]
    dev = f"[profile dev]\nsso_session = corp\nsso_account_id = {ACCOUNT}\nsso_role_name = {ROLE}\n"
    filler.insert(len(filler) // 2, dev)
    with open(env["AWS_CONFIG_FILE"], "w") as handle:
        handle.write(f"[sso-session corp]\nsso_start_url = {url}/start\nsso_region = us-east-1\n\n" + "\n".join(filler))


def bench_profile_scaling(env: dict, url: str, runs: int) -> None:
    """``--profile`` hits as the config grows: the profile must not be parsed out on every call."""
    by_profile = [*ssohelper_exe(), "credential-process", "--profile", "dev"]
    bare = [python_exe(), "-c", "pass"]
    print(f"--profile cache hit by config size, {runs} interleaved runs (median wall time):")
    worst = 0.0
    for profiles in (10, 1_000, 10_000):
        write_config(env, url, profiles)
        timed(by_profile, env)  # the first call after a config change reads it once
        samples: dict[str, list[float]] = {"bare": [], "hit": []}
        for _ in range(runs):
            samples["bare"].append(timed(bare, env))
            samples["hit"].append(timed(by_profile, env))
        ratio = statistics.median(samples["hit"]) / statistics.median(samples["bare"])
        worst = max(worst, ratio)
        rss = peak_rss_mib(by_profile, env)
        memory = f"{rss:5.1f} MiB peak" if rss is not None else ""
        print(f"  {profiles:6,} profiles  {statistics.median(samples['hit']) * 1000:6.1f} ms  {ratio:5.2f}x  {memory}")
    write_config(env, url, 1)  # back to the small config for what follows
    print(f"  target: <= 2.3x bare python at 10,000 profiles -> {'met' if worst <= 2.3 else 'NOT met'} ({worst:.2f}x)")


def bench_stampede(env: dict, emulator: Emulator, callers: int, process: list[str], name: str) -> None:
    for cache in (os.path.join(env["XDG_CACHE_HOME"], "ssohelper"), os.path.join(env["HOME"], ".aws", "cli")):
        shutil.rmtree(cache, ignore_errors=True)
    emulator.configure(latency=0.1)
    emulator.reset_calls()
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=callers) as pool:
        results = list(pool.map(lambda _: subprocess.run(process, env=env, capture_output=True), range(callers)))
    wall = time.perf_counter() - start
    ok = sum(r.returncode == 0 and r.stdout.startswith(b'{"Version":1') for r in results)
    base_start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=callers) as pool:
        list(pool.map(lambda _: subprocess.run([python_exe(), "-c", "pass"]), range(callers)))
    base_wall = time.perf_counter() - base_start
    print(f"{name} cold stampede: {callers} parallel callers, 100 ms emulator latency:")
    print(f"  GetRoleCredentials calls: {emulator.calls['GetRoleCredentials']} (target: 1)")
    print(f"  valid outputs: {ok}/{callers}")
    print(
        f"  wall time: {wall * 1000:.0f} ms ({wall / base_wall:.1f}x {callers} parallel bare pythons, "
        f"{base_wall * 1000:.0f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--callers", type=int, default=32)
    parser.add_argument("--aws-sso-util", default=shutil.which("aws-sso-util"), help="path to aws-sso-util")
    parser.add_argument("--venv", help="measure the ssohelper installed in this venv (default: this one)")
    args = parser.parse_args()
    global VENV_BIN
    if args.venv:
        VENV_BIN = os.path.join(os.path.abspath(args.venv), "bin")
    home = tempfile.mkdtemp(prefix="ssohelper-bench-")
    try:
        with Emulator(approve_after_polls=1, interval=0) as emulator:
            env = prepare(home, emulator.url)
            peer = peer_command(args.aws_sso_util, emulator.url)
            bench_hits(env, args.runs, peer)
            bench_profile_scaling(env, emulator.url, max(args.runs // 2, 10))
            process = process_command()
            bench_stampede(env, emulator, args.callers, process, "ssohelper")
            if peer:
                bench_stampede(env, emulator, args.callers, peer, "aws-sso-util")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()

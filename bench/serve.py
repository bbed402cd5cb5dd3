"""Benchmark: how long an SDK waits for one cached answer, from `ssohelper serve` and from
credential_process, on the same profile, in one run.

Run: python bench/serve.py [--runs 40]

botocore's own providers do the asking, in this process: ContainerProvider (the server, one
HTTP GET) and ProcessProvider (credential_process, one subprocess). Both answer from the same
cached credentials. Everything happens in a throw-away HOME against the bundled emulator;
timings are medians of interleaved runs, reported as ratios to `python -c pass` and to each
other, measured in the same run, because these machines are noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from credential_process import prepare, process_command, ssohelper_exe

from ssohelper.emulator import Emulator


def start_server(env: dict) -> tuple[subprocess.Popen, dict]:
    server = subprocess.Popen(
        [*ssohelper_exe(), "serve", "--profile", "dev"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    variables = {}
    assert server.stdout is not None
    for _ in range(3):
        name, _, value = server.stdout.readline().removeprefix("export ").strip().partition("=")
        variables[name] = value
    return server, variables


def providers(env: dict, variables: dict) -> dict[str, Callable[[], object]]:
    """The two ways an SDK gets credentials, as botocore does them."""
    os.environ.update(env)  # botocore reads HOME and the config file from the environment
    import botocore.session
    from botocore.credentials import ContainerProvider, ProcessProvider

    command = " ".join(process_command())
    with open(f"{env['HOME']}/.aws/config", "a") as handle:
        handle.write(f"\n[profile proc]\ncredential_process = {command}\n")
    session = botocore.session.Session(profile="proc")
    process = ProcessProvider(profile_name="proc", load_config=lambda: session.full_config)
    container = ContainerProvider(environ={k: v for k, v in variables.items() if not k.endswith("_TOKEN")})
    return {"serve (ContainerProvider)": container.load, "credential_process (ProcessProvider)": process.load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    with Emulator() as emu, tempfile.TemporaryDirectory() as home:
        env = prepare(home, emu.url)
        server, variables = start_server(env)
        try:
            ways = providers(env, variables)
            ways["python -c pass"] = lambda: subprocess.run([sys.executable, "-c", "pass"], check=True)
            for load in ways.values():
                load()  # warm: the cache, botocore's imports
            before = emu.calls["GetRoleCredentials"]
            times: dict[str, list[float]] = {name: [] for name in ways}
            for _ in range(args.runs):  # interleaved, so drift hits all alike
                for name, load in ways.items():
                    started = time.perf_counter()
                    if load() is None:
                        raise SystemExit(f"{name} gave no credentials")
                    times[name].append(time.perf_counter() - started)
            upstream = emu.calls["GetRoleCredentials"] - before
        finally:
            server.terminate()
            server.wait(10)
    report(times, args.runs, upstream)


def report(times: dict[str, list[float]], runs: int, upstream: int) -> None:
    medians = {name: statistics.median(values) for name, values in times.items()}
    floor = medians["python -c pass"]
    print(f"one cached answer, median of {runs} interleaved runs (upstream calls meanwhile: {upstream})")
    for name, median in medians.items():
        print(f"  {name:40s} {median * 1000:8.2f} ms  {median / floor:6.2f}x python -c pass")
    served = medians["serve (ContainerProvider)"]
    process = medians["credential_process (ProcessProvider)"]
    print(f"  the SDK waits {process / served:.1f}x longer for credential_process than for serve")


if __name__ == "__main__":
    main()

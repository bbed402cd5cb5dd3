"""exec --server: the command gets a private server instead of keys, for as long as it runs."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import ssohelper_cmd

from ssohelper import paths

SHOW = """
import json, os, boto3
session = boto3.Session()
creds = session.get_credentials()
names = sorted(k for k in os.environ if k.startswith(("AWS_", "SSOHELPER_")))
who = session.client("sts").get_caller_identity()["Account"]
print(json.dumps({"names": names, "method": creds.method, "account": who,
                  "token_file": os.environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")}))
raise SystemExit(7)
"""


def exec_server(*command: str, options: tuple[str, ...] = (), **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [*ssohelper_cmd(), "exec", "--profile", "dev", "--server", *options, "--", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        **popen,
    )


def token_files() -> list[str]:
    folder = Path(paths.serve_dir())
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_the_command_gets_the_server_and_no_keys(signed_in_sts, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")  # would shadow the server
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    child = exec_server(sys.executable, "-c", SHOW)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 7, err  # the command's own exit code
    seen = json.loads(out)
    assert seen["method"] == "container-role" and len(seen["account"]) == 12
    assert (
        "AWS_CONTAINER_CREDENTIALS_FULL_URI" in seen["names"]
        and "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" in seen["names"]
    )
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    ):
        assert name not in seen["names"]
    assert {"AWS_REGION", "SSOHELPER_EXEC_PROFILE"} <= set(seen["names"])
    assert not Path(seen["token_file"]).exists() and token_files() == []  # gone with the command


def test_a_command_killed_by_a_signal_ends_ssohelper_the_same_way(signed_in_sts):
    child = exec_server(sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)")
    child.communicate(timeout=60)
    assert child.returncode == -signal.SIGTERM
    assert token_files() == []


TRAP = """
import signal, sys, time
def bye(number, frame):
    print("got", signal.Signals(number).name, flush=True)
    sys.exit(3)
signal.signal(signal.SIGTERM, bye)
signal.signal(signal.SIGHUP, bye)
print("ready", flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_signals_sent_to_ssohelper_reach_the_command(signed_in_sts, number):
    child = exec_server(sys.executable, "-c", TRAP)
    assert child.stdout is not None and child.stdout.readline() == "ready\n"
    child.send_signal(number)
    out, err = child.communicate(timeout=30)
    assert child.returncode == 3, err
    assert out == f"got {number.name}\n"
    assert token_files() == []


def test_min_ttl_needs_the_server(cli, signed_in_sts):
    result = cli("exec", "--profile", "dev", "--min-ttl", "5", "--", "true")
    assert result.code == 2 and "--min-ttl applies to --server only" in result.err


def test_exec_server_without_a_sign_in_exits_3_and_runs_nothing(config, emulator, tmp_path):
    marker = tmp_path / "ran"
    child = exec_server("touch", str(marker))
    _, err = child.communicate(timeout=60)
    assert child.returncode == 3 and "ssohelper login" in err
    assert not marker.exists()


LONG_RUNNER = """
import json, sys, threading, time, boto3
ends = time.monotonic() + float(sys.argv[1])
keys, errors = [], []
def work():
    sts = boto3.Session().client("sts")
    while time.monotonic() < ends:
        try:
            sts.get_caller_identity()
            keys.append(sts._request_signer._credentials.get_frozen_credentials().access_key)
        except Exception as exc:
            errors.append(repr(exc))
        time.sleep(0.2)
threads = [threading.Thread(target=work) for _ in range(4)]
for thread in threads: thread.start()
for thread in threads: thread.join()
print(json.dumps({"calls": len(keys), "keys": sorted(set(keys)), "errors": errors[:3]}))
"""


def test_a_long_running_program_keeps_working_across_three_expiries(signed_in_sts):
    """Role credentials last 60 s and are served while 45 s remain: a new key every ~15 s."""
    signed_in_sts.configure(role_ttl=60)
    signed_in_sts.reset_calls()
    started = time.monotonic()
    child = exec_server(sys.executable, "-c", LONG_RUNNER, "50", options=("--min-ttl", "0.75"))
    out, err = child.communicate(timeout=120)
    elapsed = time.monotonic() - started
    assert child.returncode == 0, err
    seen = json.loads(out)
    assert seen["errors"] == [] and seen["calls"] > 100
    assert len(seen["keys"]) >= 4  # the first, and three renewals
    upstream = signed_in_sts.calls["GetRoleCredentials"]
    assert upstream <= len(seen["keys"]) + 1  # one call per renewal, however many clients asked
    assert upstream <= elapsed / 15 + 1

"""exec --server: the command gets a private server instead of keys, for as long as it runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import ssohelper_cmd
from test_other_sdks import node_modules  # noqa: F401  (the fixture)
from test_serve_clients import CONTAINER_JS

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


def test_a_default_profile_with_credentials_does_not_shadow_the_server(signed_in_sts, config, monkeypatch):
    """SDKs try the default profile's keys, SSO and credential_process before the server."""
    config.with_name("credentials").write_text(
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = example\n"
    )
    with config.open("a") as handle:
        handle.write("\n[default]\ncredential_process = false\n")
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(config))  # and a web identity from the environment
    monkeypatch.setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/other")
    child = exec_server(sys.executable, "-c", SHOW)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 7, err
    assert json.loads(out)["method"] == "container-role"
    assert token_files() == []  # the command's private config goes with it
    later = exec_server(sys.executable, "-c", "import boto3; print(boto3.Session(profile_name='dev').region_name)")
    assert later.communicate(timeout=60)[0].strip() == "us-east-1"  # the user's profiles are all there


def test_a_command_killed_by_a_signal_ends_ssohelper_the_same_way(signed_in_sts):
    child = exec_server(sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)")
    child.communicate(timeout=60)
    assert child.returncode == -signal.SIGTERM
    assert token_files() == []


# The handler writes with os.write: the signal can land while print("ready") is still inside the
# buffered writer that just sent the line, and a print from the handler would then be reentrant.
TRAP = """
import os, signal, sys, time
def bye(number, frame):
    os.write(1, f"got {signal.Signals(number).name}\\n".encode())
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


def test_the_js_sdk_under_exec_server_skips_the_default_profile(signed_in_sts, config, node_modules):  # noqa: F811
    """The JS SDK's default chain, too, reads the server and not a default profile's keys."""
    config.with_name("credentials").write_text(
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = example\n"
    )
    env = dict(os.environ, NODE_PATH=node_modules, NODE_NO_WARNINGS="1")
    child = exec_server("node", str(CONTAINER_JS), "chain", env=env)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert json.loads(out)["accessKeyId"].startswith("ASIA")  # the server's, not AKIA... from the file


EARLY = """
import os, signal, subprocess, sys
from ssohelper.serve import child, server
from ssohelper.settings import ProcessOptions

class Popen(subprocess.Popen):  # SIGTERM just as the command has started
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)

subprocess.Popen = Popen
found, endpoint = server.open_for("dev", ProcessOptions())
sys.exit(child.run([sys.executable, "-c", sys.argv[1]], os.environ, found, endpoint))
"""


def test_a_signal_as_the_command_starts_reaches_it(signed_in_sts):
    """Else ssohelper dies of it at once: the command runs on, orphaned, and the token file stays."""
    sleeper = "import time; time.sleep(30)"
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", EARLY, sleeper], capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGTERM, done.stderr  # the command died of it, and so did ssohelper
    assert token_files() == [] and time.monotonic() - started < 25


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

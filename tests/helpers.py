"""Shared helpers for the tests: constants, the CLI in a subprocess, the other user, the AWS CLI v1.

Fixtures live in conftest.py; everything a test imports by name lives here (``from helpers import ...``).
"""

from __future__ import annotations

import contextlib
import os
import pty
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
ACCOUNT = "111111111111"
ROLE = "Developer"

OTHER_UID = 65534  # nobody: the tests run as root and act as this user through setpriv
AS_OTHER_USER = ["setpriv", f"--reuid={OTHER_UID}", f"--regid={OTHER_UID}", "--clear-groups"]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def require(condition: object, what: str) -> None:
    """Skip the test when a test dependency is missing; under CI=true, fail instead.

    Use it for dependencies (tools, packages), not for platforms: a Linux-only test is a plain skipif.
    """
    if condition:
        return
    if in_ci():
        pytest.fail(f"missing test dependency under CI=true: {what}", pytrace=False)
    pytest.skip(f"missing test dependency: {what}")


def write_config(home: Path, start_url: str = "https://corp.awsapps.com/start", extra: str = "") -> Path:
    path = home / ".aws" / "config"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        "[sso-session corp]\n"
        f"sso_start_url = {start_url}\n"
        "sso_region = us-east-1\n"
        "sso_registration_scopes = sso:account:access\n\n"
        "[profile dev]\n"
        "sso_session = corp\n"
        f"sso_account_id = {ACCOUNT}\n"
        f"sso_role_name = {ROLE}\n"
        "region = us-east-1\n\n"
        "[profile legacy]\n"
        f"sso_start_url = {start_url}\n"
        "sso_region = us-east-1\n"
        f"sso_account_id = {ACCOUNT}\n"
        f"sso_role_name = {ROLE}\n"
        "region = us-east-1\n" + extra
    )
    return path


# Profiles chained from dev (role_arn + source_profile), for write_config(extra=CHAINED).
ADMIN_ARN = "arn:aws:iam::222222222222:role/Admin"
AUDIT_ARN = "arn:aws:iam::333333333333:role/Audit"
CHAINED = f"""
[profile prod-admin]
role_arn = {ADMIN_ARN}
source_profile = dev
role_session_name = alice
external_id = ext-123
duration_seconds = 1800
region = eu-west-2

[profile audit]
role_arn = {AUDIT_ARN}
source_profile = prod-admin

[profile with-mfa]
role_arn = {ADMIN_ARN}
source_profile = dev
mfa_serial = arn:aws:iam::111111111111:mfa/alice

[profile loop-a]
role_arn = {ADMIN_ARN}
source_profile = loop-b

[profile loop-b]
role_arn = {ADMIN_ARN}
source_profile = loop-a
"""


def caller_arn(document: dict, moto_url: str) -> str:
    """Who moto's STS says the keys of a credential_process document (or an ECS one) belong to."""
    import boto3

    sts = boto3.client(
        "sts",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id=document["AccessKeyId"],
        aws_secret_access_key=document["SecretAccessKey"],
        aws_session_token=document.get("SessionToken") or document["Token"],
    )
    return sts.get_caller_identity()["Arn"]


def assume_role_calls(role_arn: str) -> int:
    """How many times moto's STS (in this process, server mode) has assumed ``role_arn`` so far."""
    from moto.sts.models import sts_backends

    return sum(role.role_arn == role_arn for role in sts_backends[role_arn.split(":")[4]]["aws"].assumed_roles)


@dataclass
class Result:
    code: int
    out: str
    err: str


def ssohelper_cmd() -> list[str]:
    exe = shutil.which("ssohelper", path=os.path.dirname(sys.executable))
    return [exe] if exe else [sys.executable, "-m", "ssohelper"]


def run_ssohelper(*args: str, timeout: float = 60, env: dict | None = None) -> subprocess.CompletedProcess:
    """The installed console script in a subprocess, with the test's environment."""
    return subprocess.run(
        ssohelper_cmd() + list(args),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env or dict(os.environ),
        stdin=subprocess.DEVNULL,
    )


def peak_rss(*args: str, timeout: float = 120) -> tuple[int, str, float]:
    """The installed console script in a subprocess: (exit code, stderr, its peak RSS in MiB)."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            ssohelper_cmd() + list(args), stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=dict(os.environ)
        )
        end = time.monotonic() + timeout
        while True:  # wait4 gives this child's own peak, which Popen.wait would throw away
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > end:
                process.kill()
                raise AssertionError(f"ssohelper {' '.join(args)} ran past {timeout}s")
            time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return process.returncode, err.read().decode(), usage.ru_maxrss / 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Ctrl-C: a runner started as a background job ignores SIGINT, and an ignored signal stays
# ignored across fork and exec. A test that sends SIGINT must give its target the default back.


def popen_interruptible(args: list[str], **kwargs: Any) -> subprocess.Popen:
    """subprocess.Popen whose child takes SIGINT as Ctrl-C even when this process ignores it.

    A handled signal is reset to its default across exec, so the parent handles SIGINT while it
    starts the child (no code runs in the child between fork and exec, so threads are no concern).
    """
    with sigint_raises():
        return subprocess.Popen(args, **kwargs)


@contextlib.contextmanager
def sigint_raises() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt in this process for the block, whatever the runner set."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# --- The other user: uid 65534 must be able to start this interpreter and import ssohelper.


def other_user_cannot_run_python() -> str:
    """Why uid 65534 cannot start this interpreter with ssohelper importable ('' when it can)."""
    probe = subprocess.run([*AS_OTHER_USER, *ssohelper_cmd(), "--version"], capture_output=True, text=True, timeout=60)
    if probe.returncode == 0:
        return ""
    blocked = _first_closed_directory()
    where = f"{blocked} is not searchable by others (mode {blocked.stat().st_mode & 0o777:o})" if blocked else ""
    said = (probe.stderr.strip().splitlines() or ["no output"])[-1]
    return f"uid {OTHER_UID} cannot run {ssohelper_cmd()[0]}: {where or said}"


def _first_closed_directory() -> Path | None:
    """The first directory on the way to the interpreter, its library or ssohelper that others can't enter."""
    import ssohelper

    ends = [Path(os.path.realpath(sys.executable)), Path(sys.base_prefix), Path(sys.prefix)]
    ends.append(Path(ssohelper.__file__).resolve().parent)
    for end in ends:
        for directory in reversed(end.parents):
            if directory.is_dir() and not directory.stat().st_mode & 0o001:
                return directory
    return None


def require_other_user() -> None:
    """setpriv and an interpreter uid 65534 can run; under CI=true a missing one fails the set-up."""
    if shutil.which("setpriv") is None:
        pytest.fail("running as root needs setpriv (util-linux) to test as another user")
    why = other_user_cannot_run_python()
    require(not why, why + " (.ci/run grants it; locally, a venv outside such a directory)")


def kill_writers(entry: str, old: str, new: str, rounds: int, seed: int) -> dict[str, int]:
    """Start a process that rewrites the role-cache entry (``old``, then ``new`` and ``old`` in turn)
    and kill -9 it at a random instant, ``rounds`` times; count what each kill left behind.

    Run it in a fresh single-threaded interpreter (``python -c``): it forks, and forking a threaded
    process such as the test runner is unsafe.
    """
    import random
    import time

    from ssohelper.cache import rolestore

    path = Path(rolestore.entry_path(entry))
    rng, seen = random.Random(seed), {"torn": 0, "temps_left": 0, "most_temps": 0}
    for _ in range(rounds):
        ready_r, ready_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the writer: never returns
            try:
                store, i = rolestore.FileStore(), 0
                store.write(entry, old)
                os.write(ready_w, b"r")
                while True:
                    store.write(entry, (new, old)[i % 2])
                    i += 1
            finally:
                os._exit(1)
        os.close(ready_w)
        os.read(ready_r, 1)
        os.close(ready_r)
        time.sleep(rng.uniform(0, 0.004))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        seen["torn"] += path.read_text() not in (old, new)
        temps = len([n for n in os.listdir(path.parent) if n.startswith(".tmp-")])
        seen["temps_left"] += temps
        seen["most_temps"] = max(seen["most_temps"], temps)
    return seen


KILL_WRITERS = "import json, sys; import helpers; print(json.dumps(helpers.kill_writers(*sys.argv[1:4], 200, 9)))"


def kill_refreshes(token_file: str, argv: list[str], rounds: int, seed: int) -> dict[str, int]:
    """Run the CLI (``argv``) with the cached access token expired, so that it refreshes and
    rewrites ``token_file``, and kill -9 it at a random instant, ``rounds`` times; count the
    runs that left the old token and the new one, and the files that were torn or changed shape.

    Each run is a child forked from this interpreter once ssohelper and botocore are imported: as
    ``ssohelper ...`` in a process of its own, without the interpreter's start, in which a kill
    lands before any file is touched. botocore's data loader (the JSON service models, which a
    run would otherwise parse anew: most of its time, none of it near the token file) is warmed
    here and shared by the children. Run it in a fresh single-threaded interpreter (``python
    -c``): the parent never runs the CLI itself (its listings start threads), only the children do.
    """
    import json
    import random
    import time

    import botocore.session

    from ssohelper.cli.app import run

    loader = botocore.session.get_session().get_component("data_loader")
    fresh_session = botocore.session.get_session

    def sharing_the_loader(env_vars: Any = None) -> Any:
        session = fresh_session(env_vars)
        session.register_component("data_loader", loader)
        return session

    botocore.session.get_session = sharing_the_loader
    for service in ("sso-oidc", "sso"):  # no call, no thread: the models and the endpoint rules
        sharing_the_loader().create_client(service, region_name="us-east-1")

    def start() -> tuple[int, dict]:
        raw = json.loads(Path(token_file).read_text())
        raw["expiresAt"] = "2000-01-01T00:00:00Z"  # expired here: the next use refreshes
        Path(token_file + ".test-tmp").write_text(json.dumps(raw))
        os.replace(token_file + ".test-tmp", token_file)
        pid = os.fork()
        if pid == 0:  # the CLI: never returns
            try:
                quiet = os.open(os.devnull, os.O_WRONLY)
                os.dup2(quiet, 1)
                os.dup2(quiet, 2)
                os._exit(run(argv))
            finally:
                os._exit(70)
        return pid, raw

    pid, _ = start()
    began = time.monotonic()
    _, status = os.waitpid(pid, 0)
    full = time.monotonic() - began
    rng, seen = random.Random(seed), {"old": 0, "new": 0, "torn": 0, "reshaped": 0, "first_exit": status}
    for _ in range(rounds):
        pid, before = start()
        time.sleep(rng.uniform(0, full))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        try:
            after = json.loads(Path(token_file).read_text())
        except ValueError:
            seen["torn"] += 1
            continue
        seen["reshaped"] += set(after) != set(before)
        seen["old" if after["accessToken"] == before["accessToken"] else "new"] += 1
    return seen


KILL_REFRESHES = (
    "import json, sys; import helpers; print(json.dumps(helpers.kill_refreshes(sys.argv[1], sys.argv[2:], 50, 9)))"
)


def converse(args: list[str], script: list[tuple[bytes, bytes]], timeout: float = 60) -> bytes:
    """Run ssohelper on a pseudo-terminal, answer each prompt as it appears, and require exit 0.

    Returns all it showed on the terminal."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(ssohelper_cmd() + args, stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    seen = b""
    try:
        for prompt, answer in script:
            deadline = time.time() + timeout
            while prompt not in seen and time.time() < deadline:
                if select.select([leader], [], [], 0.2)[0]:
                    seen += _read(leader)
            assert prompt in seen, seen.decode(errors="replace")
            os.write(leader, answer)
        code = process.wait(timeout)
        while select.select([leader], [], [], 0.2)[0]:
            more = _read(leader)
            if not more:
                break
            seen += more
        assert code == 0, seen.decode(errors="replace")
    finally:
        process.kill()
        os.close(leader)
    return seen


def _read(terminal: int) -> bytes:
    try:
        return os.read(terminal, 65536)
    except OSError:  # the terminal closed: the process ended
        return b""

"""Shared fixtures. Every test runs in a private HOME: the real ~/.aws is never read or written.

Helpers that tests import by name live in helpers.py; this file holds fixtures only."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import CHAINED, REPO, Result, free_port, require, write_config
from hypothesis import settings

from ssohelper.testing import isolate, running_emulator
from ssohelper.testing import sso_emulator as sso_emulator  # also where the plugin is not (re)installed yet

# Tests never assert wall-clock times: hypothesis's per-example deadline fails on a loaded machine.
settings.register_profile("ssohelper", deadline=None)
settings.load_profile("ssohelper")

_CLEARED = ("DISPLAY", "WAYLAND_DISPLAY", "SSOHELPER_DEBUG")  # every AWS_* variable goes too: testing.isolate


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test kit's isolation (ssohelper.testing: HOME, XDG_*, AWS_*), no display, no keyring."""
    home = isolate(monkeypatch, tmp_path / "home")
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    # The tests read tables unless they ask for another format; the AWS CLI's own default (json
    # when nothing is set) is tested, with this unset, in test_output.py.
    monkeypatch.setenv("AWS_DEFAULT_OUTPUT", "table")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    if "keyring.core" in sys.modules:  # keyring caches its backend per process: re-read the variable
        sys.modules["keyring.core"].init_backend()
    # the installed console script comes first on PATH, as in an activated venv
    monkeypatch.setenv("PATH", os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    return home


@pytest.fixture
def runner_ignores_sigint() -> Iterator[None]:
    """SIGINT ignored in this process for the test, as in a runner started as a background job
    (``cmd &`` in a non-interactive shell), where an ignored SIGINT stays ignored in every child.
    Every test that interrupts a child (or itself) with SIGINT asks for it, so the suite shows on
    each run that it stands there too (tests/test_test_dependencies.py checks that they ask)."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.fixture
def browser_log(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A display and a stand-in browser (via $BROWSER) that logs each URL it is asked to open."""
    opened = isolated_home / "opened.txt"
    browser = isolated_home / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(browser))
    monkeypatch.setenv("DISPLAY", ":99")
    return opened


FOLLOWER = """#!{python}
import sys, urllib.request
with open({log!r}, "a") as log:
    log.write(sys.argv[1] + "\\n")
try:
    urllib.request.urlopen(sys.argv[1], timeout=10).read()
except Exception as error:
    print(error, file=sys.stderr)
"""


@pytest.fixture
def http_browser(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A display and a $BROWSER that fetches the URL and follows redirects; returns its URL log."""
    log = isolated_home / "visited.txt"
    script = isolated_home / "follow-browser"
    script.write_text(FOLLOWER.format(python=sys.executable, log=str(log)))
    script.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(script))
    monkeypatch.setenv("DISPLAY", ":99")
    return log


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch):
    """The bundled emulator on a free loopback port, approving on the first poll, no waiting (the
    test kit's, without its profile: these tests write their own config)."""
    with running_emulator(monkeypatch) as emu:
        yield emu


@pytest.fixture
def config(isolated_home: Path) -> Path:
    return write_config(isolated_home)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """Run the CLI in-process, as the console script does, and capture what it prints."""
    from ssohelper.cli.app import run

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        code = run(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture(scope="session")
def moto_url():
    """moto in server mode (STS, IAM) on a free loopback port, for the whole session."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def signed_in(cli, config: Path, emulator):
    """Signed in to corp (the config's session) at the emulator; the emulator."""
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    return emulator


@pytest.fixture
def signed_in_sts(monkeypatch: pytest.MonkeyPatch, moto_url: str, signed_in):
    """Signed in as ``signed_in``, with STS from moto; the emulator."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    return signed_in


@pytest.fixture
def chained(isolated_home: Path, emulator, moto_url: str, monkeypatch: pytest.MonkeyPatch, cli) -> str:
    """Signed in to corp, with the CHAINED profiles over dev and STS from moto; moto's URL."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    write_config(isolated_home, extra=CHAINED)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    return moto_url


@pytest.fixture(scope="session")
def secret_service_env(tmp_path_factory):
    """A private D-Bus with an unlocked gnome-keyring: a real Secret Service for these tests.

    Under load the daemon can answer before it has made its unlocked login collection; a write
    then asks for a prompt that no one can answer ("Prompt dismissed"). So wait for the default
    collection, and start afresh (a new bus and daemon) if it still won't take a write."""
    require(
        shutil.which("dbus-daemon") and shutil.which("gnome-keyring-daemon") and shutil.which("dbus-send"),
        "gnome-keyring and dbus (apt-get install gnome-keyring dbus)",
    )
    problem = ""
    for _attempt in range(3):
        ready, stop = _start_secret_service(tmp_path_factory.mktemp("keyring-home"))
        problem = _wait_until_unlocked({**os.environ, **ready}, time.time() + 60)
        if not problem:
            break
        stop()
    else:
        pytest.fail(f"the test Secret Service never unlocked: {problem}")
    yield ready
    stop()


def _start_secret_service(home: Path):
    """A new session bus and gnome-keyring on it: (the variables to use, a function that stops both)."""
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_RUNTIME_DIR": str(home)}
    bus = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=30,
    )
    address, pid = bus.stdout.split()[:2]
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    daemon = subprocess.Popen(
        ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    daemon.stdin.write(b"test-password")
    daemon.stdin.close()

    def stop() -> None:
        daemon.terminate()
        daemon.wait(10)
        with contextlib.suppress(OSError):
            os.kill(int(pid), 15)

    deadline = time.time() + 60
    while time.time() < deadline:  # the secrets service answers, and its default collection exists
        alias = subprocess.run(
            [
                "dbus-send",
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.secrets",
                "/org/freedesktop/secrets",
                "org.freedesktop.Secret.Service.ReadAlias",
                "string:default",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=10,
        )
        if alias.returncode == 0 and "/collection/" in alias.stdout:
            break
        time.sleep(0.1)
    backend = "keyring.backends.SecretService.Keyring"
    return {"DBUS_SESSION_BUS_ADDRESS": address, "PYTHON_KEYRING_BACKEND": backend}, stop


@pytest.fixture
def secret_service(secret_service_env):
    """The real Secret Service as keyring's backend for one test; afterwards, the test's own again."""
    import keyring

    with pytest.MonkeyPatch.context() as patch:  # undoes only these, not the isolated HOME
        for name, value in secret_service_env.items():
            patch.setenv(name, value)
        keyring.core.init_backend()
        yield keyring.get_keyring()
    keyring.core.init_backend()


def _wait_until_unlocked(env: dict, deadline: float) -> str:
    """'' once a write works; else the last error (the daemon may still be making its collection)."""
    write = "import keyring; keyring.set_password('ssohelper-test', 'probe', 'ready')"
    while True:
        done = subprocess.run([sys.executable, "-c", write], env=env, capture_output=True, text=True, timeout=30)
        if done.returncode == 0:
            return ""
        if time.time() > deadline:
            return str(done.stderr.strip().splitlines()[-1:])
        time.sleep(0.2)


@pytest.fixture(scope="session")
def aws_cli() -> list[str]:
    """The AWS CLI v1 for the interop tests, kept off the test venv's PATH so it never shadows `aws`.

    $SSOHELPER_AWS_CLI names an `aws` executable (.ci/run sets it); without it the AWS CLI is
    installed once into its own venv under .pytest_cache. Missing, it skips locally and fails under CI=true.
    """
    exe = os.environ.get("SSOHELPER_AWS_CLI", "") or _aws_cli_here()
    require(
        exe and os.access(exe, os.X_OK),
        "the AWS CLI v1: set SSOHELPER_AWS_CLI to an `aws` executable (.ci/run does); without it the tests "
        "run `python -m venv` and `pip install awscli` into .pytest_cache, which failed here",
    )
    return [exe]


def _aws_cli_here() -> str:
    """`aws` in a venv of this Python version under .pytest_cache, made the first time ('' if that fails)."""
    folder = REPO / ".pytest_cache" / f"awscli-py{sys.version_info.major}{sys.version_info.minor}"
    exe = folder / "bin" / "aws"
    if exe.is_file():
        return str(exe)
    made = subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], capture_output=True, timeout=300)
    if made.returncode != 0:
        return ""
    pip = [str(folder / "bin" / "python"), "-m", "pip", "install", "-q", "awscli>=1.32"]
    done = subprocess.run(pip, capture_output=True, text=True, timeout=600)
    return str(exe) if done.returncode == 0 and exe.is_file() else ""

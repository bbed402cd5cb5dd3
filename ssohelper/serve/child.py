"""``exec --server``: run a command against a private credential server that lives as long as it.

The command gets the container variables (the URL and the token file) and no keys, so a
program that runs for hours asks the server and keeps getting fresh credentials. ssohelper
stays the parent: it passes on the signals sent to it, returns the command's exit code, dies
of the same signal the command died of, and removes the token file in every case.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from types import FrameType

from ssohelper import paths
from ssohelper.roles import envcreds
from ssohelper.serve import tokenfile
from ssohelper.serve.server import Endpoint

# Keys and other ways to name credentials, which SDKs would prefer to the server's.
_SHADOWING = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
)
# The command's profile, in a private copy of the config: one with no credentials of its own. With
# no profile named, SDKs use the default one, and a default profile with keys, SSO or a
# credential_process comes before the server in every SDK's chain: the command would quietly
# get the default profile's credentials instead of the ones asked for.
SERVER_PROFILE = "ssohelper-exec-server"
# Sent to ssohelper, passed on to the command. SIGINT and SIGQUIT come from the terminal to the
# whole process group, so the command has them already: ssohelper ignores them (a second Ctrl-C
# from ssohelper would make many tools quit without cleaning up).
_FORWARDED = ("SIGTERM", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGCONT")
_IGNORED = ("SIGINT", "SIGQUIT")


def child_environment(
    environ: Mapping[str, str], found: envcreds.ProfileCredentials, endpoint: Endpoint, config_file: str
) -> dict[str, str]:
    """The command's environment: the server's URL and token file, the region, the private config
    and its profile without credentials; no keys."""
    env = {k: v for k, v in environ.items() if k not in envcreds.DROPPED + _SHADOWING}
    env.update(endpoint.variables(with_token=False))
    env.update({k: v for k, v in envcreds.variables(found).items() if k.endswith("REGION")})
    env.update({"AWS_CONFIG_FILE": config_file, "AWS_PROFILE": SERVER_PROFILE})
    env[envcreds.NESTED_MARKER] = found.profile
    return env


def private_config(path: str, profile: str = SERVER_PROFILE) -> str:
    """A 0600 copy of the config at ``path`` (if any) with ``profile`` added, empty; its path."""
    try:
        with open(path, "rb") as handle:
            text = handle.read()
    except OSError:  # none (or unreadable): the profile alone
        text = b""
    return tokenfile.write_private("config", text + f"\n[profile {profile}]\n".encode())


def run(argv: Sequence[str], environ: Mapping[str, str], found: envcreds.ProfileCredentials, endpoint: Endpoint) -> int:
    """Run the command to its end with the server up; then stop the server, whatever happened."""
    sys.stdout.flush()
    sys.stderr.flush()
    previous: dict[int, object] = {}
    config_file = ""
    started: list[subprocess.Popen[bytes]] = []
    try:
        config_file = private_config(paths.aws_config_file())
        env = child_environment(environ, found, endpoint, config_file)
        # before the command starts: a SIGTERM in between would end ssohelper and orphan the command
        previous, pending = _pass_signals_to(started)
        with envcreds.launch_errors(argv):
            started.append(subprocess.Popen(list(argv), env=env))
        while pending:
            started[0].send_signal(pending.pop(0))
        code = started[0].wait()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]
        endpoint.stop()
        if config_file:
            tokenfile.remove(config_file)
    if code < 0 and os.name == "posix":  # killed by a signal: end the same way, as a shell would see it
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    return code if code >= 0 else 128 - code


def _pass_signals_to(started: list[subprocess.Popen[bytes]]) -> tuple[dict[int, object], list[int]]:
    """Forward the signals to the command in ``started``; those before it starts are kept in the list."""
    pending: list[int] = []

    def forward(number: int, frame: FrameType | None) -> None:
        if not started:
            pending.append(number)
        elif started[0].poll() is None:
            started[0].send_signal(number)

    previous: dict[int, object] = {}
    for name in _FORWARDED + _IGNORED:
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, forward if name in _FORWARDED else signal.SIG_IGN)
    return previous, pending

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

from ssohelper.serve.server import Endpoint
from ssohelper.sso import envcreds

# Keys and other ways to name credentials, which SDKs would prefer to the server's.
_SHADOWING = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
)
# Sent to ssohelper, passed on to the command. SIGINT and SIGQUIT come from the terminal to the
# whole process group, so the command has them already: ssohelper ignores them (a second Ctrl-C
# from ssohelper would make many tools quit without cleaning up).
_FORWARDED = ("SIGTERM", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGCONT")
_IGNORED = ("SIGINT", "SIGQUIT")


def child_environment(
    environ: Mapping[str, str], found: envcreds.ProfileCredentials, endpoint: Endpoint
) -> dict[str, str]:
    """The command's environment: the server's URL and token file, the region; no keys."""
    env = {k: v for k, v in environ.items() if k not in envcreds.DROPPED + _SHADOWING}
    env.update(endpoint.variables(with_token=False))
    env.update({k: v for k, v in envcreds.variables(found).items() if k.endswith("REGION")})
    env[envcreds.NESTED_MARKER] = found.profile
    return env


def run(argv: Sequence[str], env: dict[str, str], endpoint: Endpoint) -> int:
    """Run the command to its end with the server up; then stop the server, whatever happened."""
    sys.stdout.flush()
    sys.stderr.flush()
    previous: dict[int, object] = {}
    try:
        with envcreds.launch_errors(argv):
            child = subprocess.Popen(list(argv), env=env)
        previous = _pass_signals_to(child)
        code = child.wait()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]
        endpoint.stop()
    if code < 0 and os.name == "posix":  # killed by a signal: end the same way, as a shell would see it
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    return code if code >= 0 else 128 - code


def _pass_signals_to(child: subprocess.Popen[bytes]) -> dict[int, object]:
    def forward(number: int, frame: FrameType | None) -> None:
        if child.poll() is None:
            child.send_signal(number)

    previous: dict[int, object] = {}
    for name in _FORWARDED + _IGNORED:
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, forward if name in _FORWARDED else signal.SIG_IGN)
    return previous

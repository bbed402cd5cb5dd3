"""Helpers for the credential-server tests: raw HTTP requests (so a test controls every header),
and the server itself running in a subprocess as a user starts it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from helpers import ssohelper_cmd

BOTO3 = """
import json, boto3
session = boto3.Session()
creds = session.get_credentials()
identity = session.client("sts", region_name="us-east-1").get_caller_identity()
print(json.dumps({"method": creds.method, "key": creds.access_key, "account": identity["Account"],
                  "arn": identity["Arn"]}))
"""


@dataclass
class Reply:
    status: int
    body: str
    seconds: float

    def json(self) -> dict:
        return json.loads(self.body)


def raw(url: str, *, method: str = "GET", path: str | None = None, headers: dict | list | None = None) -> Reply:
    """One request with exactly the headers given (a Host header is added only if absent)."""
    parts = urlsplit(url)
    lines = [f"{method} {path if path is not None else parts.path} HTTP/1.1"]
    given = list(headers.items() if isinstance(headers, dict) else headers or [])
    if not any(name.lower() == "host" for name, _ in given):
        given.append(("Host", parts.netloc))
    lines += [f"{name}: {value}" for name, value in given]
    started = time.monotonic()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return Reply(int(head.split()[1]), body.decode(), time.monotonic() - started)


def as_an_sdk(url: str, **request) -> Reply:
    """As botocore asks: up to three attempts a second apart while the server answers 503 (a fetch
    still under way on a loaded machine); refusals are final."""
    for _ in range(3):
        reply = raw(url, **request)
        if reply.status != 503:
            return reply
        time.sleep(1)
    return reply


def client_env(variables: dict, *, drop: tuple[str, ...] = ()) -> dict:
    """The test's environment with the server's variables, less ``drop``."""
    env = {**os.environ, **variables}
    for name in drop:
        env.pop(name, None)
    return env


def boto3_in(env: dict) -> dict:
    """boto3 in a subprocess: how it found credentials, the key, and who STS says it is."""
    done = subprocess.run([sys.executable, "-c", BOTO3], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


class Served:
    """``ssohelper serve ... --env-file F`` in a subprocess; ``variables`` are the lines it wrote,
    once F appears (written atomically: whole or not at all)."""

    def __init__(self, *args: str, env: dict | None = None) -> None:
        self.env_file = Path(tempfile.mkdtemp(prefix="served-")) / "served.env"
        self.process = subprocess.Popen(
            [*ssohelper_cmd(), "serve", *args, "--env-file", str(self.env_file)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env or dict(os.environ),
        )
        deadline = time.monotonic() + 60
        while not self.env_file.exists() and self.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.env_file.exists(), self.process.stderr.read() if self.process.poll() is not None else "no file"
        self.lines = self.env_file.read_text().splitlines(keepends=True)
        self.variables: dict[str, str] = {}
        for line in self.lines:
            name, _, value = line.removeprefix("export ").strip().partition("=")
            self.variables[name] = value

    def stop(self, signal_number: int = 15) -> tuple[int, str]:
        if self.process.poll() is None:
            self.process.send_signal(signal_number)
        _, err = self.process.communicate(timeout=20)
        return self.process.returncode, err

    def __enter__(self) -> Served:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate(timeout=20)

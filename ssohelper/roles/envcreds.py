"""Role credentials for tools that read the environment: ``exec`` and ``export``.

The credentials come from the same cached fetch as credential_process (one API call however
many callers wait), so ``exec`` after a ``credential-process`` hit costs no call at all.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ssohelper.errors import CannotRun, CommandNotFound, UsageError
from ssohelper.ini import awsconfig
from ssohelper.models import RoleCredentials, RoleTarget
from ssohelper.settings import ProcessOptions
from ssohelper.times import format_epoch

NESTED_MARKER = "SSOHELPER_EXEC_PROFILE"
FORMATS = ("process", "env", "env-no-export", "json", "powershell", "windows-cmd", "fish")
# Removed from a child's environment: profile selection would confuse SDKs given credentials.
DROPPED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN")


@dataclass(frozen=True)
class ProfileCredentials:
    profile: str
    target: RoleTarget
    credentials: RoleCredentials
    region: str | None

    @property
    def expiration(self) -> str:
        return format_epoch(self.credentials.expires_at)


def profile_credentials(
    profile: str | None,
    *,
    environ: Mapping[str, str] = os.environ,
    fetch_document: Callable[[RoleTarget], str] | None = None,
    ask_mfa: Callable[[str], str] | None = None,
    region: str | None = None,
    options: ProcessOptions | None = None,
) -> ProfileCredentials:
    """Role credentials for a profile, chained or not, via the cache: a native SSO profile,
    one whose credential_process runs ssohelper, or one with ``role_arn`` and
    ``source_profile`` leading to either (assumed with STS; ``ask_mfa`` asks for an MFA code).

    The region is ``region``, else AWS_REGION or AWS_DEFAULT_REGION, else the profile's, else
    the session's, as in the SDKs."""
    from ssohelper.roles import chain

    config = awsconfig.load()
    name = profile or awsconfig.default_profile()
    fetch = fetch_document or _cached_document
    if chain.is_chained(config, name):
        from ssohelper.settings import load_process_settings

        found = chain.resolve(config, name)
        target = found.target
        settings = options or load_process_settings()
        credentials = chain.credentials(found, settings, fetch_base=fetch, ask_mfa=ask_mfa)
    else:
        target = config.resolve_target(name)
        credentials = chain.from_document(fetch(target))
        if credentials.account_id is None:
            credentials = dataclasses.replace(credentials, account_id=target.account_id)
    chosen = region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    chosen = chosen or config.profiles.get(name, {}).get("region") or target.session.region
    return ProfileCredentials(name, target, credentials, chosen if isinstance(chosen, str) else None)


def _cached_document(target: RoleTarget) -> str:
    from ssohelper.roles.credential_process import fetch
    from ssohelper.settings import load_process_settings

    return fetch(target, load_process_settings())


def variables(found: ProfileCredentials) -> dict[str, str]:
    """The AWS SDK environment variables, in the order the AWS CLI prints them."""
    creds = found.credentials
    result = {
        "AWS_ACCESS_KEY_ID": creds.access_key_id,
        "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
        "AWS_SESSION_TOKEN": creds.session_token,
        "AWS_CREDENTIAL_EXPIRATION": found.expiration,
    }
    if found.region:
        result["AWS_REGION"] = found.region
        result["AWS_DEFAULT_REGION"] = found.region
    return result


_LINE_FORMATS = {
    "env": "export {}={}",
    "env-no-export": "{}={}",
    "powershell": '$Env:{}="{}"',
    "windows-cmd": "set {}={}",
    "fish": 'set -gx {} "{}"',
}


def render(found: ProfileCredentials, fmt: str) -> str:
    """The credentials in one of the AWS CLI's ``configure export-credentials`` formats (plus json)."""
    creds = found.credentials
    if fmt == "process":  # the AWS CLI's shape: indented, Version 1
        document: dict[str, Any] = {
            "Version": 1,
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            "SessionToken": creds.session_token,
            "Expiration": found.expiration,
        }
        return json.dumps(document, indent=2, separators=(",", ": ")) + "\n"
    if fmt == "json":
        document = {
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            "SessionToken": creds.session_token,
            "Expiration": found.expiration,
            "AccountId": creds.account_id,
            "RoleName": found.target.role_name,
            "Region": found.region,
        }
        return json.dumps(document, separators=(",", ":")) + "\n"
    return format_lines(variables(found), fmt)


def format_lines(values: Mapping[str, str], fmt: str) -> str:
    """Variable assignments in one of the shell formats (env, env-no-export, powershell, ...)."""
    if fmt not in _LINE_FORMATS:
        raise UsageError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    return "".join(_LINE_FORMATS[fmt].format(k, v) + "\n" for k, v in values.items())


def refuse_nesting(environ: Mapping[str, str], *, allow: bool) -> None:
    """An ``exec`` inside an ``exec`` usually means the wrong credentials; say so, unless allowed."""
    outer = environ.get(NESTED_MARKER)
    if outer and not allow:
        raise UsageError(
            f"already inside 'ssohelper exec' for profile '{outer}'; exit that shell first, or pass --allow-nested"
        )


def child_environment(environ: Mapping[str, str], found: ProfileCredentials) -> dict[str, str]:
    """The command's environment: the credentials in, profile selection out (it would confuse SDKs)."""
    env = {k: v for k, v in environ.items() if k not in DROPPED}
    env.update(variables(found))
    env[NESTED_MARKER] = found.profile
    return env


def run(argv: Sequence[str], env: dict[str, str]) -> int:
    """Run the command. On POSIX ssohelper becomes it (exec), so signals and the exit code are its own."""
    if not argv:
        raise UsageError("give a command to run after --, e.g. ssohelper exec --profile dev -- aws s3 ls")
    sys.stdout.flush()
    sys.stderr.flush()
    with launch_errors(argv):
        if os.name == "posix":
            os.execvpe(argv[0], list(argv), env)
        return subprocess.call(list(argv), env=env)  # Windows: no exec; Ctrl-C reaches both processes


@contextmanager
def launch_errors(argv: Sequence[str]) -> Iterator[None]:
    """Starting a command: not found is 127; found but not runnable (EACCES, ENOEXEC, ...) is 126, as in shells."""
    try:
        yield
    except FileNotFoundError:
        raise CommandNotFound(f"command not found: {argv[0]}") from None
    except OSError as exc:
        raise CannotRun(f"cannot run {argv[0]}: {exc.strerror or exc}") from None

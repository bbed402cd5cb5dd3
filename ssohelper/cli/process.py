"""The credential-process command (its cache hits never get here: see ssohelper.fastpath)."""

from __future__ import annotations

import sys
import time

import click

from ssohelper import target
from ssohelper.cli.options import (
    auto_login_ui,
    complete_account_ids,
    complete_role_names,
    debug_option,
    say,
    session_options,
)
from ssohelper.ini import awsconfig
from ssohelper.models import RoleTarget, SsoSession
from ssohelper.settings import DEFAULT_MIN_TTL, LOGIN_WAIT, PROCESS_BUDGET, STORES, ProcessOptions, process_options


@click.command("credential-process")
@session_options
@click.option("--account-id", help="The AWS account ID (12 digits).", shell_complete=complete_account_ids)
@click.option("--role-name", help="The permission set (role) name.", shell_complete=complete_role_names)
@click.option("--store", type=click.Choice(STORES), help="Where to cache role credentials.")
@click.option(
    "--min-ttl", metavar="MIN", help=f"Minutes of validity a cached credential needs (default {DEFAULT_MIN_TTL // 60})."
)
@click.option("--auto-login", is_flag=True, help="Sign in, as login would, when the session has expired.")
@click.option(
    "--lock-timeout",
    metavar="SEC",
    help=f"Seconds to wait for another ssohelper process (default, and at most: what is left of {PROCESS_BUDGET:.0f}).",
)
@debug_option
def credential_process(**values: str | bool | None) -> None:
    """Print role credentials for the AWS `credential_process` setting (JSON on stdout).

    Example, in ~/.aws/config:

        credential_process = ssohelper credential-process --sso-session corp
            --account-id 111111111111 --role-name Developer
    """
    from ssohelper.aws import deadline
    from ssohelper.roles.credential_process import fetch

    # The same options dict the fast path builds, resolved by the same rules.
    options = {
        "--" + key.replace("_", "-"): "" if value is True else str(value)
        for key, value in values.items()
        if value not in (None, False)
    }
    settings = process_options(options)
    if _chained(options):
        sys.stdout.write(_chained_document(options["--profile"], settings) + "\n")
        return
    found = target.resolve(options)
    if found.session_name is not None:
        session = awsconfig.load().resolve_session(sso_session=found.session_name)
    else:
        session = SsoSession(start_url=found.start_url, region=found.region)
    role = RoleTarget(session, found.account_id, found.role_name)
    # 55 s from the start (a second kept to report and exit); a sign-in someone does may take 15 min
    started = (click.get_current_context().find_root().obj or {}).get("started", time.monotonic())
    limit = LOGIN_WAIT if settings.auto_login else PROCESS_BUDGET - 1 - (time.monotonic() - started)
    ui = auto_login_ui(session) if settings.auto_login else None
    with deadline.budget(limit):
        output = fetch(role, settings, ui=ui, warn=lambda text: say(f"ssohelper: {text}"))
    sys.stdout.write(output + "\n")


def _chained(options: dict[str, str]) -> bool:
    """A --profile (and nothing naming another role) whose profile assumes a role_arn."""
    from ssohelper.roles import chain

    named = ("--sso-session", "--start-url", "--sso-region", "--account-id", "--role-name")
    if "--profile" not in options or any(key in options for key in named):
        return False
    return chain.is_chained(awsconfig.load(), options["--profile"])


def _chained_document(profile: str, settings: ProcessOptions) -> str:
    """The credential_process document of a chained profile, within credential-process's budget."""
    from ssohelper.aws import deadline
    from ssohelper.cache import rolestore
    from ssohelper.roles.credential_process import fetch
    from ssohelper.roles.envcreds import profile_credentials

    started = (click.get_current_context().find_root().obj or {}).get("started", time.monotonic())
    limit = LOGIN_WAIT if settings.auto_login else PROCESS_BUDGET - 1 - (time.monotonic() - started)

    def base(role: RoleTarget) -> str:
        ui = auto_login_ui(role.session) if settings.auto_login else None
        return fetch(role, settings, ui=ui, warn=lambda text: say(f"ssohelper: {text}"))

    with deadline.budget(limit):
        found = profile_credentials(profile, fetch_document=base, options=settings)
    return rolestore.process_output(found.credentials)

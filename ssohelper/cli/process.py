"""The credential-process command (its cache hits never get here: see ssohelper.fastpath)."""

from __future__ import annotations

import sys

import click

from ssohelper.cli.options import auto_login_ui, checked, debug_option, say, session_options
from ssohelper.ini import awsconfig
from ssohelper.ini.awsconfig import resolve_session
from ssohelper.models import RoleTarget


@click.command("credential-process")
@session_options
@click.option("--account-id", callback=checked, help="The AWS account ID (12 digits).")
@click.option("--role-name", help="The permission set (role) name.")
@click.option("--store", type=click.Choice(["file", "keyring"]), help="Where to cache role credentials.")
@click.option(
    "--min-ttl", type=float, callback=checked, help="Minutes of validity a cached credential needs (default 15)."
)
@click.option("--auto-login", is_flag=True, help="Run the browser sign-in when the session has expired.")
@click.option(
    "--lock-timeout",
    type=float,
    callback=checked,
    help="Seconds to wait for another ssohelper process (default, and at most: what is left of 55 s).",
)
@debug_option
def credential_process(
    profile: str | None,
    sso_session: str | None,
    start_url: str | None,
    sso_region: str | None,
    account_id: str | None,
    role_name: str | None,
    store: str | None,
    min_ttl: float | None,
    auto_login: bool,
    lock_timeout: float | None,
) -> None:
    """Print role credentials for the AWS `credential_process` setting (JSON on stdout).

    Example, in ~/.aws/config:

        credential_process = ssohelper credential-process --sso-session corp
            --account-id 111111111111 --role-name Developer
    """
    from ssohelper.cache import locks
    from ssohelper.settings import load_process_settings
    from ssohelper.sso import deadline
    from ssohelper.sso.credentials import ProcessOptions, fetch

    if profile:
        if sso_session or start_url or sso_region or account_id or role_name:
            raise click.UsageError("--profile takes no --sso-session, --start-url, --account-id or --role-name")
        target = awsconfig.load().resolve_target(profile)
    else:
        if sso_session and (start_url or sso_region):
            raise click.UsageError("give --sso-session, or --start-url with --sso-region, not both")
        if not (account_id and role_name):
            raise click.UsageError("give --account-id and --role-name, or --profile")
        target = RoleTarget(resolve_session(None, sso_session, start_url, sso_region), account_id, role_name)
    settings = load_process_settings()
    options = ProcessOptions(
        store=store or settings.store,
        min_ttl=min_ttl * 60 if min_ttl is not None else settings.min_ttl,
        auto_login=auto_login,
        lock_timeout=min(lock_timeout, locks.PROCESS_BUDGET) if lock_timeout is not None else locks.PROCESS_BUDGET,
    )
    # 55 s in all, less what the fast path waited; a sign-in someone is doing may take 15 minutes
    limit = locks.LOGIN_WAIT if auto_login else locks.PROCESS_BUDGET - locks.waited()
    with deadline.budget(limit):
        output = fetch(
            target, options, ui=auto_login_ui() if auto_login else None, warn=lambda text: say(f"ssohelper: {text}")
        )
    sys.stdout.write(output + "\n")

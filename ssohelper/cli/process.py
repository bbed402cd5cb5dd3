"""The credential-process command (its cache hits never get here: see ssohelper.fastpath)."""

from __future__ import annotations

import sys

import click

from ssohelper.cli.options import auto_login_ui, debug_option, session_options
from ssohelper.ini import awsconfig
from ssohelper.ini.awsconfig import resolve_session
from ssohelper.models import RoleTarget


@click.command("credential-process")
@session_options
@click.option("--account-id", help="The AWS account ID (12 digits).")
@click.option("--role-name", help="The permission set (role) name.")
@click.option("--store", type=click.Choice(["file", "keyring"]), help="Where to cache role credentials.")
@click.option("--min-ttl", type=float, help="Minutes of validity a cached credential needs (default 15).")
@click.option("--auto-login", is_flag=True, help="Run the browser sign-in when the session has expired.")
@click.option(
    "--lock-timeout", type=float, default=60.0, show_default=True, help="Seconds to wait for another ssohelper process."
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
    lock_timeout: float,
) -> None:
    """Print role credentials for the AWS `credential_process` setting (JSON on stdout).

    Example, in ~/.aws/config:

        credential_process = ssohelper credential-process --sso-session corp
            --account-id 111111111111 --role-name Developer
    """
    from ssohelper.settings import load_process_settings
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
        lock_timeout=lock_timeout,
    )
    output = fetch(target, options, ui=auto_login_ui() if auto_login else None)
    sys.stdout.write(output + "\n")

"""The commands beyond login/logout: credential-process, list, status, demo."""

from __future__ import annotations

import sys

import click

from . import awsconfig
from .cli import cli, debug_option, resolve_session, say, session_options, terminal_interaction
from .iniread import display_path
from .login import Interaction, default_browser
from .models import RoleTarget


@cli.command("credential-process")
@session_options
@click.option("--account-id", help="The AWS account ID (12 digits).")
@click.option("--role-name", help="The permission set (role) name.")
@click.option("--store", type=click.Choice(["file", "keyring"]), help="Where to cache role credentials.")
@click.option("--min-ttl", type=float, help="Minutes of validity a cached credential needs (default 15).")
@click.option("--auto-login", is_flag=True, help="Run the browser sign-in when the session has expired.")
@click.option("--lock-timeout", type=float, default=60.0, show_default=True,
              help="Seconds to wait for another ssohelper process.")
@debug_option
def credential_process(profile: str | None, sso_session: str | None, start_url: str | None,
                       sso_region: str | None, account_id: str | None, role_name: str | None,
                       store: str | None, min_ttl: float | None, auto_login: bool, lock_timeout: float) -> None:
    """Print role credentials for the AWS `credential_process` setting (JSON on stdout).

    Example, in ~/.aws/config:

        credential_process = ssohelper credential-process --sso-session corp
            --account-id 111111111111 --role-name Developer
    """
    from .credentials import ProcessOptions, fetch
    from .settings import load_process_settings

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
    output = fetch(target, options, ui=_auto_login_ui() if auto_login else None)
    sys.stdout.write(output + "\n")


def _auto_login_ui() -> Interaction | None:
    """A sign-in someone can see: a browser to open, or a terminal to show the code on.

    SDKs capture stderr, so without either the device code would go nowhere while the
    process held its locks for ten minutes; then the caller is told to log in instead."""
    if default_browser() is None and not sys.stderr.isatty():
        return None
    return terminal_interaction(no_browser=False)


@cli.command()
@session_options
@debug_option
def status(profile: str | None, sso_session: str | None, start_url: str | None, sso_region: str | None) -> None:
    """Show each SSO session's sign-in state and where secrets and credentials are kept.

    Example: ssohelper status
    """
    import time

    from . import paths, secretstore, tokencache
    from .logout import configured_sessions
    from .settings import load_process_settings

    if profile or sso_session or start_url:
        sessions = [resolve_session(profile, sso_session, start_url, sso_region)]
    else:
        sessions = configured_sessions(awsconfig.load())
    store = secretstore.secure_keyring()
    for session in sessions:
        token = tokencache.load_token(session, store)
        if token is None:
            state = "not signed in"
        else:
            left = token.seconds_left(time.time())
            state = f"signed in, {int(left // 60)} min left" if left > 0 else "expired"
            if token.refresh_token:
                state += f"; can refresh (secrets in {tokencache.secrets_location(session, store)})"
            else:
                state += "; no refresh token"
        click.echo(f"{session.label}: {state}")
    if not sessions:
        click.echo("no SSO sessions in " + display_path(paths.aws_config_file()))
    click.echo(f"long-lived secrets go to: {secretstore.describe(store)}")
    settings = load_process_settings()
    where = paths.role_cache_dir() if settings.store == "file" else "OS keyring"
    click.echo(f"role credentials: {settings.store} ({where})")


@cli.command("list")
@session_options
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout instead of a table.")
@debug_option
def list_roles(profile: str | None, sso_session: str | None, start_url: str | None, sso_region: str | None,
               as_json: bool) -> None:
    """List the accounts and roles your SSO sign-in gives you (for --account-id and --role-name).

    Example: ssohelper list --sso-session corp
    """
    import json

    from .login import usable_token
    from .portal import list_account_roles, list_accounts

    session = resolve_session(profile, sso_session, start_url, sso_region)
    token = usable_token(session)
    rows = [
        {"accountId": account["accountId"], "accountName": account.get("accountName", ""), "roleName": role}
        for account in sorted(list_accounts(session, token), key=lambda a: a["accountId"])
        for role in sorted(list_account_roles(session, token, account["accountId"]))
    ]
    if as_json:
        click.echo(json.dumps(rows, separators=(",", ":")))
        return
    width = max([len(row["accountName"]) for row in rows] + [len("NAME")])
    click.echo(f"{'ACCOUNT':12}  {'NAME':{width}}  ROLE")
    for row in rows:
        click.echo(f"{row['accountId']:12}  {row['accountName']:{width}}  {row['roleName']}")


@cli.command()
@debug_option
def demo() -> None:
    """Show the whole flow against the bundled emulator, in a throw-away HOME.

    Starts the emulator, signs in (auto-approved), fetches role credentials twice (the second
    time from the cache) and lets botocore read them. Your own ~/.aws is never touched.

    Example: ssohelper demo
    """
    from .demo import run_demo

    run_demo(say)


from . import cli_migrate  # noqa: E402,F401  (registers migrate-profiles)

"""Signing in and out, and what a sign-in gives: login, logout, status, list."""

from __future__ import annotations

import sys
import time

import click

from ssohelper.cli.options import debug_option, say, session_options, terminal_interaction
from ssohelper.cli.output import chosen_format, output_options, progress_on_terminal, render
from ssohelper.ini import awsconfig
from ssohelper.ini.awsconfig import resolve_session
from ssohelper.ini.read import display_path
from ssohelper.settings import SECRETS_MODES


@click.command()
@session_options
@click.option("--no-browser", is_flag=True, help="Do not open a browser; only print the sign-in URL.")
@click.option("--use-device-code", is_flag=True, help="Sign in with a device code instead of the browser flow.")
@click.option(
    "--redirect-port",
    type=click.IntRange(1, 65535),
    help="A fixed 127.0.0.1 port for the browser callback (for SSH port forwarding); overrides sso_redirect_port.",
)
@click.option("--force", is_flag=True, help="Sign in again even if the current token is valid.")
@click.option(
    "--secrets",
    type=click.Choice(SECRETS_MODES),
    help="Where the refresh token and client secret go (default: [login] secrets, else auto).",
)
@debug_option
def login(
    profile: str | None,
    sso_session: str | None,
    start_url: str | None,
    sso_region: str | None,
    no_browser: bool,
    use_device_code: bool,
    redirect_port: int | None,
    force: bool,
    secrets: str | None,
) -> None:
    """Sign in to IAM Identity Center: in the browser (authorization code with PKCE), or with a
    device code where no browser can reach this machine (SSH, no display, WSL).

    The token is kept where the AWS CLI v2 keeps it, so both tools share one sign-in. With
    secrets = auto, the refresh token and client secret stay in the token file while any
    profile uses the session natively (so the AWS CLI and SDKs can refresh it too).

    Example: ssohelper login --sso-session corp --no-browser
    """
    from ssohelper.sso.flow import choose_flow_here
    from ssohelper.sso.login import ensure_login

    session = resolve_session(profile, sso_session, start_url, sso_region)
    choice = choose_flow_here(
        use_device_code=use_device_code,
        named_session=session.name is not None,
        redirect_port=redirect_port or session.redirect_port,
    )
    ui = terminal_interaction(no_browser, browser_flow=choice.browser)
    outcome = ensure_login(session, ui, force=force, flow=choice, secrets=secrets)
    if sys.stderr.isatty() and outcome.action == "signed-in":
        say()
    until = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(outcome.token.expires_at))
    verb = {"reused": "Already signed in to", "refreshed": "Renewed the sign-in to", "signed-in": "Signed in to"}
    say(f"{verb[outcome.action]} '{session.label}'; the token is valid until {until}.")
    say(f"Token: {display_path(outcome.token_path)}")
    say(f"Refresh token and client secret: {outcome.secrets_location}")
    if outcome.placement is not None:
        say(f"  why: {outcome.placement.reason}")
        for warning in outcome.placement.warnings:
            say(f"  warning: {warning}")


@click.command()
@session_options
@click.option("--all", "everything", is_flag=True, help="Sign out of every session in the config.")
@debug_option
def logout(
    profile: str | None, sso_session: str | None, start_url: str | None, sso_region: str | None, everything: bool
) -> None:
    """Sign out: revoke the token on the server, then delete it, the client registration and
    the cached role credentials, ssohelper's and the AWS CLI's (~/.aws/cli/cache) for the
    session's native profiles. --all also removes what `aws sso logout` removes.

    Example: ssohelper logout --sso-session corp
    """
    from ssohelper.sso.logout import configured_sessions, sweep
    from ssohelper.sso.logout import logout as sign_out

    config = awsconfig.load()
    if everything:
        sessions = configured_sessions(config)
    else:
        sessions = [resolve_session(profile, sso_session, start_url, sso_region)]
    if not sessions and not everything:
        say("No SSO sessions are configured; nothing to sign out of.")
    for session in sessions:
        result = sign_out(session, config=config)
        say(
            f"{session.label}: {result.server}; token {'removed' if result.token_removed else 'absent'}; "
            f"{result.roles_removed} cached role credential(s) removed, "
            f"{result.aws_cli_removed} of the AWS CLI's"
        )
    if everything:
        tokens, aws_cli = sweep()
        say(f"Also removed {tokens} other token file(s) and {aws_cli} other AWS CLI SSO credential(s).")


@click.command()
@session_options
@debug_option
def status(profile: str | None, sso_session: str | None, start_url: str | None, sso_region: str | None) -> None:
    """Show each SSO session's sign-in state and where secrets and credentials are kept.

    Example: ssohelper status
    """
    import time

    from ssohelper import paths
    from ssohelper.cache import keyringstore
    from ssohelper.errors import ConfigError
    from ssohelper.settings import load_process_settings
    from ssohelper.sso import secrets_policy, tokencache
    from ssohelper.sso.logout import configured_sessions

    if profile or sso_session or start_url:
        sessions = [resolve_session(profile, sso_session, start_url, sso_region)]
    else:
        sessions = configured_sessions(awsconfig.load())
    store = keyringstore.secure_keyring()
    for session in sessions:
        try:  # applies the rule first: it may move them
            secrets, token = secrets_policy.explain(session, store=store), tokencache.load_token(session, store)
        except ConfigError as exc:  # an unreadable or untrusted token file: say so, go on with the others
            click.echo(f"{session.label}: cannot tell: {exc}")
            continue
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
        click.echo(f"  secrets: {secrets.where}; why: {secrets.reason}")
        for warning in secrets.warnings:
            click.echo(f"  warning: {warning}")
    if not sessions:
        click.echo("no SSO sessions in " + display_path(paths.aws_config_file()))
    click.echo(f"secure OS keyring: {store.description if store else 'none'}")
    settings = load_process_settings()
    where = paths.role_cache_dir() if settings.store == "file" else "OS keyring"
    click.echo(f"role credentials: {settings.store} ({where})")


@click.command("list")
@session_options
@output_options
@debug_option
def list_roles(
    profile: str | None, sso_session: str | None, start_url: str | None, sso_region: str | None, output: str
) -> None:
    """List the accounts and roles your SSO sign-in gives you (for --account-id and --role-name).

    --profile also takes a profile whose credential_process runs ssohelper.

    Example: ssohelper list --sso-session corp --output json
    """
    from ssohelper.sso.accounts import list_access
    from ssohelper.sso.login import usable_token

    session = resolve_session(profile, sso_session, start_url, sso_region)
    token = usable_token(session)
    with progress_on_terminal("Listing roles, accounts done") as progress:
        found = list_access(session, token, progress=progress)
    rows = [{"accountId": r.account_id, "accountName": r.account_name, "roleName": r.role_name} for r in found]
    columns = [("accountId", "ACCOUNT"), ("accountName", "NAME"), ("roleName", "ROLE")]
    click.echo(render(rows, columns, chosen_format(output)), nl=False)

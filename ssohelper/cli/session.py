"""Signing in and out, and what a sign-in gives: login, logout, status, list."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import click

from ssohelper.cli.edits import add_session
from ssohelper.cli.options import debug_option, say, session_options, terminal_interaction
from ssohelper.cli.output import chosen_format, json_text, output_options, progress_on_terminal, render, text_rows
from ssohelper.errors import UsageError
from ssohelper.ini import awsconfig
from ssohelper.ini.awsconfig import resolve_session
from ssohelper.ini.read import display_path
from ssohelper.settings import SECRETS_MODES

T = TypeVar("T")

if TYPE_CHECKING:
    from ssohelper.kinds.registry import ProfileKind
    from ssohelper.models import SsoSession
    from ssohelper.signin.status import SessionStatus, StatusReport


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
    if sso_session and (start_url or sso_region):  # the section is written first when missing
        session = add_session(sso_session, start_url, sso_region)
    else:
        session = resolve_session(profile, sso_session, start_url, sso_region, note=say)
    sign_in(
        session,
        no_browser=no_browser,
        use_device_code=use_device_code,
        redirect_port=redirect_port,
        force=force,
        secrets=secrets,
    )


def with_sign_in(make: Callable[[], T], session: Callable[[], SsoSession]) -> T:
    """``make()``; when it needs a sign-in and a person is at the terminal, sign in as ``login``
    does and ``make()`` again (without a terminal the exit-3 message names the login to run)."""
    from ssohelper.errors import LoginRequired

    try:
        return make()
    except LoginRequired as exc:
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise
        say(f"ssohelper: {exc}; signing in now")
    sign_in(session())
    return make()


def sign_in(
    session: SsoSession,
    *,
    no_browser: bool = False,
    use_device_code: bool = False,
    redirect_port: int | None = None,
    force: bool = False,
    secrets: str | None = None,
) -> str:
    """login's sign-in and its report; returns what it did (reused, refreshed, signed-in)."""
    from ssohelper.signin.flow import choose_flow_here
    from ssohelper.signin.login import ensure_login

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
    return outcome.action


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
    from ssohelper.signin.logout import configured_sessions, sweep
    from ssohelper.signin.logout import logout as sign_out

    if everything and (profile or sso_session or start_url or sso_region):
        raise UsageError("--all signs out of every session; give it no --profile, --sso-session or --start-url")
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
        swept = sweep()
        for reason in swept.refused:
            say(f"Left alone: {reason}")
        say(f"Also removed {swept.tokens} other token file(s) and {swept.aws_cli} other AWS CLI SSO credential(s).")


@click.command()
@session_options
@output_options
@debug_option
def status(
    profile: str | None, sso_session: str | None, start_url: str | None, sso_region: str | None, output: str | None
) -> None:
    """Show each SSO session's sign-in state, cached role credentials, and where secrets are kept.

    No secrets are shown. --output json prints one JSON document on stdout (schema in the
    README); text prints tab-separated rows.

    Example: ssohelper status --output json
    """

    from ssohelper.signin.logout import configured_sessions
    from ssohelper.signin.status import status as read_status

    fmt = chosen_format(output)
    if profile or sso_session or start_url or sso_region:  # --sso-region alone: the usage error of login
        sessions = [resolve_session(profile, sso_session, start_url, sso_region, note=say)]
        kinds = awsconfig.load().kinds(profile) if profile else []
    else:
        config = awsconfig.load()
        sessions, kinds = configured_sessions(config), config.kinds()
    report = read_status(sessions, profiles=kinds)
    if fmt == "json":
        click.echo(json_text(report.document()), nl=False)
    elif fmt == "text":
        click.echo(_status_rows(report.document()), nl=False)
    else:
        _status_table(report)


_SESSION_FIELDS = ("name", "state", "expires_at", "seconds_left", "can_refresh", "secrets_store")
_ROLE_FIELDS = ("account_id", "role_name", "expires_at", "seconds_left", "store")


def _status_rows(document: dict) -> str:
    """One tab-separated row per session and per cached role; null is an empty field."""
    rows = []
    for item in document["sessions"]:
        rows.append(["session", *(item[k] for k in _SESSION_FIELDS)])
        rows.extend(["role", item["name"], *(role[k] for k in _ROLE_FIELDS)] for role in item["roles"])
    for found in document["profiles"]:
        rows.append(
            ["profile", found["profile"], found["kind"], found["resolves_through"], ",".join(found["shadowed"])]
        )
    return text_rows(rows)


def _status_table(report: StatusReport) -> None:
    for item in report.sessions:
        click.echo(_session_line(item))
        if item.error is not None:
            continue
        click.echo(f"  secrets: {item.secrets_where}; why: {item.secrets_reason}")
        for warning in item.warnings:
            say(f"warning: {item.name}: {warning}")
        for role in item.roles:
            left = "expiry unknown" if role.seconds_left is None else _minutes_left(role.seconds_left)
            click.echo(f"  role {role.account_id}/{role.role_name}: {left} ({role.store})")
    if not report.sessions:
        click.echo("no SSO sessions in " + display_path(report.config_path))
    for found in report.profiles:
        click.echo(_profile_line(found))
    click.echo(f"secure OS keyring: {report.secure_keyring}")
    click.echo(f"keyring backend: {report.keyring_backend}")
    click.echo(f"role credentials: {report.role_store} ({report.role_cache})")


def _profile_line(found: ProfileKind) -> str:
    if found.resolves_through is None:
        return f"profile {found.profile}: no credentials of its own"
    line = f"profile {found.profile}: {found.label}, through botocore's {found.resolves_through} provider"
    return line + (f"; shadows {', '.join(found.shadowed)}" if found.shadowed else "")


def _minutes_left(seconds: float) -> str:
    return f"{int(seconds // 60)} min left" if seconds > 0 else "expired"


def _session_line(item: SessionStatus) -> str:
    if item.error is not None:
        return f"{item.name}: cannot tell: {item.error}"
    if item.seconds_left is None:
        return f"{item.name}: not signed in"
    state = f"signed in, {_minutes_left(item.seconds_left)}" if item.seconds_left > 0 else "expired"
    if item.can_refresh:
        state += f"; can refresh (secrets in {item.secrets_location})"
    else:
        state += "; no refresh token"
    return f"{item.name}: {state}"


@click.command("list")
@session_options
@output_options
@click.option("--refresh", is_flag=True, help="Ask the portal again instead of using the cached listing.")
@debug_option
def list_roles(
    profile: str | None,
    sso_session: str | None,
    start_url: str | None,
    sso_region: str | None,
    output: str | None,
    refresh: bool,
) -> None:
    """List the accounts and roles your SSO sign-in gives you (for --account-id and --role-name).

    The listing is cached per session for [list] cache_max_age_minutes (60 by default) and
    dropped on logout; its age is shown on stderr, and --refresh asks the portal again.
    --profile also takes a profile whose credential_process runs ssohelper.

    Example: ssohelper list --sso-session corp --output json
    """
    from ssohelper.cache import listing

    fmt = chosen_format(output)
    session = resolve_session(profile, sso_session, start_url, sso_region, note=say)
    cached = None if refresh else listing.load(session.name, session.start_url)
    if cached is not None:
        age, rows = cached
        say(f"(cached {listing.format_age(age)} ago; --refresh asks the portal again)")
    else:
        rows = _fetch_listing(session)
    found = [{"accountId": a, "accountName": n, "roleName": r} for a, n, r in rows]
    columns = [("accountId", "ACCOUNT"), ("accountName", "NAME"), ("roleName", "ROLE")]
    click.echo(render(found, columns, fmt), nl=False)


def _fetch_listing(session: SsoSession) -> list[tuple[str, str, str]]:
    """Every (account, name, role) from the portal, kept in the listing cache; warnings said."""
    from ssohelper.cache import listing
    from ssohelper.listings.accounts import list_access
    from ssohelper.signin.login import usable_token

    token = usable_token(session)
    warnings: list[str] = []
    with progress_on_terminal("Listing roles, accounts done") as progress:
        found = list_access(session, token, progress=progress, warnings=warnings)
    for warning in warnings:
        say(f"warning: {warning}")
    rows = [(r.account_id, r.account_name, r.role_name) for r in found]
    listing.store(session.name, session.start_url, rows)
    return rows

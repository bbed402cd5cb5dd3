"""The command line: parse, call the library, render. Nothing else imports this module."""

from __future__ import annotations

import logging
import os
import sys
import time
import traceback
from typing import Any

import click

from . import __version__, awsconfig, errors
from .errors import ConfigError, SsoHelperError
from .iniread import display_path
from .login import Interaction, default_browser
from .models import SsoSession

log = logging.getLogger("ssohelper")
_state = {"debug": False}


def _enable_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not _state["debug"]:
        _state["debug"] = True
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("ssohelper debug: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.DEBUG)


debug_option = click.option(
    "--debug", is_flag=True, expose_value=False, is_eager=True, callback=_enable_debug,
    help="Explain each step on stderr (secrets are never shown).",
)


def say(message: str = "") -> None:
    """Messages for people go to stderr; stdout is reserved for machine-readable output."""
    try:
        click.echo(message, err=True)
    except OSError:  # the terminal went away: there is no one left to tell
        pass


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ssohelper")
@debug_option
def cli() -> None:
    """Retire static AWS access keys: sign in with IAM Identity Center, serve short-lived
    role credentials to every SDK, and migrate old profiles.

    Example: ssohelper login --sso-session corp
    """


def resolve_session(profile: str | None, sso_session: str | None, start_url: str | None = None,
                    sso_region: str | None = None) -> SsoSession:
    if start_url or sso_region:
        if not (start_url and sso_region):
            raise click.UsageError("--start-url and --sso-region go together")
        return SsoSession(start_url=start_url, region=sso_region)
    config = awsconfig.load()
    if profile is None and sso_session is None and "AWS_PROFILE" not in os.environ:
        if len(config.sso_sessions) == 1:
            return config.resolve_session(sso_session=next(iter(config.sso_sessions)))
        if "default" not in config.profiles and config.sso_sessions:
            names = ", ".join(sorted(config.sso_sessions))
            raise ConfigError(f"say which session to use: --sso-session NAME (one of: {names})")
        if "default" not in config.profiles:
            raise ConfigError(f"no SSO session in {display_path(config.config_path)}: add an [sso-session NAME] "
                              "section, or pass --start-url URL --sso-region REGION")
    return config.resolve_session(profile=profile, sso_session=sso_session)


def session_options(func: Any) -> Any:
    for option in reversed([
        click.option("--profile", "-p", help="A profile that uses SSO (sso_session or sso_start_url)."),
        click.option("--sso-session", "-s", help="An [sso-session NAME] from ~/.aws/config."),
        click.option("--start-url", help="A start URL, for a session not in the config file."),
        click.option("--sso-region", help="The Identity Center region, with --start-url."),
    ]):
        func = option(func)
    return func


def terminal_interaction(no_browser: bool) -> Interaction:
    interactive = sys.stderr.isatty()

    def on_wait(left: float) -> None:
        if interactive:
            minutes, seconds = divmod(int(left), 60)
            click.echo(f"\rWaiting for approval in the browser... {minutes}:{seconds:02d} left ", err=True, nl=False)

    return Interaction(notify=say, open_browser=None if no_browser else default_browser(), on_wait=on_wait)


@cli.command()
@session_options
@click.option("--no-browser", is_flag=True, help="Only print the sign-in URL and code.")
@click.option("--force", is_flag=True, help="Sign in again even if the current token is valid.")
@debug_option
def login(profile: str | None, sso_session: str | None, start_url: str | None, sso_region: str | None,
          no_browser: bool, force: bool) -> None:
    """Sign in to IAM Identity Center with the device-authorization flow.

    The token is kept where the AWS CLI v2 keeps it, so both tools share one sign-in.

    Example: ssohelper login --sso-session corp --no-browser
    """
    from .login import ensure_login

    session = resolve_session(profile, sso_session, start_url, sso_region)
    ui = terminal_interaction(no_browser)
    outcome = ensure_login(session, ui, force=force)
    if sys.stderr.isatty() and outcome.action == "signed-in":
        say()
    until = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(outcome.token.expires_at))
    verb = {"reused": "Already signed in to", "refreshed": "Renewed the sign-in to", "signed-in": "Signed in to"}
    say(f"{verb[outcome.action]} '{session.label}'; the token is valid until {until}.")
    say(f"Token: {display_path(outcome.token_path)}")
    say(f"Refresh token and client secret: {outcome.secrets_location}")


@cli.command()
@session_options
@click.option("--all", "everything", is_flag=True, help="Sign out of every session in the config.")
@debug_option
def logout(profile: str | None, sso_session: str | None, start_url: str | None, sso_region: str | None,
           everything: bool) -> None:
    """Sign out: revoke the token on the server, then delete it, the client registration and
    the cached role credentials.

    Example: ssohelper logout --sso-session corp
    """
    from .logout import configured_sessions, logout as sign_out

    if everything:
        sessions = configured_sessions(awsconfig.load())
    else:
        sessions = [resolve_session(profile, sso_session, start_url, sso_region)]
    if not sessions:
        say("No SSO sessions are configured; nothing to sign out of.")
    for session in sessions:
        result = sign_out(session)
        say(f"{session.label}: {result.server}; token {'removed' if result.token_removed else 'absent'}; "
            f"{result.roles_removed} cached role credential(s) removed")


def run(argv: list[str]) -> int:
    """Run the CLI and turn every failure into a one-line message and a documented exit code."""
    from . import commands  # noqa: F401  (registers the other commands)

    try:
        result = cli.main(args=argv, prog_name="ssohelper", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except SsoHelperError as exc:
        say(f"ssohelper: {exc}")
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except (KeyboardInterrupt, click.Abort):
        say("\nssohelper: interrupted; nothing was changed")
        return errors.EXIT_INTERRUPTED
    except Exception as exc:  # a bug: one line, and the traceback only on request
        if _state["debug"]:
            traceback.print_exc()
        say(f"ssohelper: unexpected {exc.__class__.__name__}; rerun with --debug and report it")
        return errors.EXIT_ERROR

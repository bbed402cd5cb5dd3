"""Options, output and interaction shared by the commands."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from ssohelper import settings
from ssohelper.models import SsoSession
from ssohelper.signin.login import Interaction, default_browser

log = logging.getLogger("ssohelper")
_state = {"debug": False}


def _enable_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not _state["debug"]:
        _state["debug"] = True
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("ssohelper debug: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.DEBUG)
        settings.listen(log.debug)  # each setting once, with where it came from


def debug_enabled() -> bool:
    return _state["debug"]


debug_option = click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_enable_debug,
    help="Explain each step on stderr (secrets are never shown).",
)


def say(message: str = "") -> None:
    """Messages for people go to stderr; stdout is reserved for machine-readable output."""
    try:
        click.echo(message, err=True)
    except OSError:  # the terminal went away: there is no one left to tell
        pass


def confirm_apply(yes: bool, question: str = "Apply these changes?", review: str = "review it with --dry-run") -> None:
    """Go on only with --yes, or when the person at the terminal says so."""
    from ssohelper.errors import NotApplied

    if yes:
        return
    if not sys.stdin.isatty():
        raise NotApplied(f"not applied: rerun with --yes to apply without a terminal ({review})")
    if not click.confirm(question, err=True):
        raise NotApplied("not applied: you declined")


def _config_names(kind: str, incomplete: str) -> list[str]:
    """Profile or sso-session names from the config files, for shell completion (never fails)."""
    from ssohelper.errors import SsoHelperError
    from ssohelper.ini import awsconfig

    try:
        config = awsconfig.load()
    except SsoHelperError:
        return []
    names = config.sso_sessions if kind == "sso-session" else {**config.profiles, **config.credentials}
    return sorted(name for name in names if name.startswith(incomplete))


def complete_profiles(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    return _config_names("profile", incomplete)


def complete_sessions(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    return _config_names("sso-session", incomplete)


def _cached_rows() -> list[tuple[str, str, str]]:
    """Every row of the listing cache, for completion: no network call, and never a failure."""
    from ssohelper.cache import listing

    try:
        return list(listing.every_row())
    except Exception:  # completion offers nothing rather than fail
        return []


def complete_account_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Account IDs from the listing cache whose ID or account name starts with what was typed,
    each with its account name as help."""
    from click.shell_completion import CompletionItem

    names = {a: n for a, n, _ in _cached_rows() if a.startswith(incomplete) or n.startswith(incomplete)}
    return [CompletionItem(account, help=names[account]) for account in sorted(names)]


def complete_role_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    return sorted({role for _, _, role in _cached_rows() if role.startswith(incomplete)})


def profile_option(help_text: str) -> Any:
    """``--profile``/``-p`` with completion from the config (AWS_PROFILE, else default, when absent)."""
    return click.option("--profile", "-p", help=help_text, shell_complete=complete_profiles)


def session_options(func: Any) -> Any:
    for option in reversed(
        [
            profile_option(
                "A profile that uses SSO (sso_session, sso_start_url, or credential_process through ssohelper)."
            ),
            click.option(
                "--sso-session",
                "-s",
                help="An [sso-session NAME] from ~/.aws/config.",
                shell_complete=complete_sessions,
            ),
            click.option("--start-url", help="A start URL, for a session not in the config file."),
            click.option("--sso-region", help="The Identity Center region, with --start-url."),
        ]
    ):
        func = option(func)
    return func


def account_id_checked(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A click callback: an account ID is 12 digits (credential-process's rule, ssohelper.target)."""
    if value is not None:
        from ssohelper.ini.profiles import check_account_id

        check_account_id(value)
    return value


def waiting_text(opens_browser: bool, browser_flow: bool) -> str:
    """What the countdown says, worded for the flow and for whether a browser was opened."""
    if browser_flow:
        where = "in the browser" if opens_browser else "at the URL above"
        return f"Waiting for the sign-in {where}..."
    return "Waiting for approval in the browser..." if opens_browser else "Waiting for the code to be approved..."


def terminal_interaction(no_browser: bool, browser_flow: bool = False) -> Interaction:
    interactive = sys.stderr.isatty()
    opener = None if no_browser else default_browser()
    text = waiting_text(opener is not None, browser_flow)

    def on_wait(left: float) -> None:
        if interactive:
            minutes, seconds = divmod(int(left), 60)
            click.echo(f"\r{text} {minutes}:{seconds:02d} left ", err=True, nl=False)

    return Interaction(notify=say, open_browser=opener, on_wait=on_wait)


def auto_login_ui(session: SsoSession) -> Interaction | None:
    """A sign-in someone can see: a browser to open, or a terminal to show the URL or code on.

    SDKs capture stderr, so without either the sign-in would go nowhere while the process held
    its locks for ten minutes; then the caller is told to log in instead. The flow is chosen
    as ``login`` chooses it."""
    if default_browser() is None and not sys.stderr.isatty():
        return None
    from ssohelper.signin.flow import choose_flow_here

    choice = choose_flow_here(
        use_device_code=False, named_session=session.name is not None, redirect_port=session.redirect_port
    )
    ui = terminal_interaction(no_browser=False, browser_flow=choice.browser)
    ui.flow = choice
    return ui


def style_choice(command: str) -> Any:
    """``--style``: the profile kinds ``command`` writes (``kinds.registry``), the default first."""
    from ssohelper.kinds import registry

    styles = registry.styles_for(command)
    words = [registry.by_style(style).style_help for style in styles]
    return click.option(
        "--style",
        type=click.Choice(list(styles)),
        default=registry.DEFAULT_STYLE,
        show_default=True,
        help=(", ".join(words[:-1]) + ", or " + words[-1] if len(words) > 1 else words[0]) + ".",
    )

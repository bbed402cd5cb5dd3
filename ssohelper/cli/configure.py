"""The configure command: the way in, from static keys (or nothing) to an SSO sign-in and profiles."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from ssohelper.cli.edits import apply_plan, recover_first
from ssohelper.cli.migrate import run_migrate
from ssohelper.cli.options import account_id_checked, debug_option, say, style_choice
from ssohelper.cli.output import chosen_format, output_options, show_document
from ssohelper.cli.populate import run_populate
from ssohelper.cli.session import sign_in
from ssohelper.errors import UsageError

if TYPE_CHECKING:
    from ssohelper.journal.backups import FileChange
    from ssohelper.models import SsoSession

CHOICES = ("migrate", "populate", "profile", "session")


@dataclass(frozen=True)
class Given:
    """The options of one configure run."""

    sso_session: str | None
    start_url: str | None
    sso_region: str | None
    migrate: bool
    populate: bool
    profile: str | None
    account_id: str | None
    role_name: str | None
    maps: tuple[str, ...]
    offline: bool
    template: str
    style: str
    command: str | None
    no_browser: bool
    use_device_code: bool
    dry_run: bool
    yes: bool
    output: str | None
    fmt: str = "table"

    @property
    def choice(self) -> str | None:
        chosen = [name for name, on in (("--migrate", self.migrate), ("--populate", self.populate)) if on]
        if self.profile:
            chosen.append("--profile")
        if len(chosen) > 1:
            raise UsageError(f"choose one of --migrate, --populate or --profile, not {' and '.join(chosen)}")
        return chosen[0][2:] if chosen else None


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def _ask(value: str | None, question: str, option: str, check: Callable[[str], str | None] | None = None) -> str:
    """The option's value, else the answer of the person at the terminal (asked again while
    ``check`` refuses it), else a usage error."""
    if value:
        return value
    if not _interactive():
        raise UsageError(f"give {option} (there is no terminal to ask on)")
    return str(click.prompt(question, err=True, value_proc=_answer_checked(check))).strip()


def _name_check(kind: str) -> Callable[[str], str | None]:
    from ssohelper.migration.sessions import checked_name

    return lambda text: checked_name(text.strip(), kind)


def _answer_checked(check: Callable[[str], str | None] | None) -> Callable[[str], str]:
    def answer(text: str) -> str:
        try:
            return (check(text) if check else text.strip()) or ""
        except UsageError as refused:
            raise click.BadParameter(str(refused)) from None

    return answer


@click.command("configure")
@click.option("--sso-session", "-s", help="The [sso-session NAME] to create or use.")
@click.option("--start-url", help="The Identity Center start URL (asked for on a terminal).")
@click.option("--sso-region", help="The Identity Center region (asked for on a terminal).")
@click.option("--migrate", is_flag=True, help="Then migrate every static-key profile (migrate-profiles).")
@click.option("--populate", is_flag=True, help="Then write a profile for every account and role (populate).")
@click.option("--profile", help="Then write this one profile, with --account-id and --role-name.")
@click.option("--account-id", callback=account_id_checked, help="With --profile (or --migrate: for every profile).")
@click.option("--role-name", help="With --profile (or --migrate: for every profile).")
@click.option("--map", "maps", multiple=True, metavar="PROFILE=ACCOUNT_ID:ROLE_NAME", help="With --migrate.")
@click.option("--offline", is_flag=True, help="With --migrate: accounts from the key IDs, no STS calls.")
@click.option("--template", default="{account_name}.{role_name}", show_default=True, help="With --populate.")
@style_choice("configure")
@click.option("--command", metavar="PROGRAM", help="What credential_process runs (default: this ssohelper).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser; only print the sign-in URL.")
@click.option("--use-device-code", is_flag=True, help="Sign in with a device code instead of the browser flow.")
@click.option("--dry-run", is_flag=True, help="Sign in, then show the plan and the diff; change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Run without a terminal: apply without asking.")
@output_options
@debug_option
def configure(**values: Any) -> None:
    """Set up SSO: an [sso-session], a sign-in, then the profiles, ending with no static keys.

    On a terminal it asks for what is missing and offers the next step: migrate the static-key
    profiles it found, a profile for every account and role, or one profile picked from a list.
    Without a terminal, --yes and one of --migrate, --populate or --profile do the same.

    Example: ssohelper configure --sso-session corp --start-url https://corp.awsapps.com/start
    --sso-region us-east-1 --migrate --yes
    """
    from ssohelper.ini import awsconfig
    from ssohelper.migration import sessions

    given = Given(**values)
    given = dataclasses.replace(given, fmt=chosen_format(given.output, default="table"))
    choice = given.choice
    if given.profile:
        sessions.checked_name(given.profile, "profile")
    config = awsconfig.load()
    _refuse_missing(given, config.sso_sessions)
    name = _ask(given.sso_session, "SSO session name", "--sso-session", _name_check("session"))
    url, region = given.start_url, given.sso_region
    if name not in config.sso_sessions:
        url = _ask(url, "SSO start URL", "--start-url", sessions.checked_url)
        region = _ask(region, "SSO region", "--sso-region", sessions.checked_region)
    session = sessions.requested(name, url, region, config=config)
    recover_first(given.dry_run)
    action = sign_in(session, no_browser=given.no_browser, use_device_code=given.use_device_code)
    if choice is None and _interactive() and not given.yes:
        choice = _menu()
    if not _next_step(choice or "session", session, given) and action == "reused":
        say(f"Nothing to change: [sso-session {name}] is configured and you are signed in.")


def _refuse_missing(given: Given, known: Any) -> None:
    """Without a terminal to ask on: every option still missing, named at once."""
    if _interactive():
        return
    wanted = ["--sso-session"]
    if given.sso_session not in known:
        wanted += ["--start-url", "--sso-region"]
    if given.profile:
        wanted += ["--account-id", "--role-name"]
    missing = [option for option in wanted if not _given(given, option)]
    if missing:
        raise UsageError(f"give {', '.join(missing)} (there is no terminal to ask on)")


def _given(given: Given, option: str) -> bool:
    return bool(getattr(given, option[2:].replace("-", "_")))


def _menu() -> str:
    from ssohelper.migration.configure import static_profiles

    found = static_profiles()
    say("What next?")
    say(f"  1. Migrate the {len(found)} profile(s) with static keys ({', '.join(found) or 'none found'})")
    say("  2. Write a profile for every account and role you can use")
    say("  3. Write one profile, picked from a list of accounts and roles")
    say("  4. Nothing more")
    picked = click.prompt("Choice", type=click.IntRange(1, 4), default=1 if found else 4, err=True)
    return CHOICES[picked - 1]


def _next_step(choice: str, session: SsoSession, given: Given) -> bool:
    """Do the chosen step; whether anything changed (or would, on a dry run)."""
    changed = False
    if choice == "migrate":
        request = _migrate_request(session, given)
        changed = run_migrate(request, dry_run=given.dry_run, yes=given.yes, deactivate_keys=False, fmt=given.fmt)
    elif choice == "populate":
        from ssohelper.migration.populate import Request

        request = Request(
            session.name or "", given.template, given.style, None, False, session.start_url, session.region
        )
        changed = run_populate(request, dry_run=given.dry_run, yes=given.yes, fmt=given.fmt)
    elif choice == "profile":
        changed = _profile_step(session, given)
    if changed or session.in_config:
        return changed
    from ssohelper.migration.configure import session_change

    # no profile to write: the session alone (a migrate or populate document already said session_added)
    quiet = dataclasses.replace(given, fmt="none") if choice != "session" and given.fmt != "table" else given
    return _show_and_apply(session_change(session), quiet, session)


def _migrate_request(session: SsoSession, given: Given) -> Any:
    from ssohelper.migration import planner
    from ssohelper.migration.discovery import parse_map

    return planner.Request(
        sso_session=session.name or "",
        start_url=session.start_url,
        sso_region=session.region,
        mapped=parse_map(given.maps),
        account_id=given.account_id,
        role_name=given.role_name,
        offline=given.offline,
        style=given.style,
        command=given.command,
    )


def _profile_step(session: SsoSession, given: Given) -> bool:
    """One profile: written beside the others, or, when it has static keys, migrated as
    migrate-profiles does (its keys leave both files, in one plan with a backup)."""
    from ssohelper.migration import configure, planner
    from ssohelper.models import AccountRole

    profile, account_id, role_name = _one_profile(session, given)
    target = AccountRole(account_id, role_name)
    if profile in configure.static_profiles():
        request = dataclasses.replace(
            _migrate_request(session, given), only=(profile,), mapped={profile: target}, account_id=None, role_name=None
        )
        return run_migrate(request, dry_run=given.dry_run, yes=given.yes, deactivate_keys=False, fmt=given.fmt)
    command, _ = planner.credential_command(given.command)
    change = configure.profile_change(session, profile, target, style=given.style, command=command)
    return _show_and_apply(change, given, session, (profile, account_id, role_name))


def _one_profile(session: SsoSession, given: Given) -> tuple[str, str, str]:
    account_id, role_name, suggested = given.account_id, given.role_name, None
    if not (account_id and role_name):
        if not _interactive():
            raise UsageError("--profile needs --account-id and --role-name (there is no terminal to ask on)")
        account_id, role_name, suggested = _pick_role(session)
    profile = given.profile or str(
        click.prompt("Profile name", default=suggested, err=True, value_proc=_answer_checked(_name_check("profile")))
    )
    return profile, account_id, role_name


def _pick_role(session: SsoSession) -> tuple[str, str, str]:
    from ssohelper.listings.accounts import list_access
    from ssohelper.migration.generated import safe_name
    from ssohelper.signin.login import usable_token

    found = sorted(list_access(session, usable_token(session)), key=lambda r: (r.account_id, r.role_name))
    if not found:
        raise UsageError(f"your sign-in to '{session.label}' gives no account and role to pick")
    for number, item in enumerate(found, 1):
        say(f"  {number}. {item.account_id} ({item.account_name}) {item.role_name}")
    picked = found[click.prompt("Role number", type=click.IntRange(1, len(found)), err=True) - 1]
    return picked.account_id, picked.role_name, safe_name(f"{picked.account_name}.{picked.role_name}")


def _show_and_apply(
    change: FileChange | None, given: Given, session: SsoSession, profile: tuple[str, str, str] | None = None
) -> bool:
    from ssohelper.journal.masking import masked_diff
    from ssohelper.migration.plandoc import change_document

    if given.fmt in ("json", "text"):
        show_document(change_document(session, change, profile), given.fmt)
    if change is None:
        return False
    if given.fmt == "table":
        click.echo(masked_diff([(change.path, change.before, change.after)]), nl=False)
    if given.dry_run:
        say("Dry run: nothing was changed.")
        return True
    apply_plan([change], yes=given.yes, done="Updated the config.", command="migrate-profiles")
    return True

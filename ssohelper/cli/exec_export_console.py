"""Role credentials for tools that cannot use profiles: exec, export, console."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable

import click

from ssohelper.cli.options import debug_option, profile_option, say
from ssohelper.cli.serve import min_ttl_option, serve_options
from ssohelper.roles import envcreds

_PROFILE_HELP = "A profile that uses SSO or ssohelper's credential_process (default: AWS_PROFILE, else default)."


def _ask_mfa() -> Callable[[str], str] | None:
    """A prompt for a chained profile's MFA code, when a person is at the terminal."""
    if not sys.stdin.isatty():
        return None
    return lambda serial: str(click.prompt(f"MFA code for {serial}", err=True)).strip()


def _credentials(profile: str | None, region: str | None = None) -> envcreds.ProfileCredentials:
    return envcreds.profile_credentials(profile, ask_mfa=_ask_mfa(), region=region)


@click.command("exec", context_settings={"allow_interspersed_args": False})
@profile_option(_PROFILE_HELP)
@click.option("--region", help="Sets AWS_REGION and AWS_DEFAULT_REGION (default: the environment, the profile).")
@click.option("--allow-nested", is_flag=True, help="Run even inside another 'ssohelper exec'.")
@click.option("--server", is_flag=True, help="Give the command a private credential server instead of keys.")
@min_ttl_option
@debug_option
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def exec_command(
    profile: str | None,
    region: str | None,
    allow_nested: bool,
    server: bool,
    min_ttl: str | None,
    command: tuple[str, ...],
) -> int:
    """Run a command (default: your $SHELL) with the profile's role credentials in its environment.

    It gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
    AWS_CREDENTIAL_EXPIRATION, AWS_REGION and AWS_DEFAULT_REGION; AWS_PROFILE is removed.
    The region is --region, else AWS_REGION/AWS_DEFAULT_REGION, else the profile's, as in
    the SDKs. Options go before --; its exit code and signals are its own.

    With --server it gets AWS_CONTAINER_CREDENTIALS_FULL_URI and
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE instead of keys: a server that lives as long as the
    command, so a program that runs for hours keeps getting fresh credentials.

    Example: ssohelper exec --profile dev -- terraform plan
    (or: ssohelper exec --profile dev --server -- python long_job.py)
    """
    envcreds.refuse_nesting(os.environ, allow=allow_nested)
    argv = command or (os.environ.get("SHELL") or "/bin/sh",)
    if server:
        from ssohelper.serve import child
        from ssohelper.serve.server import open_for

        found, endpoint = open_for(profile, serve_options(min_ttl), ask_mfa=_ask_mfa())
        if region:  # --region outranks the environment and the profile, as without --server
            found = dataclasses.replace(found, region=region)
        return child.run(argv, os.environ, found, endpoint)
    if min_ttl is not None:
        raise click.UsageError("--min-ttl applies to --server only")
    found = _credentials(profile, region)
    if not command:
        say(f"Starting {argv[0]} with the credentials of '{found.profile}'; exit it to return.")
    return envcreds.run(argv, envcreds.child_environment(os.environ, found))


@click.command("export")
@profile_option(_PROFILE_HELP)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(envcreds.FORMATS),
    default="process",
    show_default=True,
    help="The AWS CLI's export-credentials formats, plus json (one compact object with region).",
)
@debug_option
def export(profile: str | None, fmt: str) -> None:
    """Print the profile's role credentials for a shell or a tool (secrets on stdout only).

    Example: eval "$(ssohelper export --profile dev --format env)"
    """
    found = _credentials(profile)
    sys.stdout.write(envcreds.render(found, fmt))


@click.command("console")
@profile_option(_PROFILE_HELP)
@click.option("--print", "print_only", is_flag=True, help="Print the URL on stdout instead of opening a browser.")
@click.option("--destination", metavar="URL", help="The console page to land on (default: the console home).")
@click.option(
    "--duration", type=click.IntRange(15, 720), metavar="MIN", help="Console session length in minutes (15-720)."
)
@debug_option
def console(profile: str | None, print_only: bool, destination: str | None, duration: int | None) -> None:
    """Open the AWS console signed in as the profile's role (via the federation endpoint).

    The sign-in endpoint follows the partition (aws, aws-us-gov, aws-cn); set
    AWS_ENDPOINT_URL_SIGNIN to use another. The call honours HTTPS_PROXY/NO_PROXY and the CA
    bundle botocore would use (AWS_CA_BUNDLE, else the profile's ca_bundle).

    Example: ssohelper console --profile dev --destination https://console.aws.amazon.com/s3/
    """
    from ssohelper.aws import bounded
    from ssohelper.ini import awsconfig
    from ssohelper.roles.console import console_link, http_getter
    from ssohelper.signin.login import default_browser

    found = _credentials(profile)
    cafile = bounded.ca_bundle(awsconfig.load().profile(profile or awsconfig.default_profile()))
    link = console_link(
        found.credentials,
        found.target.session.region,
        destination=destination,
        duration=duration,
        opener=http_getter(cafile),
    )
    opener = None if print_only else default_browser()
    if opener is None or opener(link.url) is False:  # webbrowser answers False when it found none
        if not print_only:
            say("No browser could be opened; open this URL yourself (valid for 15 minutes):")
        click.echo(link.url)
        return
    say(f"Opened the {link.partition} console for {found.target.role_name} in {found.target.account_id}.")

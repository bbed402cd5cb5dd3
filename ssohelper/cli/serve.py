"""serve: a local credential server for containers and long-running programs."""

from __future__ import annotations

import os
import sys

import click

from ssohelper.cli.options import debug_option, profile_option, say
from ssohelper.settings import DEFAULT_MIN_TTL, ProcessOptions, process_options

LINE_FORMATS = ("env", "env-no-export", "powershell", "windows-cmd", "fish")


min_ttl_option = click.option(
    "--min-ttl",
    metavar="MIN",
    help=f"Serve cached credentials while more than MIN minutes remain; below, fetch fresh ones "
    f"(default {DEFAULT_MIN_TTL // 60}, as credential-process).",
)


def serve_options(min_ttl: str | None) -> ProcessOptions:
    """credential-process's options (the settings file, then --min-ttl), checked the same way."""
    return process_options({} if min_ttl is None else {"--min-ttl": min_ttl})


@click.command("serve")
@profile_option("A profile that exec accepts (default: AWS_PROFILE, else default).")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="The port (default: a random free one).")
@min_ttl_option
@click.option("--imds", is_flag=True, help="Serve the EC2 instance metadata (IMDSv2) format instead of ECS.")
@click.option(
    "--bind-exposed",
    metavar="ADDRESS",
    help="Listen on this IPv4 address instead of 127.0.0.1 (say 169.254.170.2 for containers); "
    "whoever reaches it may try the door. The token and Host checks still apply.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(LINE_FORMATS),
    default="env",
    show_default=True,
    help="How to print the variables to set (the export formats).",
)
@debug_option
def serve(profile: str | None, port: int, min_ttl: str | None, imds: bool, bind_exposed: str | None, fmt: str) -> None:
    """Serve the profile's role credentials to SDKs over loopback HTTP, in the ECS container format.

    Prints the variables to set (AWS_CONTAINER_CREDENTIALS_FULL_URI,
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, AWS_CONTAINER_AUTHORIZATION_TOKEN) on stdout, then
    serves until Ctrl-C or SIGTERM, and removes its token file.

    Example: ssohelper serve --profile dev --format env > dev.env &
    """
    from ssohelper.roles.envcreds import format_lines
    from ssohelper.serve import server
    from ssohelper.serve.peer import PROC_TCP
    from ssohelper.serve.tokenfile import keep_output_private

    options = serve_options(min_ttl)
    with server.StopSignals() as signals:  # a signal interrupts the first fetch, then ends the wait
        found, endpoint = server.open_for(profile, options, port=port, exposed=bind_exposed, imds=imds)
        signals.serving()
        try:
            if not imds:  # the lines hold the token
                keep_output_private(sys.stdout.fileno())
            sys.stdout.write(format_lines(endpoint.variables(), fmt))
            sys.stdout.flush()
            what = "instance metadata (IMDSv2)" if imds else "container credentials"
            say(f"Serving {what} for profile '{found.profile}' at {endpoint.url}; Ctrl-C stops it.")
            if imds and not os.path.exists(PROC_TCP):
                say("IMDS clients send no secret, and here the server can't tell users apart: any local user can ask.")
            if bind_exposed:
                say(f"Listening on {bind_exposed}: whoever reaches it can knock (the token is still needed).")
            stopped_by = signals.wait()
        finally:
            endpoint.stop()
    say(f"Stopped ({stopped_by}); the token file is removed.")

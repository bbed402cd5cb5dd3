"""serve: a local credential server for containers and long-running programs."""

from __future__ import annotations

import os
import shlex
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


IMDS_MIN_TTL = 5 * 60.0  # EC2 renews instance credentials at least 5 minutes before they expire


def serve_options(min_ttl: str | None, *, imds: bool = False) -> ProcessOptions:
    """credential-process's options (the settings file, then --min-ttl), checked the same way.

    For --imds, at least 5 minutes: botocore's IMDS provider treats credentials with less left
    as "static stability" and goes on signing with them after they expire."""
    options = process_options({} if min_ttl is None else {"--min-ttl": min_ttl})
    if imds and options.min_ttl < IMDS_MIN_TTL:
        say(
            f"--imds: serving credentials with at least {IMDS_MIN_TTL // 60:.0f} minutes left, as EC2 does "
            f"(not {options.min_ttl / 60:g}): with less, botocore keeps signing with them after they expire"
        )
        options = ProcessOptions(options.store, IMDS_MIN_TTL, options.auto_login, options.lock_timeout)
    return options


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
@click.option(
    "--env-file",
    metavar="FILE",
    help="Write the variables to FILE (created 0600, replaced atomically, removed on stop) instead of stdout.",
)
@debug_option
def serve(
    profile: str | None,
    port: int,
    min_ttl: str | None,
    imds: bool,
    bind_exposed: str | None,
    fmt: str,
    env_file: str | None,
) -> None:
    """Serve the profile's role credentials to SDKs over loopback HTTP, in the ECS container format.

    Prints the variables to set (AWS_CONTAINER_CREDENTIALS_FULL_URI,
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, AWS_CONTAINER_AUTHORIZATION_TOKEN, and AWS_CONFIG_FILE
    with AWS_PROFILE naming a profile of no credentials, so a default profile's can't win) on
    stdout or into --env-file, then serves until Ctrl-C or SIGTERM, and removes its files.

    Example: ssohelper serve --profile dev --env-file dev.env &
    """
    from ssohelper.serve import peer, server, shadow, tokenfile

    options = serve_options(min_ttl, imds=imds)
    with server.StopSignals() as signals:  # a signal interrupts the first fetch, then ends the wait
        found, endpoint = server.open_for(profile, options, port=port, exposed=bind_exposed, imds=imds)
        signals.serving()
        lines, written = None, False
        try:
            lines = shadow.winning_lines(found, endpoint, os.environ, private=bind_exposed is None)
            written = _print_lines(lines.variables, fmt, env_file)
            what = "instance metadata (IMDSv2)" if imds else "container credentials"
            say(f"Serving {what} for profile '{found.profile}' at {endpoint.url}; Ctrl-C stops it.")
            if lines.note:
                say(lines.note)
            if imds and not os.path.exists(peer.PROC_TCP):
                say("IMDS clients send no secret, and here the server can't tell users apart: any local user can ask.")
            if bind_exposed:
                say(f"Listening on {bind_exposed}: whoever reaches it can knock (the token is still needed).")
            stopped_by = signals.wait()
        finally:
            endpoint.stop()
            if lines is not None:
                shadow.remove(lines)
            if env_file and written:
                tokenfile.remove(env_file)
    say(f"Stopped ({stopped_by}); its files are removed.")


def _print_lines(variables: dict[str, str], fmt: str, env_file: str | None) -> bool:
    """On stdout (made private first when it is a file: the lines hold the token), or into a
    file of its own, created 0600 by ssohelper (a shell redirect makes it with the umask first);
    whether that file was written."""
    from ssohelper.cache import fileio
    from ssohelper.errors import ConfigError
    from ssohelper.roles.envcreds import format_lines
    from ssohelper.serve.tokenfile import keep_output_private

    text = format_lines(variables, fmt)
    if env_file:
        try:
            fileio.write_atomic(os.path.abspath(env_file), text.encode(), mode=0o600)
        except OSError as exc:
            raise ConfigError(f"can't write {env_file} ({exc.strerror}); nothing is served") from None
        say(f"Wrote the variables to {env_file} (0600); load them with: . {shlex.quote(env_file)}")
        return True
    keep_output_private(sys.stdout.fileno())
    sys.stdout.write(text)
    sys.stdout.flush()
    return False

"""The demo command."""

from __future__ import annotations

import click

from ssohelper.cli.options import debug_option, say


@click.command()
@debug_option
def demo() -> None:
    """Show the whole flow against the bundled emulator, in a throw-away HOME.

    Starts the emulator, signs in (auto-approved), fetches role credentials twice (the second
    time from the cache) and lets botocore read them. Your own ~/.aws is never touched.

    Example: ssohelper demo
    """
    from ssohelper.demo import run_demo

    run_demo(say)

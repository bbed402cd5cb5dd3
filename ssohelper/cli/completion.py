"""Shell completion scripts (click's own), for bash, zsh and fish."""

from __future__ import annotations

import click

from ssohelper.cli.options import debug_option

PROG = "ssohelper"
COMPLETE_VAR = "_SSOHELPER_COMPLETE"


@click.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
@debug_option
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script; profile and sso-session names complete from your config.

    Example: ssohelper completion bash > ~/.local/share/bash-completion/completions/ssohelper
    """
    from click.shell_completion import get_completion_class

    completer = get_completion_class(shell)
    if completer is None:  # click knows all three; a future click might drop one
        raise click.UsageError(f"click has no completion for {shell}")
    root = ctx.find_root().command
    click.echo(completer(root, {}, PROG, COMPLETE_VAR).source(), nl=False)

"""Every command has help with an example, is in the README, and completes in the shell."""

from __future__ import annotations

import os
import subprocess

import pytest
from helpers import REPO, ssohelper_cmd

from ssohelper.cli.app import cli

COMMANDS = sorted(cli.commands)
# A group's commands are documented and helped as commands of their own: "keys retire".
SUBCOMMANDS = sorted(f"{name} {sub}" for name, group in cli.commands.items() for sub in getattr(group, "commands", {}))


def test_the_expected_commands_exist():
    expected = {"login", "logout", "status", "list", "credential-process", "migrate-profiles", "populate", "demo"}
    expected |= {"exec", "export", "console", "audit", "scp-policy", "completion"}
    assert expected <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS + SUBCOMMANDS)
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name, cli):
    result = cli(*name.split(), "--help")
    assert result.code == 0
    assert "Example" in result.out and "--debug" in result.out
    readme = (REPO / "README.md").read_text()
    assert f"### `ssohelper {name}" in readme


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shipped_completion_scripts_are_current(shell):
    generated = subprocess.run(
        ssohelper_cmd(),
        env={**os.environ, "_SSOHELPER_COMPLETE": f"{shell}_source"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert generated.stdout == (REPO / "completions" / f"ssohelper.{shell}").read_text()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_command_prints_the_shipped_script(shell, tmp_path):
    printed = subprocess.run([*ssohelper_cmd(), "completion", shell], capture_output=True, text=True, timeout=30)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == (REPO / "completions" / f"ssohelper.{shell}").read_text()
    if shell == "bash":
        script = tmp_path / "ssohelper.bash"
        script.write_text(printed.stdout)
        assert subprocess.run(["bash", "-n", str(script)], capture_output=True, timeout=30).returncode == 0


def test_profile_and_session_names_complete_from_the_config(config):
    def complete(words: str) -> list[str]:
        env = {
            **os.environ,
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
            "_SSOHELPER_COMPLETE": "bash_complete",
        }
        out = subprocess.run(ssohelper_cmd(), env=env, capture_output=True, text=True, timeout=30).stdout
        return out.splitlines()

    assert complete("ssohelper exec --profile d") == ["plain,dev"]
    assert complete("ssohelper status --profile ") == ["plain,dev", "plain,legacy"]
    assert complete("ssohelper login --sso-session c") == ["plain,corp"]
    assert complete("ssohelper export -p le") == ["plain,legacy"]


def test_bash_completion_offers_subcommands_and_options():
    def complete(words: str) -> str:
        env = {
            **os.environ,
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - 1),
            "_SSOHELPER_COMPLETE": "bash_complete",
        }
        return subprocess.run(ssohelper_cmd(), env=env, capture_output=True, text=True, timeout=30).stdout

    assert "plain,migrate-profiles" in complete("ssohelper mig")
    assert "plain,--auto-login" in complete("ssohelper credential-process --auto")

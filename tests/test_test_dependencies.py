"""The test set-up: a missing test dependency skips locally and fails under CI=true
(helpers.require); the test extras shadow no tool; Ctrl-C reaches children of a background runner."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, popen_interruptible, require


@pytest.mark.parametrize("ci", ["true", "1", "True"])
def test_a_missing_dependency_fails_the_run_under_ci(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="missing test dependency under CI=true: gnome-keyring"):
        require(None, "gnome-keyring")


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_a_missing_dependency_skips_locally(monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="missing test dependency: gnome-keyring"):
        require("", "gnome-keyring")


def test_a_present_dependency_neither_skips_nor_fails(monkeypatch):
    monkeypatch.setenv("CI", "true")
    require("/usr/bin/gnome-keyring-daemon", "gnome-keyring")


def test_the_test_extras_leave_the_users_aws_cli_alone():
    """Installing '.[test]' must not put an `aws` on the venv's PATH: the AWS CLI v1 for the interop
    tests comes from its own venv (the aws_cli fixture)."""
    extras = [r for r in importlib.metadata.requires("ssohelper") or [] if "extra ==" in r and "test" in r]
    assert extras, "the test extras were not found in the installed metadata"
    names = {re.split(r"[ ;<>=!~\[]", requirement, maxsplit=1)[0].lower() for requirement in extras}
    assert not names & {"awscli", "aws-cli", "awscliv2"}, names


def test_a_child_started_while_sigint_is_ignored_still_takes_ctrl_c():
    """A runner started as a background job ignores SIGINT; popen_interruptible gives the child the default."""
    probe = "import signal; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        plain = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
        child = popen_interruptible([sys.executable, "-c", probe], stdout=subprocess.PIPE, text=True)
        out, _ = child.communicate(timeout=60)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert plain.stdout.strip() == "False"  # an ignored signal stays ignored across exec
    assert out.strip() == "True"
    assert signal.getsignal(signal.SIGINT) is previous


def test_every_test_that_sends_sigint_runs_with_it_ignored_in_the_runner():
    """A test that interrupts a child or itself with SIGINT asks for runner_ignores_sigint, so that
    each run shows it passes in a runner started as a background job (SIGINT ignored)."""
    missing, found = [], 0
    for path in sorted((REPO / "tests").glob("test_*.py")):
        if path.name == Path(__file__).name:  # this file's tests ignore SIGINT themselves
            continue
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test_"):
                continue
            if "SIGINT" in (ast.get_source_segment(text, node) or "") + "".join(
                ast.get_source_segment(text, d) or "" for d in node.decorator_list
            ):
                found += 1
                if "runner_ignores_sigint" not in [arg.arg for arg in node.args.args]:
                    missing.append(f"{path.name}::{node.name}")
    assert found >= 7 and missing == [], missing

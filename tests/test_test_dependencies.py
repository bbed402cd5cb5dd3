"""A missing test dependency skips locally and fails under CI=true (helpers.require)."""

from __future__ import annotations

import pytest
from helpers import require


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

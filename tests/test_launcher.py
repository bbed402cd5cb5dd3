"""The credential_process launcher: written for this install, repointed when its install is gone."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from helpers import run_ssohelper

from ssohelper.roles import launcher


def place(text: str) -> Path:
    target = Path(launcher.path())
    target.parent.mkdir(parents=True, mode=0o700)
    target.write_text(text)
    target.chmod(0o755)
    return target


def test_a_launcher_whose_install_is_gone_is_repointed_by_the_next_command(isolated_home, tmp_path):
    gone = tmp_path / "deleted-checkout"
    target = place(launcher.script(str(gone / ".venv" / "bin" / "python"), str(gone)))
    result = run_ssohelper("--version")
    assert result.returncode == 0, result.stderr
    assert f"launcher ran ssohelper from {gone / '.venv' / 'bin' / 'python'}, which is gone" in result.stderr
    assert target.read_text() == launcher.script(launcher.interpreter(), launcher.package_parent())
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    ran = subprocess.run([str(target), "--version"], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0 and "ssohelper, version" in ran.stdout
    again = run_ssohelper("--version")
    assert "launcher" not in again.stderr  # a working launcher is left alone


def test_a_launcher_of_another_working_install_is_left_alone(isolated_home):
    other = launcher.script(launcher.interpreter(), launcher.package_parent()).replace("# The", "# another install's")
    target = place(other)
    assert run_ssohelper("--version").returncode == 0
    assert target.read_text() == other


def test_a_launcher_whose_directory_moved_still_starts_ssohelper_through_site(isolated_home, tmp_path):
    # a pipx reinstall on another Python version moves site-packages; the interpreter path stays
    target = place(launcher.script(launcher.interpreter(), str(tmp_path / "lib" / "python3.99" / "site-packages")))
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    ran = subprocess.run([str(target), "--version"], capture_output=True, text=True, timeout=60, env=env)
    assert ran.returncode == 0 and "ssohelper, version" in ran.stdout, ran.stderr

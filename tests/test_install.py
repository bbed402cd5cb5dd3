"""The README's Install section, run as a user runs it: pipx installs the checkout in a fresh
HOME, and the completion lines work in bash, zsh and fish there."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import REPO, require


def install_blocks() -> list[list[str]]:
    """The shell lines of each ```sh block in the README's "## Install" section (comments out)."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("\n## Install\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    return [[line for line in block.splitlines() if line and not line.startswith("#")] for block in blocks]


def shell(line: str, home: Path, path: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {"HOME": str(home), "PATH": path, "LANG": "C.UTF-8", "ZDOTDIR": str(home)}
    return subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A fresh HOME where the README's install lines ran (pipx from the test extras); its PATH."""
    pipx = shutil.which("pipx")
    require(pipx, "pipx (in the test extras)")
    home = tmp_path_factory.mktemp("fresh") / "home"
    home.mkdir()
    path = os.pathsep.join(
        [str(home / ".local" / "bin"), os.path.dirname(str(pipx)), "/usr/local/bin", "/usr/bin", "/bin"]
    )
    install, _completion = install_blocks()
    for line in install:
        done = shell(line, home, path)
        assert done.returncode == 0, f"{line}: {done.stderr[-2000:]}"
    return home, path


def test_the_readme_installs_with_pipx_into_a_fresh_home(installed):
    home, path = installed
    program = home / ".local" / "bin" / "ssohelper"
    assert program.exists() and ".venv" not in str(program.resolve())  # pipx's own venv, not the checkout's
    version = shell("ssohelper --version", home, path, cwd=home)
    assert version.returncode == 0 and version.stdout.startswith("ssohelper, version ")


def test_the_readme_completion_lines_work_in_a_fresh_home_for_bash_zsh_and_fish(installed):
    home, path = installed
    for tool in ("zsh", "fish"):
        require(shutil.which(tool), tool)
    require(Path("/usr/share/bash-completion/bash_completion").exists(), "bash-completion")
    for line in install_blocks()[1]:
        done = shell(line, home, path, cwd=home)
        assert done.returncode == 0, f"{line}: {done.stderr}"
    bash = shell(
        ". /usr/share/bash-completion/bash_completion; __load_completion ssohelper;"
        " COMP_WORDS=(ssohelper comp); COMP_CWORD=1; _ssohelper_completion ssohelper; echo ${COMPREPLY[@]}",
        home,
        path,
        cwd=home,
    )
    assert bash.stdout.split() == ["completion"], bash.stderr
    zsh = shell("zsh -i -c 'print -r -- $_comps[ssohelper]'", home, path, cwd=home)
    assert zsh.stdout.strip() == "_ssohelper", zsh.stderr
    fish = shell("fish -c 'complete -C \"ssohelper comp\"'", home, path, cwd=home)
    assert fish.stdout.startswith("completion\t"), fish.stderr

"""The program credential_process lines run: a small launcher at a path that outlives reinstalls.

pip's console script (what pipx links onto PATH too) imports ``re`` before ssohelper starts, and
a credential_process line runs on every SDK start: through it a cache hit took 2x a bare
interpreter start. The launcher is a file ssohelper writes into its private data dir (0700; the
file 0755, only the user may write either): a shebang naming this install's interpreter by its
venv path (``bin/python``, which ``pip install --force-reinstall``, upgrades and ``pipx
reinstall`` keep) with ``-IS``, the directory this ssohelper is imported from, and one import.

``-I`` keeps the current directory, the user site and PYTHON* variables off the path; ``-S``
skips ``site`` (its .pth files and sitecustomize), which a cache hit doesn't need: the hit
imports only the standard library and ssohelper. Anything else (a miss, --help, an error) goes
to the CLI, which runs ``site`` first (``__main__``). Should that directory move (a pipx
reinstall on another Python version), the launcher looks where ``site`` would.

The config names the launcher, never the install: when the install it names is gone (a
deleted checkout or venv), the next ssohelper command from another install points the same
file there, and every profile works again without editing ~/.aws.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys

from ssohelper import paths
from ssohelper.cache.fileio import ensure_private_dir, write_atomic

NAME = "ssohelper"  # the line's program is recognised by this name (ini.profiles)
_SHEBANG_MAX = 120  # bytes; older kernels cut a shebang line at 127
_FLAGS = "-IS"  # one word: a shebang passes everything after the interpreter as one argument
_APPEND = "sys.path.append("
_PROBE = (
    "import sys, os; sys.path.append(sys.argv[1]); import ssohelper.__main__ as m; print(os.path.realpath(m.__file__))"
)

_SCRIPT = """#!{python} {flags}
# The credential_process launcher of ssohelper, which rewrites this file: edits are lost.
# It starts ssohelper without site or the console script's imports; ~/.aws/config lines run it.
import sys
{append}{where!r})
try:
    from ssohelper.__main__ import main
except ImportError:  # that install moved: look where site would
    import site

    site.main()
    try:
        from ssohelper.__main__ import main
    except ImportError:
        sys.exit({message!r})
sys.exit(main())
"""


def path() -> str:
    return os.path.join(paths.user_data_dir(), "bin", NAME)


def interpreter() -> str:
    """This install's interpreter as its venv names it: ``bin/python`` survives a pipx reinstall
    that changes the Python version (``python3.11`` would not)."""
    plain = os.path.join(os.path.dirname(sys.executable), "python")
    try:
        return plain if os.path.samefile(plain, sys.executable) else sys.executable
    except OSError:
        return sys.executable


def package_parent() -> str:
    """The directory this ssohelper is imported from (site-packages, or an editable checkout)."""
    import ssohelper

    return os.path.dirname(os.path.dirname(os.path.realpath(ssohelper.__file__)))


def script(python: str, where: str) -> str:
    message = f"ssohelper: {python} has no ssohelper now; reinstall it, then run any ssohelper command"
    return _SCRIPT.format(python=python, flags=_FLAGS, append=_APPEND, where=where, message=message)


@functools.cache
def usable(python: str, where: str) -> bool:
    """Whether a launcher can start this very ssohelper: a shebang can name ``python`` (no
    spaces, short enough), and ``python -IS`` imports this copy from ``where``."""
    if os.name != "posix" or any(c.isspace() for c in python) or len(python) > _SHEBANG_MAX:
        return False
    try:
        done = subprocess.run(
            [python, _FLAGS, "-c", _PROBE, where], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == os.path.join(package_parent(), "ssohelper", "__main__.py")


def program() -> str | None:
    """The launcher's path when this install can run through one (it is written on apply), else None."""
    return path() if usable(interpreter(), package_parent()) else None


def install() -> str:
    """Write the launcher for this install unless it already is; returns its path."""
    target, text = path(), script(interpreter(), package_parent()).encode()
    if _current(target) != text:
        ensure_private_dir(os.path.dirname(target))
        write_atomic(target, text, mode=0o755)
    return target


def install_if_named(contents: list[bytes]) -> None:
    """Before lines that run the launcher are written: make sure it runs this install."""
    named = os.fsencode(path())
    if any(named in data for data in contents):
        install()


def repair() -> str | None:
    """Point a launcher whose install is gone at this one; a sentence saying so, or None."""
    current = _current(path())
    named = _named(current) if current else None
    if named is None:
        return None
    python, where = named
    gone = python if not os.path.exists(python) else None
    if where is not None and not os.path.isfile(os.path.join(where, "ssohelper", "__main__.py")):
        gone = gone or where
    if gone is None or not usable(interpreter(), package_parent()):
        return None
    install()
    return f"the credential_process launcher ran ssohelper from {gone}, which is gone; it now runs {interpreter()}"


def _named(text: bytes) -> tuple[str, str | None] | None:
    """(interpreter, directory) a launcher names; None for a file that is no launcher of ours."""
    import ast

    lines = text.decode(errors="replace").splitlines()
    if not lines or not lines[0].startswith("#!"):
        return None
    python = lines[0][2:].rsplit(" ", 1)[0]
    where = None
    for line in lines:
        if line.startswith(_APPEND) and line.endswith(")"):
            try:
                where = ast.literal_eval(line[len(_APPEND) : -1])
            except (ValueError, SyntaxError):
                where = None
    return python, where if isinstance(where, str) else None


def _current(target: str) -> bytes | None:
    try:
        with open(target, "rb") as handle:
            return handle.read(4096)
    except OSError:
        return None

"""The command line: parse, call the library, render. Nothing in the library imports this package.

The group and every command are registered here, explicitly: importing one command module
never registers another.
"""

from __future__ import annotations

import errno
import time
import traceback

import click

from ssohelper import __version__, errors
from ssohelper.cache.fileio import Untrusted
from ssohelper.cli import (
    audit,
    ci,
    completion,
    configure,
    demo,
    exec_export_console,
    iamreport,
    iamusers,
    keys,
    migrate,
    migrateci,
    populate,
    process,
    rotate,
    scp,
    serve,
    session,
)
from ssohelper.cli.options import debug_enabled, debug_option, say
from ssohelper.errors import SsoHelperError
from ssohelper.ini.read import display_path
from ssohelper.names import printable


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ssohelper")
@debug_option
def cli() -> None:
    """Retire static AWS access keys: sign in with IAM Identity Center, serve short-lived
    role credentials to every SDK, and migrate old profiles.

    New here, with access keys in ~/.aws/credentials? Run: ssohelper audit, then ssohelper
    configure (it asks for your start URL and region, signs you in, and moves the profiles).

    Example: ssohelper login --sso-session corp
    """


for _command in (
    configure.configure,
    session.login,
    session.logout,
    session.status,
    session.list_roles,
    process.credential_process,
    migrate.migrate_profiles,
    populate.populate,
    demo.demo,
    exec_export_console.exec_command,
    exec_export_console.export,
    exec_export_console.console,
    serve.serve,
    audit.audit,
    scp.scp_policy,
    ci.ci_role,
    migrateci.migrate_ci,
    rotate.rotate_key,
    keys.keys,
    iamusers.iam_users,
    completion.completion,
):
    cli.add_command(_command)
iamusers.iam_users.add_command(iamreport.report)


# Filesystem failures a user can cause and fix (a read-only or full disk, another user's
# directory, a file where a directory should be), when no more specific check caught them.
_FORESEEABLE = frozenset(
    {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.ENOTDIR, errno.EISDIR, errno.ELOOP}
)


def run(argv: list[str], *, started: float | None = None) -> int:
    """Run the CLI and turn every failure into a one-line message and a documented exit code.

    ``started`` (time.monotonic()) is when the process began: credential-process's budget."""
    obj = {"started": time.monotonic() if started is None else started}
    _repair_launcher()
    try:
        result = cli.main(args=argv, prog_name="ssohelper", standalone_mode=False, obj=obj)
        return result if isinstance(result, int) else 0
    except SsoHelperError as exc:
        text = str(exc)  # it may quote a server's words: printable, as names are (ssohelper.names)
        say(f"ssohelper: {printable(text, ini=False, limit=len(text))}")
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except (KeyboardInterrupt, click.Abort):
        say("\nssohelper: interrupted; nothing was changed")
        return errors.EXIT_INTERRUPTED
    except Untrusted as exc:  # another user's file or directory where ssohelper keeps its own
        say(f"ssohelper: refusing {display_path(exc.path)}: it {exc.reason}; {exc.fix}")
        return errors.EXIT_CONFIG
    except OSError as exc:
        if exc.errno not in _FORESEEABLE or not exc.filename:
            return _bug(exc)
        # a read-only, full or foreign place that no more specific check caught: name it
        say(f"ssohelper: can't use {display_path(str(exc.filename))}: {exc.strerror}; check that path")
        return errors.EXIT_CONFIG
    except Exception as exc:
        return _bug(exc)


def _repair_launcher() -> None:
    """A credential_process launcher left by a deleted install now runs this one (and says so)."""
    from ssohelper.roles import launcher

    try:
        repaired = launcher.repair()
    except Exception as exc:  # never fail a command over it; the launcher says what to do
        repaired = None
        if debug_enabled():
            say(f"ssohelper debug: the credential_process launcher was not checked ({exc})")
    if repaired:
        say(f"ssohelper: {repaired}")


def _bug(exc: Exception) -> int:
    """A bug: one line, and the traceback only on request."""
    if debug_enabled():
        traceback.print_exc()
    say(f"ssohelper: unexpected {exc.__class__.__name__}; rerun with --debug and report it")
    return errors.EXIT_ERROR

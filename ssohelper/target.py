"""Which cached role a credential-process call means: one rule for the fast and the slow path.

Stdlib only, and light: the cache hit in ``fastpath`` parses its arguments with
``settings.parse`` and resolves them with ``resolve``; the click command resolves the same
options with the same ``resolve``. Both raise the same errors, so the two paths cannot drift apart.

A profile or a named session needs the AWS config file. Parsing it costs time in proportion
to its size, so a successful answer is remembered in a small private file beside the cache
entries, stamped with the config file's identity (size, mtime, inode). A changed config
file, another AWS_CONFIG_FILE, or a damaged memo simply means parsing again.
"""

from __future__ import annotations

from ssohelper import paths
from ssohelper.ini import profiles
from ssohelper.ini.profiles import RoleRef

TYPE_CHECKING = False  # importing typing costs ~3 ms on the hot path
if TYPE_CHECKING:
    from ssohelper.ini.profiles import Rule


def resolve(options: dict[str, str], *, config: dict[str, dict] | None = None) -> RoleRef:
    """The role these options name, or the UsageError/ConfigError both paths report.

    ``config`` maps raw section headers to their values (as ``ini.read.read_sections`` gives);
    when None, the config file is read only if the options need it.
    """
    return profiles.resolve(options, lambda kind, name, rule: _remembered(kind, name, config, rule))


def _remembered(kind: str, name: str, config: dict[str, dict] | None, rule: Rule) -> RoleRef:
    """``rule(name, config, path)``, remembered per config file version when the file is read here."""
    path = paths.aws_config_file()
    if config is not None:
        return rule(name, config, path)
    from ssohelper.cache import memo

    known = memo.recall(kind, name, path, 5)
    if known is not None:
        return RoleRef(known[0] if known[0] != "\0" else None, *known[1:])
    from ssohelper.ini.read import read_sections

    version = memo.stamp(path)  # before reading: a change while we read makes the memo stale
    found = rule(name, read_sections(path), path)
    session = found.session_name if found.session_name is not None else "\0"
    memo.remember(
        kind, name, path, version, [session, found.start_url, found.region, found.account_id, found.role_name]
    )
    return found

"""A job's ``permissions`` with ``id-token: write``, merged with what it (or the workflow) sets.

Setting ``permissions`` on a job replaces the workflow's and drops GitHub's defaults, so a job
without any gets ``id-token: write`` and ``contents: read``; a job that inherits the workflow's
mapping gets a copy of it plus ``id-token: write``; a job with its own gets ``id-token: write``
added or raised. No other permission is ever added or raised; ``read-all`` (which would have to
be spelled out) is left to the user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ssohelper.ci import yamldoc
from ssohelper.ci.lines import Lines, last_line

if TYPE_CHECKING:
    import yaml

NEEDED = ("id-token", "write")
DEFAULTS = [("id-token", "write"), ("contents", "read")]


def grant(lines: Lines, job_key: yaml.Node, job: yaml.Node, workflow: yaml.Node | None) -> str | None:
    """Plan the edit; None when done (or nothing was needed), else why it was left to the user."""
    own = yamldoc.get(job, "permissions")
    if own is None:
        wanted = _inherited(workflow)
        if isinstance(wanted, str):
            return wanted
        return _add_block(lines, job_key, job, wanted) if wanted else None
    return _merge(lines, own)


def _inherited(workflow: yaml.Node | None) -> list[tuple[str, str]] | str | None:
    """The job's own permissions to write (None: it has id-token: write already; str: why not)."""
    if workflow is None:
        return DEFAULTS
    text = yamldoc.scalar(workflow)
    if text is not None:
        return None if text == "write-all" else f"the workflow's 'permissions: {text}' would have to be spelled out"
    entries = [(yamldoc.scalar(k) or "", yamldoc.scalar(v) or "") for k, v in yamldoc.pairs(workflow)]
    if dict(entries).get("id-token") == "write":
        return None
    return [e for e in entries if e[0] != "id-token"] + [NEEDED]


def _add_block(lines: Lines, job_key: yaml.Node, job: yaml.Node, wanted: list[tuple[str, str]]) -> str | None:
    if getattr(job, "flow_style", False) or not yamldoc.pairs(job):
        return "the job is written in flow style"
    first = yamldoc.pairs(job)[0][0]
    indent = first.start_mark.column
    step = max(indent - job_key.start_mark.column, 2)
    block = [" " * indent + "permissions:"] + [" " * (indent + step) + f"{k}: {v}" for k, v in wanted]
    lines.insert(first.start_mark.line, block)
    return None


def _merge(lines: Lines, own: yaml.Node) -> str | None:
    text = yamldoc.scalar(own)
    if text is not None:
        return None if text == "write-all" else f"the job's 'permissions: {text}' would have to be spelled out"
    current = yamldoc.get(own, "id-token")
    if yamldoc.scalar(current) == "write":
        return None
    if getattr(own, "flow_style", False):
        if own.start_mark.line != own.end_mark.line:
            return "the job's permissions are a flow mapping over several lines"
        entries = [(yamldoc.scalar(k), yamldoc.scalar(v)) for k, v in yamldoc.pairs(own)]
        inner = ", ".join(f"{k}: {v}" for k, v in [*(e for e in entries if e[0] != "id-token"), NEEDED])
        lines.set_span(own, "{ " + inner + " }")
        return None
    if current is not None:
        lines.set_span(current, "write")
        return None
    last_key, last_value = yamldoc.pairs(own)[-1]
    lines.insert(last_line(last_value) + 1, [" " * last_key.start_mark.column + "id-token: write"])
    return None


def current(job: object, workflow: object) -> list[tuple[str, str]] | None:
    """The permissions a job has as a mapping: its own, else the workflow's (None: GitHub's
    defaults, or a ``read-all``/``write-all`` word)."""
    for node in (yamldoc.get(job, "permissions"), workflow):
        if node is not None:
            entries = yamldoc.pairs(node)
            return [(yamldoc.scalar(k) or "", yamldoc.scalar(v) or "") for k, v in entries] if entries else None
    return None

"""What GitHub puts in a job's ``sub``, read from the workflow: the refs its triggers run on, and
the values an ``environment:`` expression can take.

A ``push`` runs on its ``branches`` and ``tags`` (both, when neither is filtered; only the
filtered kind otherwise), ``pull_request`` and ``pull_request_target`` give the
``pull_request`` form, ``release`` runs on tags, ``merge_group`` on the merge queue's branches,
and the rest (``schedule``, ``workflow_dispatch``, ``workflow_run``...) on the default branch.
GitHub's branch globs become IAM patterns that admit at least what the glob does, never beyond
the repository (IAM's ``*`` also crosses ``/``; a ``!`` exclusion can't be written in IAM).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ssohelper.ci import yamldoc

DEFAULT_BRANCH_EVENTS = ("schedule", "workflow_dispatch", "repository_dispatch", "workflow_run")
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")


@dataclass
class Refs:
    """The refs a workflow's runs present: branches and tags (IAM patterns), pull requests, and
    the events that run on the default branch."""

    branches: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)
    pull_request: bool = False
    default_branch_events: list[str] = field(default_factory=list)
    called: bool = False  # on: workflow_call: the callers' refs count
    notes: list[str] = field(default_factory=list)


def events(root: object) -> list[tuple[str, object]]:
    """The workflow's ``on:`` as (event, its node or None), in file order."""
    on = yamldoc.get(root, "on")
    text = yamldoc.scalar(on)
    if text is not None:
        return [(text, None)]
    if yamldoc.is_sequence(on):
        return [(yamldoc.scalar(item) or "", None) for item in yamldoc.entries(on)]
    return [(yamldoc.scalar(key) or "", value) for key, value in yamldoc.pairs(on)]


def refs(root: object) -> Refs:
    found = Refs()
    for event, node in events(root):
        if event == "push":
            _push(node, found)
        elif event in PULL_REQUEST_EVENTS:
            found.pull_request = True
        elif event == "release":
            found.tags.add("*")
        elif event == "merge_group":
            found.branches.add("gh-readonly-queue/*")
        elif event == "workflow_call":
            found.called = True
        elif event:
            found.default_branch_events.append(event)
    if "workflow_dispatch" in found.default_branch_events:
        found.notes.append("a workflow_dispatch started on another branch than the default is refused")
    return found


def _push(node: object, found: Refs) -> None:
    filters = {
        name: _patterns(yamldoc.get(node, name)) for name in ("branches", "branches-ignore", "tags", "tags-ignore")
    }
    branch_filtered = yamldoc.get(node, "branches") is not None or yamldoc.get(node, "branches-ignore") is not None
    tag_filtered = yamldoc.get(node, "tags") is not None or yamldoc.get(node, "tags-ignore") is not None
    if branch_filtered or not tag_filtered:
        found.branches |= _positive(filters["branches"], filters["branches-ignore"], branch_filtered, found)
    if tag_filtered or not branch_filtered:
        found.tags |= _positive(filters["tags"], filters["tags-ignore"], tag_filtered, found)


def _patterns(node: object) -> list[str]:
    text = yamldoc.scalar(node)
    if text is not None:
        return [text]
    return [t for t in (yamldoc.scalar(item) for item in yamldoc.entries(node)) if t]


def _positive(wanted: list[str], ignored: list[str], filtered: bool, found: Refs) -> set[str]:
    if not filtered or (ignored and not wanted):
        if ignored:
            found.notes.append(f"IAM can't exclude refs: the trust admits the ignored ones too ({', '.join(ignored)})")
        return {"*"}
    excluded = [p for p in wanted if p.startswith("!")]
    if excluded:
        found.notes.append(f"IAM can't exclude refs: the trust admits {', '.join(p[1:] for p in excluded)} too")
    return {iam_pattern(p) for p in wanted if not p.startswith("!")}


def iam_pattern(glob: str) -> str:
    """A GitHub filter glob as an IAM StringLike pattern admitting at least the same names:
    ``**`` and ``*`` become ``*``, a ``[...]`` class one ``?``, ``x+`` ``x*``."""
    pattern = re.sub(r"\[[^\]]*\]", "?", glob)
    pattern = re.sub(r"\*+", "*", pattern)
    return pattern.replace("+", "*")


# --- expressions ----------------------------------------------------------------------------

_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_LITERAL = re.compile(r"'((?:[^']|'')*)'")
_REFERENCE = re.compile(r"(?:github\.event\.)?(inputs|matrix)\.([A-Za-z_][A-Za-z0-9_-]*)")
Lookup = dict[str, list[str]]  # "inputs.environment" -> the literal values it can hold


def values(text: str, known: Lookup) -> list[str] | None:
    """Every value ``text`` (a literal, or one ``${{ }}`` expression, or text around them) can
    take, or None when some part can't be known from the files."""
    parts: list[list[str]] = []
    position = 0
    for match in _EXPRESSION.finditer(text):
        parts.append([text[position : match.start()]])
        options = _operand_values(match[1].strip(), known)
        if options is None:
            return None
        parts.append(options)
        position = match.end()
    parts.append([text[position:]])
    results = [""]
    for options in parts:
        results = [r + o for r in results for o in options]
        if len(results) > 64:
            return None
    return sorted(set(results), key=results.index)


def _operand_values(expression: str, known: Lookup) -> list[str] | None:
    """The values of ``a && b || c``: each operand that yields a value (a comparison only
    decides which one); None when one of them can't be known."""
    operands = split(expression)
    if len(operands) > 1:
        found: list[str] = []
        for operand, then in operands:
            if then == "&&" or _is_condition(operand):  # it decides; a falsy one means no value
                continue
            one = _operand_values(operand, known)
            if one is None:
                return None
            found += one
        return found or None
    expression = expression.strip()
    if expression.startswith("(") and expression.endswith(")"):  # one operand: the parentheses wrap it
        return _operand_values(expression[1:-1], known)
    literal = _LITERAL.fullmatch(expression)
    if literal:
        return [literal[1].replace("''", "'")]
    reference = _REFERENCE.fullmatch(expression)
    if reference:
        return known.get(f"{reference[1]}.{reference[2]}")
    return None


def _is_condition(operand: str) -> bool:
    """An operand that only decides which value is chosen: a comparison, a negation, a call."""
    bare = _LITERAL.sub("''", operand).strip()
    return any(op in bare for op in ("==", "!=", "<", ">")) or bare.startswith("!") or "(" in bare.lstrip("(")


def split(expression: str) -> list[tuple[str, str]]:
    """``expression`` cut at its top-level ``&&`` and ``||`` (not inside quotes or parentheses):
    each operand with the operator after it ("" for the last)."""
    operands: list[tuple[str, str]] = []
    depth, start, index, quoted = 0, 0, 0, False
    while index < len(expression):
        char = expression[index]
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        elif not quoted and depth == 0 and expression[index : index + 2] in ("&&", "||"):
            operands.append((expression[start:index].strip(), expression[index : index + 2]))
            start = index + 2
            index += 1
        index += 1
    operands.append((expression[start:].strip(), ""))
    return operands


# --- what narrows or fills in a job's subjects ----------------------------------------------

_REF_TEST = re.compile(r"github\.ref\s*==\s*'refs/(heads|tags)/([^']+)'|'refs/(heads|tags)/([^']+)'\s*==\s*github\.ref")
_NOT_PR = re.compile(r"github\.event_name\s*(==\s*'push'|!=\s*'pull_request')")


def narrowed(condition: str) -> tuple[str, str] | None:
    """(kind, name) when the job's ``if:`` runs it only on one ref (kind ""), or only outside pull
    requests ("", "not pull_request"); None when it doesn't narrow anything."""
    text = condition.strip().removeprefix("${{").removesuffix("}}")
    operands = split(text)
    if any(then == "||" for _, then in operands):
        return None
    for operand, _ in operands:
        match = _REF_TEST.fullmatch(operand.strip())
        if match:
            kind = match[1] or match[3]
            return f"refs/{kind}/", match[2] or match[4]
    if any(_NOT_PR.fullmatch(operand.strip()) for operand, _ in operands):
        return "", "not pull_request"
    return None


def restrict(narrowed: tuple[str, str], branches: set, tags: set, pull_request: bool) -> tuple[set, set, bool]:
    from ssohelper.ci.conditions import string_like

    kind, name = narrowed
    if not kind:
        return branches, tags, False
    pool = branches if kind == "refs/heads/" else tags
    kept = {name} if any(string_like(p, name) for p in pool) else set()
    return (kept, set(), False) if kind == "refs/heads/" else (set(), kept, False)


def lookup(root: object, job: object, inputs: Lookup) -> Lookup:
    """What ``inputs.X`` and ``matrix.X`` can hold in this job: dispatch choices and defaults,
    what a caller passes, the job's matrix."""
    known: Lookup = {}
    for event, node in events(root):
        for key, spec in (
            yamldoc.pairs(yamldoc.get(node, "inputs")) if event in ("workflow_dispatch", "workflow_call") else ()
        ):
            options = [yamldoc.scalar(o) or "" for o in yamldoc.entries(yamldoc.get(spec, "options"))]
            default = yamldoc.scalar(yamldoc.get(spec, "default"))
            if options:
                known[f"inputs.{yamldoc.scalar(key)}"] = options
            elif default is not None and event == "workflow_call":
                known[f"inputs.{yamldoc.scalar(key)}"] = [default]
    known.update(inputs)
    matrix = yamldoc.get(yamldoc.get(job, "strategy"), "matrix")
    for key, value in yamldoc.pairs(matrix):
        name = yamldoc.scalar(key) or ""
        if name in ("include", "exclude"):
            continue
        known[f"matrix.{name}"] = [yamldoc.scalar(v) or "" for v in yamldoc.entries(value)]
    for item in yamldoc.entries(yamldoc.get(matrix, "include")):
        for key, value in yamldoc.pairs(item):
            known.setdefault(f"matrix.{yamldoc.scalar(key)}", []).append(yamldoc.scalar(value) or "")
    return {k: v for k, v in known.items() if all(isinstance(x, str) for x in v)}


def passed(caller_job: object, known: Lookup) -> dict[str, list[str]]:
    passed = {}
    for key, value in yamldoc.pairs(yamldoc.get(caller_job, "with")):
        resolved = values(yamldoc.scalar(value) or "", known)
        if resolved is not None:
            passed[yamldoc.scalar(key) or ""] = resolved
    return passed

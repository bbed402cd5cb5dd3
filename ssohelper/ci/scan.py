"""``audit --ci``: static AWS keys in a repository's pipelines, with file and line.

Found: the ``aws-access-key-id``/``aws-secret-access-key`` inputs of a step; secrets and
variables named like AWS keys passed to a step, a job, a reusable workflow or ``env``; literal
``AKIA…`` keys (masked); and ``aws configure set aws_access_key_id``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ssohelper.ci import pipelines, yamldoc
from ssohelper.ci.lines import last_line
from ssohelper.models import mask

if TYPE_CHECKING:
    import yaml

KEY_INPUTS = ("aws-access-key-id", "aws-secret-access-key", "aws-session-token")
CONFIGURE_ACTION = "aws-actions/configure-aws-credentials"
_LITERAL = re.compile(r"\b(AKIA[A-Z0-9]{16})\b")
_CONFIGURE_SET = re.compile(r"\baws\s+configure\s+set\s+(?:\S+\.)?(aws_access_key_id|aws_secret_access_key)\b")
_SECRET_REF = re.compile(r"\$\{\{\s*(?:secrets|vars)\.([A-Za-z0-9_]+)\s*\}\}")


@dataclass(frozen=True)
class Finding:
    path: str  # relative to the scanned folder
    line: int
    kind: str  # action-input, env, secret, variable, literal-key, aws-configure
    name: str
    job: str | None
    rewritable: bool  # migrate-ci rewrites it (a configure-aws-credentials input)


@dataclass
class Report:
    root: str
    files: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)


def key_like(name: str) -> bool:
    """A name that holds an AWS access key or secret key: AWS_ACCESS_KEY_ID, PROD_AWS_SECRET_KEY..."""
    words = re.sub(r"[^A-Z0-9]+", "_", name.upper())
    secretish = any(w in words for w in ("ACCESS_KEY", "SECRET_KEY", "SECRET_ACCESS", "ACCESSKEY", "SECRETKEY"))
    return secretish and ("AWS" in words or "ACCESS_KEY_ID" in words or "SECRET_ACCESS_KEY" in words)


def uses_configure_action(step: object) -> bool:
    uses = yamldoc.scalar(yamldoc.get(step, "uses")) or ""
    return uses.split("@")[0].rstrip("/") == CONFIGURE_ACTION


class _Scanner:
    def __init__(self, root: str, path: str) -> None:
        self.rel = yamldoc.relative(root, path)
        self.found: list[Finding] = []
        self.covered: set[int] = set()  # lines of the entries already reported

    def add(
        self, key: yaml.Node, value: yaml.Node, kind: str, name: str, job: str | None, rewritable: bool = False
    ) -> None:
        """One finding per entry: an anchored step that jobs share is reported once, at its line."""
        number = yamldoc.line(key)
        if number not in self.covered:
            self.found.append(Finding(self.rel, number, kind, name, job, rewritable))
        self.covered.update(range(number, last_line(value) + 2))

    def env(self, node: object, job: str | None, kind: str = "env") -> None:
        for key, value in yamldoc.pairs(node):
            name = yamldoc.scalar(key) or ""
            if key_like(name) or any(key_like(ref) for ref in _SECRET_REF.findall(yamldoc.scalar(value) or "")):
                self.add(key, value, kind, name, job)

    def steps(self, node: object, job: str | None) -> None:
        for step in yamldoc.entries(node):
            configure = uses_configure_action(step)
            for key, value in yamldoc.pairs(yamldoc.get(step, "with")):
                name = yamldoc.scalar(key) or ""
                if name in KEY_INPUTS:
                    self.add(key, value, "action-input", name, job, rewritable=configure)
                elif any(key_like(ref) for ref in _SECRET_REF.findall(yamldoc.scalar(value) or "")):
                    self.add(key, value, "secret", name, job)
            self.env(yamldoc.get(step, "env"), job)

    def workflow(self, root: object) -> None:
        self.env(yamldoc.get(root, "env"), None)
        call = yamldoc.get(yamldoc.get(root, "on"), "workflow_call")
        self.env(yamldoc.get(call, "secrets"), None, kind="secret")
        for key, job in yamldoc.pairs(yamldoc.get(root, "jobs")):
            name = yamldoc.scalar(key)
            self.env(yamldoc.get(job, "env"), name)
            self.env(yamldoc.get(job, "secrets"), name, kind="secret")
            self.steps(yamldoc.get(job, "steps"), name)

    def action(self, root: object) -> None:
        self.env(yamldoc.get(root, "inputs"), None, kind="input")
        self.steps(yamldoc.get(yamldoc.get(root, "runs"), "steps"), None)

    def gitlab(self, root: object) -> None:
        self.env(yamldoc.get(root, "variables"), None, kind="variable")
        for key, job in yamldoc.pairs(root):
            if yamldoc.is_mapping(job):
                self.env(yamldoc.get(job, "variables"), yamldoc.scalar(key), kind="variable")

    def text(self, document: yamldoc.Document) -> None:
        """Literal keys and ``aws configure set`` anywhere in the file, scripts included."""
        for number, raw in enumerate(document.data.decode("utf-8", "replace").split("\n"), 1):
            for match in _LITERAL.finditer(raw):
                self.found.append(Finding(self.rel, number, "literal-key", mask(match[1]), None, False))
            configure = [
                Finding(self.rel, number, "aws-configure", m[1], None, False) for m in _CONFIGURE_SET.finditer(raw)
            ]
            self.found += configure
            if number not in self.covered and not configure:
                for ref in _SECRET_REF.findall(raw):
                    if key_like(ref):
                        self.found.append(Finding(self.rel, number, "secret", ref, None, False))


def scan(root: str) -> Report:
    """Every finding in the pipelines under ``root``, in file and line order (the commands to
    run come from ``advice``)."""
    report = Report(os.path.abspath(root))
    kinds = [(p, "workflow") for p in pipelines.github_workflows(root)]
    kinds += [(p, "action") for p in pipelines.composite_actions(root)]
    kinds += [(p, "gitlab") for p in pipelines.gitlab_files(root)]
    for path, kind in kinds:
        document = yamldoc.load(path)
        if document is None:
            continue
        scanner = _Scanner(root, path)
        getattr(scanner, kind)(document.root)
        scanner.text(document)
        report.files.append(scanner.rel)
        report.findings += sorted(scanner.found, key=lambda f: (f.line, f.kind, f.name))
    return report


_REMOTE = re.compile(r"url\s*=\s*(?:\S+@|\S+://(?:[^/@\s]+@)?)[^:/\s]+[:/]([^\s]+?)(?:\.git)?/?\s*$", re.MULTILINE)


def origin_repository(root: str) -> str | None:
    """ORG/REPO from the git remote 'origin' of the folder, when it has one."""
    from ssohelper.ci.safefile import read_inside

    data = read_inside(root, os.path.join(root, ".git", "config"), 1 << 16)  # a FIFO there must not hang
    if data is None:
        return None
    text = data.decode("utf-8", "replace")
    section = text.partition('[remote "origin"]')[2].partition("\n[")[0]
    match = _REMOTE.search(section)
    return match[1] if match else None

"""``audit --ci``: static AWS keys in a repository's pipelines, with file and line.

Found: the key inputs of a step (under any spelling); secrets and variables named like AWS keys
passed to a step, a job, a reusable workflow, ``env`` or GitLab ``variables`` (``rules`` too);
literal ``AKIA…`` keys (masked); and ``aws configure set aws_access_key_id``. Comments are not
read. Dummy values (LocalStack's ``test``) and keys for a non-AWS endpoint are notes, not
findings: no AWS role replaces them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ssohelper.ci import keyclues, pipelines, yamldoc
from ssohelper.ci.keyclues import key_like
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
    notes: list[str] = field(default_factory=list)  # what looks like a key and isn't one to replace


def uses_configure_action(step: object) -> bool:
    uses = yamldoc.scalar(yamldoc.get(step, "uses")) or ""
    return uses.split("@")[0].rstrip("/") == CONFIGURE_ACTION


class _Scanner:
    def __init__(self, root: str, path: str) -> None:
        self.rel = yamldoc.relative(root, path)
        self.found: list[Finding] = []
        self.notes: list[str] = []
        self.covered: set[int] = set()  # lines of the entries already reported

    def add(
        self, key: yaml.Node, value: yaml.Node, kind: str, name: str, job: str | None, rewritable: bool = False
    ) -> None:
        """One finding per entry: an anchored step that jobs share is reported once, at its line."""
        number = yamldoc.line(key)
        if number not in self.covered:
            self.found.append(Finding(self.rel, number, kind, name, job, rewritable))
        self.covered.update(range(number, last_line(value) + 2))

    def note(self, key: yaml.Node, value: yaml.Node, why: str) -> None:
        number = yamldoc.line(key)
        if number not in self.covered:
            self.notes.append(f"{self.rel}:{number}: {yamldoc.scalar(key)} {why}; not a key to replace with a role")
        self.covered.update(range(number, last_line(value) + 2))

    def env(self, node: object, job: str | None, kind: str = "env", near: str | None = None) -> None:
        """Key-like entries of a block of variables; ``near``: a non-AWS endpoint its job or step uses."""
        endpoint = _endpoint(node, "") or near
        for key, value in yamldoc.pairs(node):
            name = yamldoc.scalar(key) or ""
            text = yamldoc.scalar(value)
            if not key_like(name) and not any(key_like(ref) for ref in _SECRET_REF.findall(text or "")):
                continue
            if keyclues.dummy(text):
                self.note(key, value, f"is a dummy value ('{text}', as LocalStack and moto take)")
            elif endpoint:
                self.note(key, value, f"goes with the non-AWS endpoint {endpoint}")
            else:
                self.add(key, value, kind, name, job)

    def steps(self, node: object, job: str | None, outer: object = None) -> None:
        for step in yamldoc.entries(node):
            configure = uses_configure_action(step)
            script = yamldoc.scalar(yamldoc.get(step, "run")) or ""
            endpoint = _endpoint(yamldoc.get(step, "env"), script) or _endpoint(outer, "")
            for key, value in yamldoc.pairs(yamldoc.get(step, "with")):
                name = yamldoc.scalar(key) or ""
                refs = _SECRET_REF.findall(yamldoc.scalar(value) or "")
                if name in KEY_INPUTS or (not configure and keyclues.key_input(name)):
                    if not configure and keyclues.dummy(yamldoc.scalar(value)):
                        self.note(key, value, f"is a dummy value ('{yamldoc.scalar(value)}')")
                    elif not configure and (endpoint or _endpoint(yamldoc.get(step, "with"), "")):
                        self.note(
                            key,
                            value,
                            f"goes with the non-AWS endpoint {endpoint or _endpoint(yamldoc.get(step, 'with'), '')}",
                        )
                    else:
                        self.add(key, value, "action-input", name, job, rewritable=configure)
                elif any(key_like(ref) for ref in refs):
                    self.add(key, value, "secret", name, job)
            self.env(yamldoc.get(step, "env"), job, near=endpoint)

    def workflow(self, root: object) -> None:
        self.env(yamldoc.get(root, "env"), None)
        call = yamldoc.get(yamldoc.get(root, "on"), "workflow_call")
        self.env(yamldoc.get(call, "secrets"), None, kind="secret")
        for key, job in yamldoc.pairs(yamldoc.get(root, "jobs")):
            name = yamldoc.scalar(key)
            steps = yamldoc.get(job, "steps")
            scripts = " ".join(yamldoc.scalar(yamldoc.get(s, "run")) or "" for s in yamldoc.entries(steps))
            self.env(yamldoc.get(job, "env"), name, near=keyclues.endpoint_in(scripts))
            self.env(yamldoc.get(job, "secrets"), name, kind="secret")
            self.steps(steps, name, yamldoc.get(job, "env"))

    def action(self, root: object) -> None:
        self.env(yamldoc.get(root, "inputs"), None, kind="input")
        self.steps(yamldoc.get(yamldoc.get(root, "runs"), "steps"), None)

    def gitlab(self, root: object) -> None:
        self.env(yamldoc.get(root, "variables"), None, kind="variable")
        self._rules(yamldoc.get(yamldoc.get(root, "workflow"), "rules"), None)
        for key, job in yamldoc.pairs(root):
            if yamldoc.is_mapping(job):
                near = keyclues.endpoint_in(_gitlab_script(job))
                self.env(yamldoc.get(job, "variables"), yamldoc.scalar(key), kind="variable", near=near)
                self._rules(yamldoc.get(job, "rules"), yamldoc.scalar(key), near)

    def _rules(self, rules: object, job: str | None, near: str | None = None) -> None:
        for rule in yamldoc.entries(rules):
            self.env(yamldoc.get(rule, "variables"), job, kind="variable", near=near)

    def text(self, document: yamldoc.Document) -> None:
        """Literal keys and ``aws configure set`` anywhere in the file, scripts included."""
        for number, line in enumerate(document.data.decode("utf-8", "replace").split("\n"), 1):
            raw = keyclues.uncommented(line)
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
    """Every finding in the pipelines under ``root`` (a folder, or one pipeline file in a
    repository), in file and line order (the commands to run come from ``advice``)."""
    if os.path.isfile(root):
        root, kinds = _one_file(root)
    else:
        kinds = [(p, "workflow") for p in pipelines.github_workflows(root)]
        kinds += [(p, "action") for p in pipelines.composite_actions(root)]
        kinds += [(p, "gitlab") for p in pipelines.gitlab_files(root)]
    report = Report(os.path.abspath(root))
    for path, kind in kinds:
        document = yamldoc.load(path)
        if document is None:
            continue
        scanner = _Scanner(root, path)
        getattr(scanner, kind)(document.root)
        scanner.text(document)
        report.files.append(scanner.rel)
        report.findings += sorted(scanner.found, key=lambda f: (f.line, f.kind, f.name))
        report.notes += scanner.notes
    return report


def _one_file(path: str) -> tuple[str, list[tuple[str, str]]]:
    """The repository a pipeline file given by path belongs to (the folder with .git above it,
    else its own folder), and the file (a GitLab file with the local files it includes)."""
    root = folder = os.path.dirname(os.path.abspath(path))
    while not os.path.isdir(os.path.join(folder, ".git")) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    root = folder if os.path.isdir(os.path.join(folder, ".git")) else root
    if os.path.basename(path) in pipelines.ACTION_FILES:
        return root, [(path, "action")]
    if os.path.basename(os.path.dirname(os.path.abspath(path))) == "workflows":
        return root, [(path, "workflow")]
    return root, [(p, "gitlab") for p in pipelines.gitlab_files(root, path)]


def _endpoint(env: object, script: str) -> str | None:
    """The non-AWS endpoint a block of variables (or the script beside it) points the keys at."""
    for key, value in yamldoc.pairs(env):
        if keyclues.ENDPOINT_NAMES.match(yamldoc.scalar(key) or ""):
            host = keyclues.foreign_endpoint(yamldoc.scalar(value))
            if host:
                return host
    return keyclues.endpoint_in(script)


def _gitlab_script(job: object) -> str:
    parts = [yamldoc.get(job, name) for name in ("before_script", "script", "after_script")]
    return " ".join(yamldoc.scalar(item) or "" for part in parts for item in [part, *yamldoc.entries(part)])


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

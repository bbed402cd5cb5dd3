"""migrate-ci's rewrite of one GitHub workflow or composite action, line by line.

Each ``configure-aws-credentials`` step that passes keys gets ``role-to-assume`` where its first
key input was, its key inputs removed and its other inputs kept (a step that chains to its own
``role-to-assume`` keeps it and loses only the keys; a step of a China or GovCloud region needs a
role of that partition; a job with two key pairs is left to the user); each job that uses such a step
(directly, through a local composite action, or by calling a local reusable workflow) gets
``id-token: write`` (see ``permissions``). Every line no edit touches stays byte for byte. What
can't be rewritten safely is returned as a manual step with the snippet to paste.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ssohelper.ci import permissions, snippets, yamldoc
from ssohelper.ci.lines import Lines, last_line
from ssohelper.ci.scan import KEY_INPUTS, uses_configure_action
from ssohelper.ci.steps import job_use, partition

if TYPE_CHECKING:
    import yaml


@dataclass(frozen=True)
class Manual:
    path: str
    line: int
    job: str | None
    what: str
    snippet: str


@dataclass
class Rewritten:
    path: str  # absolute
    rel: str
    before: bytes
    after: bytes
    steps: int = 0
    jobs: list[str] = field(default_factory=list)
    manual: list[Manual] = field(default_factory=list)


@dataclass(frozen=True)
class Target:
    role_arn: str
    region: str | None
    rewritten_locally: frozenset[str]  # ``uses:`` values of local actions and workflows rewritten


class _Rewriter:
    def __init__(self, document: yamldoc.Document, rel: str, target: Target) -> None:
        self.doc, self.target = document, target
        self.lines = Lines(document.data)
        self.out = Rewritten(document.path, rel, document.data, document.data)
        self.done: set[int] = set()  # step nodes already rewritten (an alias repeats a node)

    def manual(self, node: yaml.Node, job: str | None, what: str, snippet: str = "") -> None:
        self.out.manual.append(Manual(self.out.rel, yamldoc.line(node), job, what, snippet))

    def step(self, step: yaml.Node, job: str | None, pairs: int = 1) -> bool:
        """Rewrite one step if it is a configure step with keys; True if the job needs OIDC."""
        uses = yamldoc.scalar(yamldoc.get(step, "uses")) or ""
        if uses.startswith("./") and uses.rstrip("/") in self.target.rewritten_locally:
            return True
        if not uses_configure_action(step):
            return False
        inputs = yamldoc.get(step, "with")
        keys = [(k, v) for k, v in yamldoc.pairs(inputs) if yamldoc.scalar(k) in KEY_INPUTS]
        if id(step) in self.done:
            return True
        if not keys:
            return False
        assert inputs is not None
        chained = yamldoc.scalar(yamldoc.get(inputs, "role-to-assume"))
        snippet = snippets.step(chained or self.target.role_arn, self.target.region)
        if getattr(inputs, "flow_style", False):
            self.manual(inputs, job, "the step's inputs are in flow style", snippet)
            return False
        if pairs > 1 and not chained:
            what = (
                f"the job uses {pairs} key pairs: one role for all would merge what each could do; "
                "make a role per pair (ssohelper ci-role) and give each step its role-to-assume"
            )
            self.manual(inputs, job, what, snippet)
            return False
        if not self._same_partition(inputs, job, chained or self.target.role_arn):
            return False
        self._replace_inputs(inputs, keys, job, keep_role=chained is not None)
        if chained:
            name = "ITS_NAME" if "${{" in chained else chained.rsplit("/", 1)[-1]
            what = (
                f"the step now assumes {chained} directly with the job's OIDC token, not with the keys: "
                "that role's trust policy must now admit the token (ssohelper ci-role --from-workflows . --github "
                f"ORG/REPO --role-name {name} --apply sets it)"
            )
            self.manual(inputs, job, what)
        self.done.add(id(step))
        self.out.steps += 1
        return True

    def _same_partition(self, inputs: yaml.Node, job: str | None, role_arn: str) -> bool:
        """China and GovCloud steps need a role of their partition (and China its audience)."""
        region = yamldoc.scalar(yamldoc.get(inputs, "aws-region")) or self.target.region
        wanted, _ = partition(region)
        has = role_arn.split(":")[1] if role_arn.count(":") >= 2 else "aws"
        if region is None or "${{" in region + role_arn or wanted == has:  # an expression: can't tell
            return True
        what = (
            f"the step runs in {region}, in the {wanted} partition: its role must be an arn:{wanted}: role "
            f"(ssohelper ci-role --from-workflows with a profile of that partition), not {role_arn}"
        )
        self.manual(inputs, job, what)
        return False

    def _replace_inputs(self, inputs: yaml.Node, keys: list, job: str | None, *, keep_role: bool = False) -> None:
        column = keys[0][0].start_mark.column
        new = [] if keep_role else [" " * column + f"role-to-assume: {self.target.role_arn}"]
        region = yamldoc.scalar(yamldoc.get(inputs, "aws-region"))
        if region is None:
            if self.target.region:
                new.append(" " * column + f"aws-region: {self.target.region}")
                region = self.target.region
            else:
                self.manual(inputs, job, "the step has no aws-region input: add one (or pass --region)")
        name, audience = partition(region)
        if name == "aws-cn" and yamldoc.get(inputs, "audience") is None:
            new.append(" " * column + f"audience: {audience}")
        for index, (key, value) in enumerate(keys):
            self.lines.replace(key.start_mark.line, last_line(value) + 1, new if index == 0 else [])

    def workflow(self) -> None:
        root = self.doc.root
        workflow_permissions = yamldoc.get(root, "permissions")
        self._called_from_elsewhere(root)
        for key, job in yamldoc.pairs(yamldoc.get(root, "jobs")):
            name = yamldoc.scalar(key)
            calls = (yamldoc.scalar(yamldoc.get(job, "uses")) or "").split("@")[0]
            needs = calls.startswith("./") and calls in self.target.rewritten_locally
            use = job_use(job, None, {})
            pairs = len(use.key_pairs) if use is not None else 0
            for step in yamldoc.entries(yamldoc.get(job, "steps")):
                needs = self.step(step, name, pairs) or needs
            if needs:
                why = permissions.grant(self.lines, key, job, workflow_permissions)
                if why:
                    merged = snippets.permissions(permissions.current(job, workflow_permissions))
                    self.manual(key, name, f"give the job id-token: write: {why}", merged)
                else:
                    self.out.jobs.append(str(name))

    def _called_from_elsewhere(self, root: yaml.Node | None) -> None:
        if root is None:
            return
        on = yamldoc.get(root, "on")
        called = yamldoc.get(on, "workflow_call") if yamldoc.is_mapping(on) else None
        words = [yamldoc.scalar(on)] + [yamldoc.scalar(e) for e in yamldoc.entries(on)]
        if called is None and "workflow_call" not in words:
            return
        jobs = yamldoc.pairs(yamldoc.get(root, "jobs"))
        if not any(job_use(job, None, {}) for _, job in jobs):
            return
        what = (
            "a reusable workflow: each job that calls it (here or in another repository) needs "
            "'permissions: id-token: write', and the role sees the caller's repository and ref as the sub "
            "(job_workflow_ref names this workflow)"
        )
        self.manual(on if on is not None else root, None, what)

    def action(self) -> None:
        steps = yamldoc.get(yamldoc.get(self.doc.root, "runs"), "steps")
        rewritten = [self.step(step, None) for step in yamldoc.entries(steps)]  # every step, no short cut
        if steps is not None and any(rewritten):
            what = "every job that uses this action needs these permissions"
            self.manual(steps, None, what, snippets.permissions())

    def result(self) -> Rewritten:
        if self.lines.changed:
            self.out.after = self.lines.result()
        return self.out


def rewrite(document: yamldoc.Document, rel: str, target: Target, *, action: bool = False) -> Rewritten:
    """The planned contents of one workflow (or composite action) and its manual steps."""
    rewriter = _Rewriter(document, rel, target)
    if action:
        rewriter.action()
    else:
        rewriter.workflow()
    return rewriter.result()

"""``ci-role --from-workflows``: which jobs will assume the role once migrate-ci has rewritten
them, and the ``sub`` GitHub sends for each, read from the workflows (Decision 17).

A job assumes the role when it has a ``configure-aws-credentials`` step with keys (or one
already rewritten to this role), or uses a local composite action or reusable workflow that
does. Its subject is ``environment:E`` for each value its ``environment`` can take, else the
refs its triggers run on (``triggers``), narrowed by a job ``if:`` that names one ref. A job of
a reusable workflow presents its local callers' repository and refs, with the inputs they pass.
What the files can't tell (an environment from ``vars``, the default branch) is a question,
answered by a flag.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ssohelper.ci import pipelines, steps, triggers, yamldoc
from ssohelper.ci.trust import STS_AUDIENCE, RoleSpec, subjects
from ssohelper.errors import UsageError


@dataclass(frozen=True)
class JobUse:
    path: str  # relative to the repository
    job: str
    line: int
    subjects: tuple[str, ...]
    why: str
    steps: steps.JobSteps  # its regions, key pairs, chained roles (which must trust the token too)


@dataclass
class Answers:
    """What the files can't tell, as the user gave it."""

    default_branch: str | None = None
    environments: tuple[str, ...] = ()


@dataclass
class Derived:
    jobs: list[JobUse] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)

    @property
    def subjects(self) -> list[str]:
        found: list[str] = []
        for job in self.jobs:
            found += [s for s in job.subjects if s not in found and job.steps.assumes]
        return found


@dataclass(frozen=True)
class _Context:
    rel: str  # the file the job is in
    where: str  # how to name the job (and its caller)
    root: object  # the workflow whose triggers count
    known: triggers.Lookup
    via: str = ""  # "called by FILE job NAME" for a reusable workflow's caller
    gate: str = ""  # the caller job's if:, which narrows the runs as the job's own does


def derive(root: str, repository: str, role_name: str, answers: Answers) -> Derived:
    """Every job under ``root`` that will assume the role ``role_name``, with its subjects."""
    found = Derived()
    documents = _workflows(root)
    plain = not _chained_to(documents, role_name)
    actions = _local_actions(root, role_name, plain)
    calls = _callers(documents)
    for rel, doc_root in documents.items():
        for key, job in yamldoc.pairs(yamldoc.get(doc_root, "jobs")):
            use = steps.job_use(job, role_name, actions, plain)
            if use is None:
                continue
            name = yamldoc.scalar(key) or ""
            if len(use.key_pairs) > 1:
                found.notes.append(
                    f"{rel} job {name} uses {len(use.key_pairs)} key pairs: migrate-ci leaves it to you (a role per "
                    "pair), so it is not counted here"
                )
                continue
            contexts = _contexts(rel, name, doc_root, job, calls, found)
            for context in contexts:
                _add(found, repository, name, yamldoc.line(key), job, use, context, answers)
    return found


def _contexts(rel: str, name: str, doc_root: object, job: object, calls: dict, found: Derived) -> list[_Context]:
    """Where the job's runs come from: its own triggers, and (reusable) each local caller's."""
    refs = triggers.refs(doc_root)
    own = [_Context(rel, f"{rel} job {name}", doc_root, triggers.lookup(doc_root, job, {}))]
    if not refs.called:
        return own
    if not (refs.branches or refs.tags or refs.pull_request or refs.default_branch_events):
        own = []  # only ever called
    callers = calls.get("./" + rel.replace(os.sep, "/"), [])
    if not callers:
        found.notes.append(
            f"{rel} is a reusable workflow no workflow here calls: its callers' repositories and refs are the "
            "subject (job_workflow_ref names this workflow); give those callers their own role"
        )
    contexts = []
    for caller_rel, caller_name, caller_root, caller_job in callers:
        outer = triggers.lookup(caller_root, caller_job, {})
        passed = {f"inputs.{k}": v for k, v in triggers.passed(caller_job, outer).items()}
        via = f"called by {caller_rel} job {caller_name}"
        known = triggers.lookup(doc_root, job, passed)
        gate = yamldoc.scalar(yamldoc.get(caller_job, "if")) or ""
        contexts.append(_Context(rel, f"{rel} job {name} ({via})", caller_root, known, via, gate))
    found.notes.append(
        f"{rel} is a reusable workflow: each caller's job needs 'permissions: id-token: write', and the "
        "token's sub is the caller's repository and ref"
    )
    return own + contexts


def _add(
    found: Derived,
    repository: str,
    name: str,
    line: int,
    job: object,
    use: steps.JobSteps,
    context: _Context,
    answers: Answers,
) -> None:
    where = context.where
    environment = _environment(job)
    if environment is not None:
        values = triggers.values(environment, context.known)
        if values is None and not answers.environments:
            found.questions.append(
                f"{where}: environment '{environment}' can't be known from the files; give each value it takes "
                "with --environment"
            )
            return
        values = list(answers.environments) if values is None else values
        named = [v for v in values if v]
        spec = _spec(repository, environments=tuple(named))
        why = f"environment {', '.join(named)}" + (" (or none)" if "" in values else "")
        subs = subjects(spec) if named else []
        if "" not in values:
            found.jobs.append(JobUse(context.rel, name, line, tuple(subs), _with_via(context, why), use))
            return
    else:
        subs, why = [], ""
    refs = _refs(repository, context, job, found, answers)
    if refs is None:
        return
    ref_subs, ref_why = refs
    subs += [s for s in ref_subs if s not in subs]
    why = "; ".join(w for w in (why, ref_why) if w)
    found.jobs.append(JobUse(context.rel, name, line, tuple(subs), _with_via(context, why), use))


def _with_via(context: _Context, why: str) -> str:
    return f"{context.via}: {why}" if context.via else why


def _refs(
    repository: str, context: _Context, job: object, found: Derived, answers: Answers
) -> tuple[list[str], str] | None:
    where = context.where
    refs = triggers.refs(context.root)
    found.notes += [f"{where}: {note}" for note in refs.notes if f"{where}: {note}" not in found.notes]
    branches, tags = set(refs.branches), set(refs.tags)
    reasons = []
    if refs.default_branch_events:
        if not answers.default_branch:
            found.questions.append(
                f"{where} runs on the default branch ({', '.join(refs.default_branch_events)}), which the files "
                "don't name: give it with --default-branch"
            )
            return None
        branches.add(answers.default_branch)
        reasons.append(f"{', '.join(refs.default_branch_events)} on the default branch {answers.default_branch}")
    pull_request = refs.pull_request
    for gate in (yamldoc.scalar(yamldoc.get(job, "if")) or "", context.gate):
        narrowed = triggers.narrowed(gate)
        if narrowed is None:
            continue
        branches, tags, pull_request = triggers.restrict(narrowed, branches, tags, pull_request)
        reasons.append(f"if: only {narrowed[0]}{narrowed[1]}" if narrowed[0] else "if: no pull requests")
    reasons[:0] = [
        f"{kind} {', '.join(sorted(names))}" for kind, names in (("branches", branches), ("tags", tags)) if names
    ]
    reasons += ["pull requests"] if pull_request else []
    spec = _spec(repository, branches=tuple(sorted(branches)), tags=tuple(sorted(tags)), pull_request=pull_request)
    return subjects(spec), "; ".join(reasons)


def _spec(repository: str, **options: object) -> RoleSpec:
    return RoleSpec(platform="github", repository=repository, role_name="x", **options)  # type: ignore[arg-type]


def _environment(job: object) -> str | None:
    node = yamldoc.get(job, "environment")
    if yamldoc.is_mapping(node):
        node = yamldoc.get(node, "name")
    return yamldoc.scalar(node) if node is not None else None


def _workflows(root: str) -> dict[str, object]:
    found: dict[str, object] = {}
    for path in pipelines.github_workflows(root):
        document = yamldoc.load(path)
        if document is not None and document.root is not None:
            found[yamldoc.relative(root, path)] = document.root
    return found


def _callers(documents: dict[str, object]) -> dict[str, list[tuple[str, str, object, object]]]:
    """``./.github/workflows/X.yml`` -> (file, job name, file root, job) of each job that calls it."""
    calls: dict[str, list[tuple[str, str, object, object]]] = {}
    for rel, doc_root in documents.items():
        for key, job in yamldoc.pairs(yamldoc.get(doc_root, "jobs")):
            uses = (yamldoc.scalar(yamldoc.get(job, "uses")) or "").split("@")[0]
            if uses.startswith("./"):
                calls.setdefault(uses, []).append((rel, yamldoc.scalar(key) or "", doc_root, job))
    return calls


def _chained_to(documents: dict[str, object], role_name: str) -> bool:
    """Some step chains from keys to this very role: then it is that role's jobs that count,
    not those of the steps with keys alone (migrate-ci --role-arn gives those another role)."""
    return any(
        steps.kind(step, None) == steps.CHAINED and steps.kind(step, role_name) == steps.MIGRATED
        for doc_root in documents.values()
        for _, job in yamldoc.pairs(yamldoc.get(doc_root, "jobs"))
        for step in yamldoc.entries(yamldoc.get(job, "steps"))
    )


def _local_actions(root: str, role_name: str, plain: bool) -> dict[str, steps.JobSteps]:
    """``./dir`` of each local composite action whose steps assume the role."""
    found = {}
    for path in pipelines.composite_actions(root):
        document = yamldoc.load(path)
        if document is None:
            continue
        use = steps.job_use(yamldoc.get(document.root, "runs"), role_name, {}, plain)
        if use is not None:
            found["./" + os.path.dirname(yamldoc.relative(root, path)).replace(os.sep, "/")] = use
    return found


def role_spec(derived: Derived, base: RoleSpec) -> RoleSpec:
    """``base`` admitting exactly the derived subjects, in the partition of the jobs' regions."""
    import dataclasses

    fields: dict[str, list[str]] = {"branches": [], "tags": [], "environments": []}
    prefix = f"repo:{base.repository}:"
    for sub in derived.subjects:
        rest = sub.removeprefix(prefix)
        for name, head in (
            ("branches", "ref:refs/heads/"),
            ("tags", "ref:refs/tags/"),
            ("environments", "environment:"),
        ):
            if rest.startswith(head):
                fields[name].append(rest.removeprefix(head))
    partition, audience = _partition(derived)
    return dataclasses.replace(
        base,
        branches=tuple(fields["branches"]),
        tags=tuple(fields["tags"]),
        environments=tuple(fields["environments"]),
        pull_request=f"{prefix}pull_request" in derived.subjects,
        partition=partition,
        audience=audience if base.audience == STS_AUDIENCE else base.audience,
    )


def _partition(derived: Derived) -> tuple[str, str]:
    seen: dict[tuple[str, str], str] = {}
    for job in derived.jobs:
        for region in job.steps.regions if job.steps.assumes else ():
            if "${{" not in region:
                seen.setdefault(steps.partition(region), f"{job.path} job {job.job} ({region})")
    if len(seen) > 1:
        where = "; ".join(f"{p}: {w}" for (p, _), w in seen.items())
        raise UsageError(f"the jobs run in more than one AWS partition ({where}); one role can't serve them all")
    return next(iter(seen), ("aws", STS_AUDIENCE))


def known_default_branch(root: str) -> str | None:
    """The remote's default branch as the clone recorded it (``.git/refs/remotes/origin/HEAD``)."""
    from ssohelper.ci.safefile import read_inside

    data = read_inside(root, os.path.join(root, ".git", "refs", "remotes", "origin", "HEAD"), 4096)
    text = (data or b"").decode("utf-8", "replace").strip()
    return text.removeprefix("ref: refs/remotes/origin/") if text.startswith("ref: refs/remotes/origin/") else None

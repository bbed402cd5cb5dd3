"""migrate-ci --create-role against moto IAM: the role it makes and the workflows it rewrites
agree (every rewritten job's sample token is admitted, near misses refused), both stay valid,
and a failure says what was already created."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest
import yaml
from test_ci_derive import CORPUS, DERIVED, ISSUER, _case
from test_ci_migrate import _files, _valid
from test_ci_role import admin  # noqa: F401  (the moto IAM fixture)

from ssohelper import errors
from ssohelper.ci import conditions
from ssohelper.ci.trust import WEB_IDENTITY

IN_AWS = [c for c in DERIVED if _case(c)["partition"] == "aws"]


def _repo(tmp_path: Path, case: str) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(CORPUS / case / "repo", root)
    return root


def _role_to_assume(root: Path) -> set[str]:
    """role-to-assume of every configure step in the workflows and composite actions."""
    found = set()
    for path in [*(root / ".github" / "workflows").glob("*.y*ml"), *root.rglob("action.y*ml")]:
        document = yaml.safe_load(path.read_text())
        groups = [job.get("steps", []) for job in (document.get("jobs") or {}).values()]
        groups.append((document.get("runs") or {}).get("steps", []))
        for step in (step for steps in groups for step in steps):
            if "configure-aws-credentials" in str(step.get("uses")):
                found.add(step.get("with", {}).get("role-to-assume"))
    return found


@pytest.mark.parametrize("case", IN_AWS)
def test_the_created_role_admits_every_rewritten_job(cli, admin, tmp_path, case):  # noqa: F811
    expected = _case(case)
    root = _repo(tmp_path, case)
    name = f"ci-{uuid.uuid4().hex[:8]}"
    args = ["migrate-ci", str(root), "--github", "acme/web", "--create-role", "--role-name", name]
    args += [*expected["args"], "--profile", "admin", "--region", "eu-west-1"]
    dry = cli(*args, "--dry-run")
    assert dry.code == 0, dry.err
    assert "no role was created" in dry.err and not _role_exists(admin, name)
    result = cli(*args, "--yes")
    assert result.code == 0, result.err
    role = admin.get_role(RoleName=name)["Role"]
    assert f"created the role {name}" in result.err and "checked:" in result.err
    chained = {a for a in _role_to_assume(root) if not a.endswith(f"/{name}")}
    assert _role_to_assume(root) - chained == {role["Arn"]}  # the workflows assume the role just made
    policy = role["AssumeRolePolicyDocument"]
    policy = json.loads(policy) if isinstance(policy, str) else policy
    provider = policy["Statement"][0]["Principal"]["Federated"]
    subjects = [s for subs in expected["jobs"].values() for s in subs if "*" not in s] + expected["admitted"]
    for sub in subjects:
        assert _admits(policy, provider, sub), sub
    for sub in expected["refused"]:
        assert not _admits(policy, provider, sub), sub
    _valid(sorted((root / ".github" / "workflows").glob("*.y*ml")), "vendor.github-workflows")
    after = _files(root)
    again = cli(*args, "--yes")
    assert again.code == 0, again.err
    assert "nothing changed" in again.err and _files(root) == after  # a second run changes nothing


def _admits(policy: dict, provider: str, sub: str) -> bool:
    claims = {f"{ISSUER}:aud": "sts.amazonaws.com", f"{ISSUER}:sub": sub}
    return conditions.allows(policy, WEB_IDENTITY, provider, claims)


def _role_exists(admin, name: str) -> bool:  # noqa: F811
    return any(r["RoleName"] == name for r in admin.list_roles()["Roles"])


def test_a_china_repository_needs_an_aws_cn_profile(cli, admin, tmp_path):  # noqa: F811
    root = _repo(tmp_path, "china")
    before = _files(root)
    result = cli("migrate-ci", str(root), "--github", "acme/web", "--create-role", "--profile", "admin", "--yes")
    assert result.code == errors.EXIT_USAGE and "aws-cn" in result.err
    assert _files(root) == before


def test_a_failed_create_says_what_it_had_done_and_rewrites_nothing(cli, admin, tmp_path):  # noqa: F811
    root = _repo(tmp_path, "single-job")
    before = _files(root)
    name = f"ci-{uuid.uuid4().hex[:8]}"
    missing = "arn:aws:iam::123456789012:policy/does-not-exist"
    result = cli(
        "migrate-ci", str(root), "--github", "acme/web", "--create-role", "--role-name", name,
        "--policy-arn", missing, "--profile", "admin", "--yes",
    )  # fmt: skip
    assert result.code == errors.EXIT_AWS, result.err
    assert "done before the failure:" in result.err and f"created the role {name}" in result.err
    assert _files(root) == before


def test_create_role_options(cli, tmp_path):
    root = _repo(tmp_path, "single-job")
    arn = "arn:aws:iam::111111111111:role/x"
    both = cli("migrate-ci", str(root), "--create-role", "--github", "acme/web", "--role-arn", arn)
    assert both.code == errors.EXIT_USAGE and "give one of them" in both.err
    stray = cli("migrate-ci", str(root), "--role-arn", arn, "--github", "acme/web")
    assert stray.code == errors.EXIT_USAGE and "go with --create-role" in stray.err
    no_repo = cli("migrate-ci", str(root), "--create-role")
    assert no_repo.code == errors.EXIT_USAGE and "--github ORG/REPO" in no_repo.err


def test_ci_role_from_workflows_apply_then_migrate_with_its_arn(cli, admin, tmp_path):  # noqa: F811
    root = _repo(tmp_path, "environments")
    name = f"ci-{uuid.uuid4().hex[:8]}"
    made = cli(
        "ci-role", "--from-workflows", str(root), "--github", "acme/web", "--role-name", name,
        "--apply", "--profile", "admin",
    )  # fmt: skip
    assert made.code == 0, made.err
    arn = made.out.strip()
    assert arn == admin.get_role(RoleName=name)["Role"]["Arn"] and "job deploy" in made.err
    assert cli("migrate-ci", str(root), "--role-arn", arn, "--yes").code == 0
    assert _role_to_assume(root) == {arn}
    again = cli("ci-role", "--from-workflows", str(root), "--github", "acme/web", "--role-name", name)
    assert again.code == 0, again.err  # the rewritten steps name the role: the same subjects
    derived = json.dumps(json.loads(again.out)["role"]["assume_role_policy"]).replace("ACCOUNT_ID", "123456789012")
    assert json.loads(derived) == admin.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]

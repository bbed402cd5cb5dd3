"""ci-role --from-workflows: the role derived from the jobs migrate-ci rewrites, judged by
evaluating its trust policy (all three formats) against each job's sample token and near misses."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import DATA, require
from test_ci_role import _terraform_policy

from ssohelper import errors
from ssohelper.ci import conditions, render, triggers
from ssohelper.ci.trust import WEB_IDENTITY

CORPUS = DATA / "ci"
DERIVED = sorted(p.name for p in CORPUS.iterdir() if (p / "subjects.json").exists())
ISSUER = "token.actions.githubusercontent.com"


def _case(name: str) -> dict:
    return json.loads((CORPUS / name / "subjects.json").read_text())


def _admits(policy: dict, provider: str, sub: str, aud: str) -> bool:
    claims = {f"{ISSUER}:aud": aud, f"{ISSUER}:sub": sub}
    return conditions.allows(policy, WEB_IDENTITY, provider, claims)


def _derive(cli, name: str, *extra: str):
    case = _case(name)
    root = CORPUS / name / "repo"
    return cli("ci-role", "--from-workflows", str(root), "--github", case["github"], *case["args"], *extra)


@pytest.mark.parametrize("case", DERIVED)
def test_the_derived_role_admits_every_job_and_refuses_near_misses(cli, case):
    expected = _case(case)
    result = _derive(cli, case)
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assumes = {f"{Path(j['path']).name} {j['job']}": j["subjects"] for j in document["jobs"] if j["assumes_role"]}
    chained = {f"{Path(j['path']).name} {j['job']}": j["subjects"] for j in document["jobs"] if not j["assumes_role"]}
    assert assumes == expected["jobs"]
    assert chained == expected["chained"]
    for key, subjects in expected["jobs"].items():  # each job and its subjects are shown to a person
        assert f"job {key.split()[1]}" in result.err and all(f"    {s}" in result.err for s in subjects)
    provider = document["provider"]["arn"]
    assert provider.startswith(f"arn:{expected['partition']}:iam::")
    assert document["provider"]["client_id_list"] == [expected["audience"]]
    policy = document["role"]["assume_role_policy"]
    admitted = [s for subjects in expected["jobs"].values() for s in subjects if "*" not in s] + expected["admitted"]
    for sub in admitted:
        assert _admits(policy, provider, sub, expected["audience"]), sub
        other = "sts.amazonaws.com" if expected["audience"] != "sts.amazonaws.com" else "https://github.com/acme"
        assert not _admits(policy, provider, sub, other), sub
    for sub in expected["refused"]:
        assert not _admits(policy, provider, sub, expected["audience"]), sub


@pytest.mark.parametrize("case", DERIVED)
def test_cloudformation_and_terraform_forms_admit_the_same(cli, case, tmp_path):
    expected = _case(case)
    provider = f"arn:{expected['partition']}:iam::123456789012:oidc-provider/{ISSUER}"
    template = json.loads(_derive(cli, case, "--format", "cloudformation").out)
    ref = {"Fn::If": ["CreateProvider", {"Ref": "OidcProvider"}, {"Ref": "ExistingProviderArn"}]}
    policy = template["Resources"]["Role"]["Properties"]["AssumeRolePolicyDocument"]
    policy = json.loads(json.dumps(policy).replace(json.dumps(ref), json.dumps(provider)))
    hcl = _terraform_policy(_derive(cli, case, "--format", "terraform").out)
    hcl = json.loads(json.dumps(hcl).replace(f"arn:aws:iam::123456789012:oidc-provider/{ISSUER}", provider))
    subjects = [s for subs in expected["jobs"].values() for s in subs if "*" not in s] + expected["admitted"]
    for form in (policy, hcl):
        assert all(_admits(form, provider, s, expected["audience"]) for s in subjects)
        assert not any(_admits(form, provider, s, expected["audience"]) for s in expected["refused"])
    require(shutil.which("cfn-lint"), "cfn-lint (pip install cfn-lint)")
    path = tmp_path / "role.json"
    path.write_text(json.dumps(template))
    linted = subprocess.run(["cfn-lint", str(path)], capture_output=True, text=True, timeout=120)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_what_the_files_cant_tell_is_asked_for_with_a_flag(cli, tmp_path):
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    step = (
        "      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n"
        "          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}\n"
        "          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n          aws-region: us-east-1\n"
    )
    (workflows / "a.yml").write_text(
        "on:\n  schedule:\n    - cron: '0 0 * * *'\njobs:\n  a:\n    runs-on: x\n    steps:\n" + step
    )
    (workflows / "b.yml").write_text(
        "on: push\njobs:\n  b:\n    runs-on: x\n    environment: ${{ vars.TARGET }}\n    steps:\n" + step
    )
    asked = cli("ci-role", "--from-workflows", str(tmp_path), "--github", "acme/web")
    assert asked.code == errors.EXIT_USAGE and asked.out == ""
    assert "--default-branch" in asked.err and "--environment" in asked.err
    answered = cli("ci-role", "--from-workflows", str(tmp_path), "--github", "acme/web", "--environment", "prod")
    assert answered.code == errors.EXIT_USAGE and "give it with --default-branch" in answered.err
    git = tmp_path / ".git" / "refs" / "remotes" / "origin"
    git.mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/remotes/origin/trunk\n")  # what a clone records
    found = cli("ci-role", "--from-workflows", str(tmp_path), "--github", "acme/web", "--environment", "prod")
    assert found.code == 0, found.err
    jobs = {j["job"]: j["subjects"] for j in json.loads(found.out)["jobs"]}
    assert jobs == {"a": ["repo:acme/web:ref:refs/heads/trunk"], "b": ["repo:acme/web:environment:prod"]}
    mixed = cli("ci-role", "--from-workflows", str(tmp_path), "--github", "acme/web", "--branch", "main")
    assert mixed.code == errors.EXIT_USAGE and "derives branches" in mixed.err


def test_jobs_in_two_partitions_are_refused(cli, tmp_path):
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    for name, region in (("a", "cn-northwest-1"), ("b", "us-gov-west-1")):
        (workflows / f"{name}.yml").write_text(
            f"on: push\njobs:\n  {name}:\n    runs-on: x\n    steps:\n"
            "      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n"
            f"          aws-access-key-id: K\n          aws-secret-access-key: S\n          aws-region: {region}\n"
        )
    result = cli("ci-role", "--from-workflows", str(tmp_path), "--github", "acme/web")
    assert result.code == errors.EXIT_USAGE and "aws-cn" in result.err and "aws-us-gov" in result.err
    (workflows / "a.yml").unlink()
    gov = json.loads(cli("ci-role", "--from-workflows", str(tmp_path), "--github", "acme/web").out)
    assert gov["provider"]["arn"].startswith("arn:aws-us-gov:") and gov["provider"]["client_id_list"] == [
        "sts.amazonaws.com"
    ]


@pytest.mark.parametrize(
    ("text", "known", "expected"),
    [
        ("production", {}, ["production"]),
        ("${{ github.ref == 'refs/heads/main' && 'production' || 'development' }}", {}, ["production", "development"]),
        ("${{ (github.event_name == 'push') && 'prod' || '' }}", {}, ["prod", ""]),
        ("${{ inputs.environment }}", {"inputs.environment": ["a", "b"]}, ["a", "b"]),
        ("app-${{ matrix.stage }}", {"matrix.stage": ["dev", "prod"]}, ["app-dev", "app-prod"]),
        ("${{ vars.TARGET }}", {}, None),
        ("${{ inputs.deploy && 'prod' || 'it''s' }}", {}, ["prod", "it's"]),
        ("${{ format('{0}-x', inputs.a) }}", {"inputs.a": ["q"]}, None),
    ],
)
def test_environment_expressions_yield_their_literals(text, known, expected):
    assert triggers.values(text, known) == expected


@pytest.mark.parametrize(
    ("glob", "matches", "misses"),
    [
        ("release/**", ["release/1", "release/a/b"], ["releases/1", "x/release/1"]),
        ("v[0-9]+.[0-9]+", ["v1.2", "v10.20"], ["w1.2"]),
        ("main", ["main"], ["main2"]),
    ],
)
def test_branch_globs_become_patterns_that_admit_at_least_them(glob, matches, misses):
    pattern = triggers.iam_pattern(glob)
    assert all(conditions.string_like(pattern, m) for m in matches)
    assert not any(conditions.string_like(pattern, m) for m in misses)


def test_render_uses_the_partition_of_the_spec():
    from ssohelper.ci.trust import RoleSpec

    spec = RoleSpec(platform="github", repository="a/b", role_name="r", branches=("main",), partition="aws-cn")
    assert render.document(spec)["provider"]["arn"].startswith("arn:aws-cn:iam::")


def test_audit_suggests_the_derived_role_and_the_command_runs_as_printed(cli, tmp_path):
    import shlex

    root = tmp_path / "repo"
    shutil.copytree(CORPUS / "master-default" / "repo", root)
    report = json.loads(cli("audit", "--ci", str(root), "--output", "json").out)
    assert (
        report["commands"][0] == f"ssohelper ci-role --from-workflows {root} --github ORG/REPO --default-branch BRANCH"
    )
    assert "--create-role" in report["commands"][1] and "--branch main" not in " ".join(report["commands"])
    git = root / ".git"
    (git / "refs" / "remotes" / "origin").mkdir(parents=True)
    (git / "refs" / "remotes" / "origin" / "HEAD").write_text("ref: refs/remotes/origin/master\n")
    (git / "config").write_text('[remote "origin"]\n\turl = git@github.com:acme/web.git\n')
    report = json.loads(cli("audit", "--ci", str(root), "--output", "json").out)
    command = report["commands"][0]
    assert command == f"ssohelper ci-role --from-workflows {root} --github acme/web"
    ran = cli(*shlex.split(command)[1:])
    assert ran.code == 0, ran.err
    assert json.loads(ran.out)["role"]["assume_role_policy"]["Statement"][0]["Condition"]["StringEquals"][
        f"{ISSUER}:sub"
    ] == ["repo:acme/web:ref:refs/heads/master", "repo:acme/web:pull_request"]


def test_only_chained_steps_point_at_their_own_role(cli, tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(CORPUS / "chained" / "repo", root)
    workflow = root / ".github" / "workflows" / "infra.yml"
    workflow.write_text(workflow.read_text().split("\n  upload:")[0] + "\n")  # the chained job alone
    result = cli("ci-role", "--from-workflows", str(root), "--github", "acme/web")
    assert result.code == errors.EXIT_USAGE and "give --role-name terraform-plan" in result.err
    own = cli("ci-role", "--from-workflows", str(root), "--github", "acme/web", "--role-name", "terraform-plan")
    assert own.code == 0, own.err
    assert json.loads(own.out)["jobs"][0]["subjects"] == [
        "repo:acme/web:ref:refs/heads/main",
        "repo:acme/web:pull_request",
    ]


def test_a_reusable_workflow_with_triggers_of_its_own_counts_both(cli, tmp_path):
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "r.yml").write_text(
        "on:\n  workflow_call:\n  push:\n    branches: [release]\njobs:\n  d:\n    runs-on: x\n    steps:\n"
        "      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n"
        "          aws-access-key-id: K\n          aws-secret-access-key: S\n          aws-region: us-east-1\n"
    )
    (workflows / "c.yml").write_text(
        "on:\n  push:\n    branches: [main]\njobs:\n  call:\n    uses: ./.github/workflows/r.yml\n"
    )
    result = cli("ci-role", "--from-workflows", str(tmp_path), "--github", "acme/web")
    assert result.code == 0, result.err
    jobs = [(j["why"], j["subjects"]) for j in json.loads(result.out)["jobs"]]
    assert jobs == [
        ("branches release", ["repo:acme/web:ref:refs/heads/release"]),
        ("called by .github/workflows/c.yml job call: branches main", ["repo:acme/web:ref:refs/heads/main"]),
    ]
    assert "each caller's job needs 'permissions: id-token: write'" in result.err


def test_a_callers_if_narrows_the_reusable_jobs_subjects(cli, tmp_path):
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "r.yml").write_text(
        "on: workflow_call\njobs:\n  d:\n    runs-on: x\n    steps:\n"
        "      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n"
        "          aws-access-key-id: K\n          aws-secret-access-key: S\n          aws-region: us-east-1\n"
    )
    (workflows / "c.yml").write_text(
        "on: [push, pull_request]\njobs:\n  call:\n    if: github.ref == 'refs/heads/main'\n"
        "    uses: ./.github/workflows/r.yml\n"
    )
    result = cli("ci-role", "--from-workflows", str(tmp_path), "--github", "acme/web")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert [j["subjects"] for j in document["jobs"]] == [["repo:acme/web:ref:refs/heads/main"]]
    policy, provider = document["role"]["assume_role_policy"], document["provider"]["arn"]
    assert not _admits(policy, provider, "repo:acme/web:pull_request", "sts.amazonaws.com")  # PR code can't

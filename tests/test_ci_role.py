"""ci-role: trust policies judged by evaluating their conditions against sample tokens, their
CloudFormation and Terraform forms checked by their own tools, --apply and --check against moto IAM."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid

import boto3
import pytest
from helpers import require

from ssohelper import errors
from ssohelper.ci import conditions, render
from ssohelper.ci.trust import GITHUB_ISSUER, WEB_IDENTITY, RoleSpec, check_spec, trust_policy

PROVIDER = f"arn:aws:iam::123456789012:oidc-provider/{GITHUB_ISSUER}"
AUD, SUB = f"{GITHUB_ISSUER}:aud", f"{GITHUB_ISSUER}:sub"

# sample tokens: the sub claim of each, all with the right audience
SAMPLES = {
    "main": "repo:acme/web:ref:refs/heads/main",
    "other-repo": "repo:acme/api:ref:refs/heads/main",
    "prefix-repo": "repo:acme/web-evil:ref:refs/heads/main",
    "fork": "repo:mallory/web:ref:refs/heads/main",
    "other-branch": "repo:acme/web:ref:refs/heads/feature",
    "release-1": "repo:acme/web:ref:refs/heads/release/1.2",
    "release-nested": "repo:acme/web:ref:refs/heads/release/x/y",
    "tag-v1": "repo:acme/web:ref:refs/tags/v1.0",
    "prod": "repo:acme/web:environment:prod",
    "staging": "repo:acme/web:environment:staging",
    "pr": "repo:acme/web:pull_request",
    "fork-prod": "repo:mallory/web:environment:prod",
}

CASES = [
    ({"branches": ("main",)}, {"main"}),
    ({"branches": ("main", "release/*")}, {"main", "release-1", "release-nested"}),
    ({"tags": ("v*",)}, {"tag-v1"}),
    ({"environments": ("prod",)}, {"prod"}),
    ({"pull_request": True}, {"pr"}),
    ({"branches": ("main",), "environments": ("prod",), "pull_request": True}, {"main", "prod", "pr"}),
    ({"branches": ("release/?",)}, set()),  # ? is one character: 1.2 has three
    ({"branches": ("release/?.?",), "tags": ("v1.?",)}, {"release-1", "tag-v1"}),
]


def _spec(**options) -> RoleSpec:
    return RoleSpec(platform="github", repository="acme/web", role_name="ci", **options)


def _let_in(policy: dict, provider: object = PROVIDER, aud: str = "sts.amazonaws.com") -> set[str]:
    return {
        name for name, sub in SAMPLES.items() if conditions.allows(policy, WEB_IDENTITY, provider, {AUD: aud, SUB: sub})
    }


@pytest.mark.parametrize(("options", "expected"), CASES)
def test_the_trust_policy_lets_in_exactly_the_intended_tokens(options, expected):
    spec = _spec(**options)
    check_spec(spec)
    policy = trust_policy(spec, PROVIDER)
    assert _let_in(policy) == expected
    assert _let_in(policy, aud="https://github.com/acme") == set()  # a token for another audience
    assert _let_in(policy, provider="arn:aws:iam::123456789012:oidc-provider/evil.example") == set()


@pytest.mark.parametrize(("options", "expected"), CASES)
def test_the_cloudformation_and_terraform_forms_carry_the_same_policy(options, expected):
    spec = _spec(**options)
    template = render.cloudformation(spec)
    cfn_policy = template["Resources"]["Role"]["Properties"]["AssumeRolePolicyDocument"]
    ref = {"Fn::If": ["CreateProvider", {"Ref": "OidcProvider"}, {"Ref": "ExistingProviderArn"}]}
    resolved = json.dumps(cfn_policy).replace(json.dumps(ref), json.dumps(PROVIDER))  # as CloudFormation does
    assert _let_in(json.loads(resolved)) == expected
    assert _let_in(_terraform_policy(render.terraform(spec))) == expected


def _terraform_policy(text: str) -> dict:
    """The jsonencode() argument of the role, parsed by python-hcl2 and read back as JSON."""
    import hcl2

    parsed = hcl2.loads(text)
    roles = [r['"aws_iam_role"'] for r in parsed["resource"] if '"aws_iam_role"' in r]
    expression = roles[0]['"ci"']["assume_role_policy"]
    body = re.fullmatch(r"\$\{jsonencode\((.*)\)\}", expression, re.DOTALL)
    assert body, expression
    as_json = re.sub(r'("(?:[^"\\]|\\.)*") = ', r"\1: ", body[1])
    as_json = as_json.replace("aws_iam_openid_connect_provider.ci.arn", json.dumps(PROVIDER))
    return json.loads(as_json)


def test_the_evaluator_follows_iam():
    like = conditions.string_like
    assert like("a*c", "abc") and like("a*c", "a:/c") and like("a?c", "abc") and not like("a?c", "ac")
    assert not like("a.c", "abc") and not like("A*", "abc")  # literal dot; values are case-sensitive
    both = {"StringEquals": {"k:aud": "x"}, "StringLike": {"k:sub": ["p:*", "q"]}}
    assert conditions.conditions_hold(both, {"k:aud": "x", "K:SUB": "q"})  # keys match case-insensitively
    assert not conditions.conditions_hold(both, {"k:aud": "y", "k:sub": "q"})  # operators are ANDed
    assert not conditions.conditions_hold(both, {"k:aud": "x"})  # a missing key does not match
    assert conditions.conditions_hold({"StringEquals": {"k": ["a", "b"]}}, {"k": "b"})  # values are ORed
    assert conditions.conditions_hold({"ForAnyValue:StringEquals": {"k": "a"}}, {"k": ["z", "a"]})
    assert not conditions.conditions_hold({"ForAllValues:StringEquals": {"k": "a"}}, {"k": ["z", "a"]})
    assert not conditions.conditions_hold({"StringNotEquals": {"k": "a"}}, {"k": "a"})
    assert not conditions.conditions_hold({"NumericEquals": {"k": "1"}}, {"k": "1"})  # unknown: no match


def test_a_deny_statement_wins():
    policy = trust_policy(_spec(branches=("*",)), PROVIDER)
    policy["Statement"].append(
        {
            "Effect": "Deny",
            "Principal": {"Federated": PROVIDER},
            "Action": WEB_IDENTITY,
            "Condition": {"StringEquals": {SUB: SAMPLES["other-branch"]}},
        }
    )
    assert "other-branch" not in _let_in(policy) and "main" in _let_in(policy)


@pytest.mark.parametrize(
    ("repository", "branch", "says"),
    [
        ("acme/*", "main", "every repository of 'acme' whose name matches '*'"),
        ("acme/web*", "main", "every repository of 'acme' whose name matches 'web*'"),
        ("*/web", "main", "any owner on GitHub"),
    ],
)
def test_a_subject_reaching_other_repositories_is_refused_and_says_what_it_lets_in(cli, repository, branch, says):
    result = cli("ci-role", "--github", repository, "--branch", branch)
    assert result.code == errors.EXIT_USAGE and result.out == ""
    assert says in result.err and "--allow-wildcard" in result.err
    allowed = cli("ci-role", "--github", repository, "--branch", branch, "--allow-wildcard")
    assert allowed.code == 0 and "warning:" in allowed.err
    policy = json.loads(allowed.out)["role"]["assume_role_policy"]
    assert "StringLike" in policy["Statement"][0]["Condition"]


def test_usage_errors(cli):
    assert cli("ci-role", "--branch", "main").code == errors.EXIT_USAGE
    assert cli("ci-role", "--github", "acme/web").code == errors.EXIT_USAGE  # no subject at all
    assert cli("ci-role", "--gitlab", "g/p", "--environment", "prod").code == errors.EXIT_USAGE
    result = cli("ci-role", "--github", "acme", "--branch", "main")
    assert result.code == errors.EXIT_USAGE and "ORG/REPO" in result.err


def test_gitlab_subjects_and_audience(cli):
    result = cli("ci-role", "--gitlab", "grp/sub/proj", "--gitlab-host", "gitlab.example.com", "--branch", "main")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    policy = document["role"]["assume_role_policy"]
    provider = document["provider"]["arn"]
    assert document["provider"]["url"] == "https://gitlab.example.com"

    def allowed(sub: str, aud: str = "https://gitlab.example.com") -> bool:
        claims = {"gitlab.example.com:aud": aud, "gitlab.example.com:sub": sub}
        return conditions.allows(policy, WEB_IDENTITY, provider, claims)

    assert allowed("project_path:grp/sub/proj:ref_type:branch:ref:main")
    assert not allowed("project_path:grp/sub/proj:ref_type:tag:ref:main")
    assert not allowed("project_path:grp/sub/proj-2:ref_type:branch:ref:main")
    assert not allowed("project_path:grp/sub/proj:ref_type:branch:ref:main", aud="sts.amazonaws.com")


@pytest.mark.parametrize("options", [c[0] for c in CASES[:3]])
def test_cfn_lint_accepts_the_template(tmp_path, options):
    require(shutil.which("cfn-lint"), "cfn-lint (pip install cfn-lint)")
    path = tmp_path / "role.json"
    path.write_text(
        render.render(_spec(policy_arns=("arn:aws:iam::aws:policy/ReadOnlyAccess",), **options), "cloudformation")
    )
    linted = subprocess.run(["cfn-lint", str(path)], capture_output=True, text=True, timeout=120)
    assert linted.returncode == 0, linted.stdout + linted.stderr


# --- --apply and --check against moto IAM ---------------------------------------------------


@pytest.fixture
def admin(isolated_home, moto_url, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    aws = isolated_home / ".aws"
    aws.mkdir(exist_ok=True)
    (aws / "credentials").write_text("[admin]\naws_access_key_id = admin\naws_secret_access_key = admin\n")
    return boto3.client(
        "iam", endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="admin", aws_secret_access_key="admin"
    )


def test_apply_creates_the_provider_and_role_then_changes_nothing(cli, admin):
    host = f"gitlab-{uuid.uuid4().hex[:8]}.example.com"
    role = f"ci-{uuid.uuid4().hex[:8]}"
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
    policy_arn = admin.create_policy(PolicyName=role, PolicyDocument=json.dumps(document))["Policy"]["Arn"]
    args = ["ci-role", "--gitlab", "g/p", "--gitlab-host", host, "--branch", "main", "--role-name", role]
    args += ["--policy-arn", policy_arn, "--apply", "--profile", "admin"]
    first = cli(*args)
    assert first.code == 0, first.err
    arn = admin.get_role(RoleName=role)["Role"]["Arn"]
    assert first.out == f"{arn}\n"
    assert "created the OIDC provider" in first.err and "created the role" in first.err
    providers = [p["Arn"] for p in admin.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
    assert sum(p.endswith(f"/{host}") for p in providers) == 1
    attached = admin.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [policy_arn]

    second = cli(*args)
    assert second.code == 0 and second.out == first.out
    assert "nothing changed" in second.err and "created" not in second.err

    third = cli(*args[:-2], "--max-session-duration", "7200", "--branch", "release/*", "--apply", "--profile", "admin")
    assert third.code == 0, third.err
    assert "replaced the trust policy" in third.err and "7200" in third.err
    stored = admin.get_role(RoleName=role)["Role"]
    assert stored["MaxSessionDuration"] == 7200
    assert cli("ci-role", "--check", role, "--profile", "admin").code == 0


def _make_role(admin, policy: dict) -> str:
    name = f"hand-{uuid.uuid4().hex[:8]}"
    admin.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(policy))
    return name


def _hand_written(condition: dict) -> dict:
    statement = {"Effect": "Allow", "Principal": {"Federated": PROVIDER}, "Action": WEB_IDENTITY}
    return {"Version": "2012-10-17", "Statement": [{**statement, "Condition": condition}]}


@pytest.mark.parametrize(
    ("condition", "code"),
    [
        ({"StringEquals": {AUD: "sts.amazonaws.com"}}, "no-sub"),
        ({"StringLike": {AUD: "sts.amazonaws.com", SUB: "repo:acme/*"}}, "wildcard-repository"),
        ({"StringEquals": {AUD: "sts.amazonaws.com"}, "StringLike": {SUB: "*"}}, "wildcard-repository"),
        ({"StringEquals": {SUB: "repo:acme/web:ref:refs/heads/main"}}, "no-aud"),
        (
            {"StringEquals": {AUD: "sts.amazonaws.com", SUB: "repo:acme/web:ref:refs/heads/main:environment:prod"}},
            "never-matches",
        ),
        ({"StringEquals": {AUD: "sts.amazonaws.com", SUB: "repo:acme/web:ref:main"}}, "never-matches"),
        ({"StringEquals": {AUD: "https://github.com/acme", SUB: "repo:acme/web:ref:refs/heads/main"}}, "wrong-aud"),
        (
            {
                "StringEquals": {
                    AUD: "sts.amazonaws.com",
                    f"{GITHUB_ISSUER}:job_workflow_ref": "acme/ci/.github/w.yml@v1",
                }
            },
            "job-workflow-ref-only",
        ),
        ({"StringEquals": {AUD: "sts.amazonaws.com"}, "StringLike": {SUB: "acme/web:*"}}, "never-matches"),
        ({"AWS": "*"}, "any-principal"),
    ],
)
def test_check_reports_each_mistake_with_exit_10(cli, admin, condition, code):
    if "AWS" in condition:  # a Principal, not a condition
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": condition}]}
        policy["Statement"][0]["Action"] = "sts:AssumeRole"
        name = _make_role(admin, policy)
    else:
        name = _make_role(admin, _hand_written(condition))
    result = cli("ci-role", "--check", name, "--profile", "admin")
    assert result.code == errors.EXIT_FINDINGS, result.out + result.err
    assert f"mistake: {code}:" in result.out


def test_check_passes_a_role_written_by_ci_role(cli, admin):
    policy = trust_policy(_spec(branches=("main", "release/*"), environments=("prod",)), PROVIDER)
    name = _make_role(admin, policy)
    result = cli("ci-role", "--check", name, "--profile", "admin")
    assert result.code == 0, result.out
    assert "mistake:" not in result.out
    assert "note: pattern: 'repo:acme/web:ref:refs/heads/release/*' admits every subject of acme/web" in result.out
    assert "the notes say what its patterns admit" in result.out


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("repo:acme/web:*", "admits every branch, tag, environment and pull request of acme/web"),
        ("repo:acme/web:ref:refs/heads/*", "admits every branch of acme/web"),
        ("repo:acme/web:environment:*", "admits every environment of acme/web"),
        ("project_path:g/p:*", "admits every branch and tag of g/p"),
    ],
)
def test_check_describes_a_pattern_by_what_it_admits(pattern, says):
    from ssohelper.ci import review

    host = "gitlab.com" if pattern.startswith("project_path") else GITHUB_ISSUER
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{host}"},
        "Action": WEB_IDENTITY,
        "Condition": {"StringEquals": {f"{host}:aud": "sts.amazonaws.com"}, "StringLike": {f"{host}:sub": pattern}},
    }
    findings = review.review({"Statement": [statement]})
    assert [(f.severity, f.code) for f in findings] == [("note", "pattern")] and says in findings[0].message


def test_github_enterprise_server_issuer(cli):
    result = cli("ci-role", "--github", "acme/web", "--github-host", "https://ghe.example.com/", "--branch", "main")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    host = "ghe.example.com/_services/token"
    assert document["provider"]["url"] == f"https://{host}"
    claims = {f"{host}:aud": "sts.amazonaws.com", f"{host}:sub": "repo:acme/web:ref:refs/heads/main"}
    policy = document["role"]["assume_role_policy"]
    assert conditions.allows(policy, WEB_IDENTITY, document["provider"]["arn"], claims)
    from ssohelper.ci import review

    assert not [f for f in review.review(policy) if f.severity == "mistake"]
    wrong = json.loads(json.dumps(policy).replace("refs/heads/main", "main"))
    assert [f.code for f in review.review(wrong)] == ["never-matches"]  # GitHub's forms, on GHES too
    assert cli("ci-role", "--gitlab", "g/p", "--github-host", "x", "--branch", "main").code == errors.EXIT_USAGE


def test_check_of_a_missing_role_is_a_clear_error(cli, admin):
    result = cli("ci-role", "--check", "no-such-role", "--profile", "admin")
    assert result.code == errors.EXIT_CONFIG and "no role named 'no-such-role'" in result.err


@pytest.mark.parametrize(
    ("condition", "code"),
    [
        ({"StringEquals": {"gitlab.com:aud": "https://gitlab.com"}}, "no-sub"),
        (
            {"StringLike": {"gitlab.com:aud": "https://gitlab.com", "gitlab.com:sub": "project_path:grp/*"}},
            "wildcard-repository",
        ),
        (
            {
                "StringEquals": {
                    "gitlab.com:aud": "https://gitlab.com",
                    "gitlab.com:sub": "repo:grp/proj:ref:refs/heads/main",
                }
            },
            "never-matches",
        ),
    ],
)
def test_check_knows_gitlab_subjects(cli, admin, condition, code):
    provider = "arn:aws:iam::123456789012:oidc-provider/gitlab.com"
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": provider},
        "Action": WEB_IDENTITY,
        "Condition": condition,
    }
    name = _make_role(admin, {"Version": "2012-10-17", "Statement": [statement]})
    result = cli("ci-role", "--check", name, "--profile", "admin")
    assert result.code == errors.EXIT_FINDINGS and f"mistake: {code}:" in result.out, result.out


def test_a_job_workflow_ref_condition_when_asked(cli):
    ref = "acme/shared/.github/workflows/deploy.yml@refs/tags/v*"
    result = cli("ci-role", "--github", "acme/web", "--branch", "main", "--job-workflow-ref", ref)
    assert result.code == 0, result.err
    document = json.loads(result.out)
    policy, provider = document["role"]["assume_role_policy"], document["provider"]["arn"]

    def allowed(workflow: str | None, sub: str = SAMPLES["main"]) -> bool:
        claims = {AUD: "sts.amazonaws.com", SUB: sub}
        if workflow is not None:
            claims[f"{GITHUB_ISSUER}:job_workflow_ref"] = workflow
        return conditions.allows(policy, WEB_IDENTITY, provider, claims)

    assert allowed("acme/shared/.github/workflows/deploy.yml@refs/tags/v1.2")
    assert not allowed("acme/shared/.github/workflows/deploy.yml@refs/heads/main")  # not a release
    assert not allowed("acme/shared/.github/workflows/other.yml@refs/tags/v1.2")
    assert not allowed(None)  # the job ran no reusable workflow
    assert not allowed("acme/shared/.github/workflows/deploy.yml@refs/tags/v1.2", SAMPLES["fork"])
    from ssohelper.ci import review

    assert not [f for f in review.review(policy) if f.severity == "mistake"]
    bad = cli("ci-role", "--github", "acme/web", "--branch", "main", "--job-workflow-ref", "deploy.yml")
    assert bad.code == errors.EXIT_USAGE and "ORG/REPO/.github/workflows/FILE@REF" in bad.err


def test_the_immutable_subject_format_with_owner_and_repository_ids(cli):
    plain = cli("ci-role", "--github", "acme/web", "--branch", "main")
    assert "OWNER@OWNER_ID/REPO@REPO_ID" in plain.err  # said, since new repositories get it by default
    result = cli("ci-role", "--github", "acme@123/web@456", "--branch", "main")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["role"]["name"] == "ci-acme-web" and "OWNER@OWNER_ID" not in result.err
    policy, provider = document["role"]["assume_role_policy"], document["provider"]["arn"]

    def allowed(sub: str) -> bool:
        return conditions.allows(policy, WEB_IDENTITY, provider, {AUD: "sts.amazonaws.com", SUB: sub})

    assert allowed("repo:acme@123/web@456:ref:refs/heads/main")
    assert not allowed("repo:acme/web:ref:refs/heads/main")
    assert not allowed("repo:acme@999/web@456:ref:refs/heads/main")  # a recycled owner name

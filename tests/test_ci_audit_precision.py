"""audit --ci finds what an expert reading the files finds: not comments, not dummy values or
keys for other clouds' endpoints (noted instead), key inputs under any name, GitLab rules."""

from __future__ import annotations

import json

import pytest

from ssohelper import errors
from ssohelper.ci import keyclues


@pytest.mark.parametrize(
    ("name", "holds_a_key"),
    [
        ("aws-access-key-id", True),
        ("aws_key_id", True),
        ("aws_secret_key", True),
        ("awsSecretAccessKey", True),
        ("aws_session_token", True),
        ("AWS_ACCESS_KEY_ID", True),
        ("aws_region", False),
        ("aws_kms_key_id", False),
        ("aws_bucket", False),
        ("role-to-assume", False),
        ("ssh_key", False),
    ],
)
def test_key_inputs_under_other_names(name, holds_a_key):
    assert keyclues.key_input(name) is holds_a_key


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("  key: value # note", "  key: value "),
        ("# all of it", ""),
        ("  run: echo 'a # b'", "  run: echo 'a # b'"),
        ('  url: "http://x/#frag" # c', '  url: "http://x/#frag" '),
        ("  run: curl http://x/#frag", "  run: curl http://x/#frag"),
    ],
)
def test_comments_are_cut_where_yaml_cuts_them(line, kept):
    assert keyclues.uncommented(line) == kept


def test_gitlab_rules_variables_and_a_ci_file_given_by_path(cli, tmp_path):
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "ci").mkdir()
    (root / "ci" / "deploy.gitlab-ci.yml").write_text(
        "include:\n  - local: ci/common.yml\n"
        "workflow:\n  rules:\n    - if: $CI_COMMIT_TAG\n      variables:\n        AWS_ACCESS_KEY_ID: $RELEASE_KEY\n"
        "deploy:\n  script: [./deploy.sh]\n  rules:\n    - if: $CI_COMMIT_BRANCH == 'main'\n      variables:\n"
        "        AWS_SECRET_ACCESS_KEY: $PROD_SECRET\n"
        "        # AWS_SESSION_TOKEN: $OLD\n"
    )
    (root / "ci" / "common.yml").write_text(
        "minio:\n  variables:\n    AWS_ACCESS_KEY_ID: minio\n    AWS_ENDPOINT_URL: http://minio:9000\n"
    )
    folder = cli("audit", "--ci", str(root), "--output", "json")
    assert folder.code == 0 and json.loads(folder.out)["files"] == []  # no .gitlab-ci.yml at the top
    result = cli("audit", "--ci", str(root / "ci" / "deploy.gitlab-ci.yml"), "--output", "json")
    assert result.code == errors.EXIT_FINDINGS, result.err
    report = json.loads(result.out)
    assert report["root"] == str(root) and report["files"] == ["ci/deploy.gitlab-ci.yml", "ci/common.yml"]
    found = [(f["path"], f["line"], f["name"], f["job"]) for f in report["findings"]]
    assert found == [
        ("ci/deploy.gitlab-ci.yml", 7, "AWS_ACCESS_KEY_ID", None),
        ("ci/deploy.gitlab-ci.yml", 13, "AWS_SECRET_ACCESS_KEY", "deploy"),
    ]
    assert report["notes"] == [
        "ci/common.yml:3: AWS_ACCESS_KEY_ID goes with the non-AWS endpoint minio; not a key to replace with a role"
    ]
    assert "ssohelper ci-role --gitlab" in report["commands"][0]

"""audit: find static keys (masked) wherever they hide."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest

from ssohelper import errors
from ssohelper.keys.survey import key_kind

CONFIG_KEY = "AKIAIOSFODNN7EXAMPLE"
CREDS_KEY = "AKIAI44QH8DHBEXAMPLE"
ENV_KEY = "ASIAJEXAMPLEXEG2JICE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.fixture
def static_everywhere(isolated_home, monkeypatch):
    aws = isolated_home / ".aws"
    aws.mkdir()
    (aws / "config").write_text(
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n"
        f"[profile old]\naws_access_key_id = {CONFIG_KEY}\naws_secret_access_key = {SECRET}\n\n"
        "[profile chained]\nsource_profile = ci\nrole_arn = arn:aws:iam::111111111111:role/Deploy\n\n"
        "[profile gone]\ncredential_process = /nonexistent/bin/helper --x\n\n"
        "[profile fine]\ncredential_process = sh -c 'echo {}'\n"
    )
    (aws / "credentials").write_text(f"[ci]\naws_access_key_id = {CREDS_KEY}\naws_secret_access_key = {SECRET}\n")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ENV_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    return aws


def test_audit_finds_a_key_in_config_credentials_and_environment(static_everywhere, cli):
    result = cli("audit")
    assert result.code == errors.EXIT_FINDINGS
    lines = result.out.splitlines()
    assert "long-term key AKIA****MPLE: profile 'ci' in credentials file ~/.aws/credentials;" in lines[0]
    assert "migrate-profiles can move it to SSO" in lines[0]
    assert lines[1] == "  used through source_profile by: chained"
    assert lines[2].startswith("long-term key AKIA****MPLE: profile 'old' in config file ~/.aws/config;")
    assert lines[3].startswith("temporary key ASIA****JICE: AWS_ACCESS_KEY_ID in environment;")
    assert "credential_process of profile 'gone': /nonexistent/bin/helper: the program does not exist" in lines
    assert not any("'fine'" in line for line in lines)
    assert lines[-2] == "to move them to SSO, run: ssohelper migrate-profiles ci old --sso-session corp --dry-run"
    assert "IAM Roles Anywhere (aws_signing_helper credential-process): ssohelper migrate-profiles ci old " in lines[-1]
    assert lines[-1].endswith(
        "--style roles-anywhere --certificate CERT.pem --private-key KEY.pem "
        "--trust-anchor-arn ARN --profile-arn ARN --role-arn ARN --dry-run"
    )
    assert "2 long-term access key(s) found (exit 10)" in result.err
    for secret in (SECRET, CONFIG_KEY, CREDS_KEY, ENV_KEY):
        assert secret not in result.out + result.err


def test_audit_json_and_a_clean_machine_exits_zero(static_everywhere, cli, monkeypatch):
    document = json.loads(cli("audit", "--output", "json").out)
    assert document["long_term_keys"] == 2
    assert [(k["source"], k["kind"], k["migratable"]) for k in document["keys"]] == [
        ("credentials file", "long-term", True),
        ("config file", "long-term", True),
        ("environment", "temporary", False),
    ]
    (static_everywhere / "credentials").write_text("")
    (static_everywhere / "config").write_text("[profile fine]\nregion = eu-west-1\n")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    clean = cli("audit")
    assert clean.code == 0 and "no static credentials" in clean.out


def test_audit_online_reports_age_and_last_use_from_iam(isolated_home, moto_url, monkeypatch, cli):
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", moto_url)
    iam = boto3.client(
        "iam", endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="admin", aws_secret_access_key="admin"
    )
    user = f"audit-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    aws = isolated_home / ".aws"
    aws.mkdir()
    (aws / "credentials").write_text(
        f"[legacy]\naws_access_key_id = {key['AccessKeyId']}\naws_secret_access_key = {key['SecretAccessKey']}\n"
        f"[bogus]\naws_access_key_id = {CONFIG_KEY}\naws_secret_access_key = {SECRET}\n"
    )
    result = cli("audit", "--online", "--output", "json")
    assert result.code == errors.EXIT_FINDINGS, result.err
    keys = {k["profile"]: k for k in json.loads(result.out)["keys"]}
    legacy = keys["legacy"]["iam"]
    assert legacy["error"] is None and legacy["age_days"] == 0 and legacy["created"].endswith("Z")
    assert legacy["status"] == "active"
    assert keys["bogus"]["iam"]["error"].startswith("IAM refused: ")
    assert key["SecretAccessKey"] not in result.out and key["AccessKeyId"] not in result.out
    text = cli("audit", "--online").out
    assert "  IAM: Active; created " in text and "(0 days ago)" in text
    iam.update_access_key(UserName=user, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert "  IAM: Inactive; created " in cli("audit", "--online").out


@pytest.mark.parametrize(("key", "kind"), [("AKIA1", "long-term"), ("ASIA1", "temporary"), ("ABIA1", "unknown")])
def test_key_kinds(key, kind):
    assert key_kind(key) == kind

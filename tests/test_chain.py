"""Role chaining from SSO profiles (role_arn + source_profile) against moto's STS: the caller
identity is the assumed role, and the assumed credentials are cached like role credentials."""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

from helpers import ACCOUNT, ADMIN_ARN, ROLE, caller_arn, peak_rss, run_ssohelper

from ssohelper import errors, paths


def test_export_assumes_the_role_from_the_sso_credentials(chained, cli, emulator):
    result = cli("export", "--profile", "prod-admin", "--format", "json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert caller_arn(document, chained) == "arn:aws:sts::222222222222:assumed-role/Admin/alice"
    assert document["AccountId"] == "222222222222" and document["RoleName"] == "Admin"
    left = time.mktime(time.strptime(document["Expiration"], "%Y-%m-%dT%H:%M:%SZ")) - time.mktime(time.gmtime())
    assert 1700 < left <= 1800  # duration_seconds
    assert emulator.calls["GetRoleCredentials"] == 1  # the SSO role at the root


def test_the_assumed_credentials_are_cached_like_role_credentials(chained, cli, emulator):
    first = json.loads(cli("export", "--profile", "audit", "--format", "json").out)
    assert caller_arn(first, chained).startswith("arn:aws:sts::333333333333:assumed-role/Audit/")
    again = json.loads(cli("export", "--profile", "audit", "--format", "json").out)
    assert again["AccessKeyId"] == first["AccessKeyId"]  # moto hands out new keys per AssumeRole
    assert emulator.calls["GetRoleCredentials"] == 1
    entries = sorted(p.name for p in Path(paths.role_cache_dir()).glob("*.cred"))
    assert len(entries) == 3 and sum("chain-" in name for name in entries) == 2  # one per hop
    assert all((Path(paths.role_cache_dir()) / name).stat().st_mode & 0o777 == 0o600 for name in entries)
    assert cli("logout", "--sso-session", "corp").code == 0  # a sign-out ends them too
    assert not list(Path(paths.role_cache_dir()).glob("*.cred"))
    assert cli("export", "--profile", "audit").code == errors.EXIT_LOGIN_REQUIRED


def test_credential_process_with_a_chained_profile(chained, emulator):
    result = run_ssohelper("credential-process", "--profile", "prod-admin")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["Version"] == 1 and document["AccountId"] == "222222222222"
    assert caller_arn(document, chained) == "arn:aws:sts::222222222222:assumed-role/Admin/alice"
    cached = run_ssohelper("credential-process", "--profile", "prod-admin")
    assert json.loads(cached.stdout)["AccessKeyId"] == document["AccessKeyId"]


def test_exec_gives_the_child_the_assumed_role(chained, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    script = "import boto3, os; print(os.environ['AWS_REGION'], boto3.client('sts').get_caller_identity()['Arn'])"
    result = run_ssohelper("exec", "--profile", "prod-admin", "--", sys.executable, "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["eu-west-2", "arn:aws:sts::222222222222:assumed-role/Admin/alice"]


def test_console_signs_in_as_the_assumed_role(chained, cli, emulator, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", emulator.url)
    document = json.loads(cli("export", "--profile", "prod-admin", "--format", "json").out)
    emulator.accept_credentials(document["AccessKeyId"], document["SecretAccessKey"])
    result = cli("console", "--profile", "prod-admin", "--print")
    assert result.code == 0, result.err
    assert emulator.signin_tokens and emulator.signin_tokens[-1] in result.out


def test_mfa_without_a_terminal_is_a_clear_error(chained, cli):
    result = cli("export", "--profile", "with-mfa")
    assert result.code == errors.EXIT_LOGIN_REQUIRED
    assert "needs an MFA code (mfa_serial arn:aws:iam::111111111111:mfa/alice)" in result.err
    assert "no terminal" in result.err and result.out == ""


def test_a_loop_or_a_non_sso_root_is_a_config_error(chained, cli, isolated_home):
    loop = cli("export", "--profile", "loop-a")
    assert loop.code == errors.EXIT_CONFIG and "loop-a -> loop-b -> loop-a" in loop.err
    (isolated_home / ".aws" / "credentials").write_text(
        "[static]\naws_access_key_id = AKIA1\naws_secret_access_key = s\n"
    )
    config = isolated_home / ".aws" / "config"
    config.write_text(
        config.read_text() + f"\n[profile from-static]\nrole_arn = {ADMIN_ARN}\nsource_profile = static\n"
    )
    static = cli("export", "--profile", "from-static")
    assert static.code == errors.EXIT_CONFIG and "chains from 'static', which is not an SSO profile" in static.err


def test_the_caller_identity_of_the_root_is_the_sso_role(chained, cli):
    document = json.loads(cli("export", "--profile", "dev", "--format", "json").out)
    assert document["RoleName"] == ROLE and document["AccountId"] == ACCOUNT


def test_an_oversized_assume_role_answer_is_exit_5_at_the_usual_memory(chained, monkeypatch):
    from ssohelper.emulator.proxy import Proxy

    code, err, usual = peak_rss("credential-process", "--profile", "prod-admin")
    assert code == 0, err
    shutil.rmtree(paths.role_cache_dir())  # the next one assumes the role again
    with Proxy(chained, answer_bytes=200 * 1024 * 1024) as flood:  # 200 MB, with no Content-Length
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", flood.url)
        code, err, flooded = peak_rss("credential-process", "--profile", "prod-admin")
    assert code == errors.EXIT_AWS, err
    assert err.startswith("ssohelper: AssumeRole: the answer is larger than 4 MiB") and err.count("\n") == 1
    print(f"peak RSS: usual {usual:.0f} MiB, facing the flood {flooded:.0f} MiB")
    assert flooded - usual < 30, (usual, flooded)

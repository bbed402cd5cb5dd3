"""The credential server over chained profiles (role_arn + source_profile over an SSO profile):
``serve``, ``serve --imds`` and ``exec --server`` hand SDKs the assumed role, from the cache, and
a chain that needs an MFA code gets a clear answer instead of a prompt nobody can see."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from helpers import ADMIN_ARN, assume_role_calls, converse, run_ssohelper
from serving import Served, as_an_sdk, boto3_in, client_env, raw

from ssohelper import errors, paths
from ssohelper.roles import envcreds
from ssohelper.serve.imds import ROLE_PATH, TOKEN_HEADER, TOKEN_PATH, TTL_HEADER

ADMIN = "arn:aws:sts::222222222222:assumed-role/Admin/alice"
CHILD = """
import json, os, boto3
session = boto3.Session()
print(json.dumps({"method": session.get_credentials().method,
                  "arn": session.client("sts").get_caller_identity()["Arn"],
                  "env": {k: v for k, v in os.environ.items() if k.startswith("AWS_")}}))
"""


def chain_entries() -> list[Path]:
    return sorted(Path(paths.role_cache_dir()).glob("*chain-*.cred"))


def test_serve_hands_boto3_the_assumed_role_and_serves_it_from_the_cache(chained):
    before = assume_role_calls(ADMIN_ARN)
    with Served("--profile", "prod-admin") as served:
        first = boto3_in(client_env(served.variables))
        second = boto3_in(client_env(served.variables))
        code, err = served.stop()
    assert code == 0, err
    assert first["method"] == "container-role" and first["arn"] == ADMIN
    assert second["key"] == first["key"]  # moto hands out new keys on every AssumeRole
    assert assume_role_calls(ADMIN_ARN) == before + 1  # serve's start assumed it; requests read the cache
    assert len(chain_entries()) == 1


def test_exec_server_gives_the_command_the_assumed_role_and_no_keys(chained):
    before = assume_role_calls(ADMIN_ARN)
    result = run_ssohelper("exec", "--server", "--profile", "prod-admin", "--", sys.executable, "-c", CHILD)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["method"] == "container-role" and seen["arn"] == ADMIN
    assert "AWS_ACCESS_KEY_ID" not in seen["env"] and "AWS_CONTAINER_CREDENTIALS_FULL_URI" in seen["env"]
    assert assume_role_calls(ADMIN_ARN) == before + 1


def test_exec_server_region_outranks_the_environment_and_the_profile(chained):
    script = "import json, os; print(json.dumps({k: v for k, v in os.environ.items() if k.startswith('AWS_')}))"
    result = run_ssohelper(
        "exec", "--server", "--profile", "dev", "--region", "eu-west-2", "--", sys.executable, "-c", script
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)  # dev's region and AWS_DEFAULT_REGION are both us-east-1
    assert seen["AWS_REGION"] == seen["AWS_DEFAULT_REGION"] == "eu-west-2"
    assert "AWS_ACCESS_KEY_ID" not in seen and "AWS_CONTAINER_CREDENTIALS_FULL_URI" in seen


def test_exec_server_without_a_command_starts_the_shell(chained, tmp_path, monkeypatch):
    shell = tmp_path / "shell"
    shell.write_text(f"#!{sys.executable}\n" + CHILD)
    shell.chmod(0o755)
    monkeypatch.setenv("SHELL", str(shell))
    result = run_ssohelper("exec", "--server", "--profile", "prod-admin")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["arn"] == ADMIN


def test_imds_names_the_assumed_role_and_serves_it(chained):
    with Served("--profile", "prod-admin", "--imds") as served:
        url = served.variables["AWS_EC2_METADATA_SERVICE_ENDPOINT"]
        token = raw(url, method="PUT", path=TOKEN_PATH, headers={TTL_HEADER: "60"}).body
        named = raw(url, path=ROLE_PATH, headers={TOKEN_HEADER: token})
        assert (named.status, named.body) == (200, "Admin")
        seen = boto3_in(client_env(served.variables, drop=("AWS_EC2_METADATA_DISABLED",)))
    assert seen["method"] == "iam-role" and seen["arn"] == ADMIN


def test_serve_of_an_mfa_chain_with_nothing_cached_exits_3_at_once(chained):
    result = run_ssohelper("serve", "--profile", "with-mfa")
    assert result.returncode == errors.EXIT_LOGIN_REQUIRED and result.stdout == ""
    assert "needs an MFA code (mfa_serial arn:aws:iam::111111111111:mfa/alice)" in result.stderr
    assert "no terminal" in result.stderr and "Traceback" not in result.stderr


def test_an_mfa_chain_whose_cache_ran_out_gets_the_sdk_a_clear_401(chained):
    envcreds.profile_credentials("with-mfa", ask_mfa=lambda serial: "123456")  # entered once on a terminal
    with Served("--profile", "with-mfa") as served:
        url, headers = (
            served.variables["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
            {"Authorization": served.variables["AWS_CONTAINER_AUTHORIZATION_TOKEN"]},
        )
        assert as_an_sdk(url, headers=headers).status == 200
        for entry in chain_entries():  # as when the assumed credentials expire
            entry.unlink()
        reply = as_an_sdk(url, headers=headers)
        code, err = served.stop()
    assert code == 0, err
    assert reply.status == 401 and reply.json()["Code"] == "LoginRequired"
    assert "needs an MFA code" in reply.json()["Message"] and "no terminal" in reply.json()["Message"]


def test_exec_server_asks_for_the_mfa_code_on_a_terminal(chained):
    """As exec without --server does: the code is asked once, at the start; the server then serves
    the cached role (a renewal, with the command holding the terminal, gets the 401 above)."""
    command = ["exec", "--server", "--profile", "with-mfa", "--", sys.executable, "-c", CHILD]
    seen = converse(command, [(b"MFA code for arn:aws:iam::111111111111:mfa/alice", b"123456\n")])
    assert "assumed-role/Admin/" in seen.decode(errors="replace")

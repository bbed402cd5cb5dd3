"""migrate-profiles --style roles-anywhere: the profile botocore runs aws_signing_helper from."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ssohelper import errors

ANCHOR = "arn:aws:rolesanywhere:eu-west-1:111111111111:trust-anchor/0d1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8"
PROFILE = "arn:aws:rolesanywhere:eu-west-1:111111111111:profile/9a8b7c6d-5e4f-3a2b-1c0d-e9f8a7b6c5d4"
ROLE = "arn:aws:iam::111111111111:role/nightly-backup"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

HELPER = """#!{python}
import json, sys
with open({log!r}, "w") as log:
    json.dump(sys.argv[1:], log)
print(json.dumps({{"Version": 1, "AccessKeyId": "ASIAROLESANYWHERE123", "SecretAccessKey": "s",
                  "SessionToken": "t", "Expiration": "2099-01-01T00:00:00Z"}}))
"""


@pytest.fixture
def machine(isolated_home, monkeypatch):
    """A server's static-key profile, a certificate with its key (in a folder with a space), and
    a stand-in aws_signing_helper on PATH that logs the arguments botocore gave it."""
    aws = isolated_home / ".aws"
    aws.mkdir()
    (aws / "config").write_text("# the backup job\n[profile backup]\nregion = eu-west-1\noutput = json\n")
    (aws / "credentials").write_text(
        f"[backup]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = {SECRET}\n"
    )
    pki = isolated_home / "my pki"
    pki.mkdir()
    (pki / "cert.pem").write_text("certificate\n")
    (pki / "key.pem").write_text("key\n")
    bin_dir = isolated_home / "bin"
    bin_dir.mkdir()
    helper = bin_dir / "aws_signing_helper"
    log = isolated_home / "helper-args.json"
    helper.write_text(HELPER.format(python=sys.executable, log=str(log)))
    helper.chmod(0o755)
    monkeypatch.setenv("PATH", os.pathsep.join([str(bin_dir), os.environ["PATH"]]))
    return {"aws": aws, "pki": pki, "log": log}


def _options(pki) -> list[str]:
    return [
        "--certificate",
        str(pki / "cert.pem"),
        "--private-key",
        str(pki / "key.pem"),
        "--trust-anchor-arn",
        ANCHOR,
        "--profile-arn",
        PROFILE,
        "--role-arn",
        ROLE,
    ]


def test_the_profile_runs_the_signing_helper_and_botocore_gets_its_credentials(cli, machine):
    result = cli("migrate-profiles", "--style", "roles-anywhere", *_options(machine["pki"]), "--yes")
    assert result.code == 0, result.err
    rows = [line.split() for line in result.out.splitlines()]
    assert ["backup", "111111111111", "nightly-backup", "roles-anywhere", "--role-arn"] in rows
    assert SECRET not in result.out + result.err
    config = (machine["aws"] / "config").read_text()
    assert config.startswith("# the backup job\n[profile backup]\nregion = eu-west-1\noutput = json\n")
    assert "credential_process = aws_signing_helper credential-process --certificate '" in config
    assert "aws_access_key_id" not in (machine["aws"] / "credentials").read_text()
    got = subprocess.run(
        [
            sys.executable,
            "-c",
            "import botocore.session as s; c = s.Session(profile='backup').get_credentials();"
            "print(c.method, c.access_key)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )
    assert got.stdout.split() == ["custom-process", "ASIAROLESANYWHERE123"], got.stderr
    pki = machine["pki"]
    assert json.loads(machine["log"].read_text()) == [
        "credential-process",
        "--certificate",
        str(pki / "cert.pem"),
        "--private-key",
        str(pki / "key.pem"),
        "--trust-anchor-arn",
        ANCHOR,
        "--profile-arn",
        PROFILE,
        "--role-arn",
        ROLE,
    ]
    assert cli("migrate-profiles", "--rollback", "--yes").code == 0
    assert "AKIAIOSFODNN7EXAMPLE" in (machine["aws"] / "credentials").read_text()


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda o: o[:-2], "needs --certificate"),
        (lambda o: [*o[:5], "arn:aws:iam::111111111111:role/x", *o[6:]], "--trust-anchor-arn"),
        (lambda o: ["--certificate", "/nonexistent.pem", *o[2:]], "no such file"),
    ],
)
def test_roles_anywhere_settings_are_checked(cli, machine, change, says):
    result = cli("migrate-profiles", "--style", "roles-anywhere", *change(_options(machine["pki"])), "--yes")
    assert result.code == errors.EXIT_USAGE and says in result.err
    assert "aws_access_key_id" in (machine["aws"] / "credentials").read_text()


def test_roles_anywhere_options_need_the_style(cli, machine):
    result = cli("migrate-profiles", "--sso-session", "corp", *_options(machine["pki"]), "--dry-run")
    assert result.code == errors.EXIT_USAGE and "go with --style roles-anywhere" in result.err


def test_audit_names_the_roles_anywhere_path(cli, machine):
    result = cli("audit", "--output", "json")
    command = json.loads(result.out)["roles_anywhere_command"]
    assert command.startswith("ssohelper migrate-profiles backup --style roles-anywhere --certificate ")

"""rotate-key end to end against moto's IAM and STS: prove, switch, deactivate; finish; rollback;
the two-key refusal; and a kill -9 at every step, after which the profile's key still works and
the next run finishes or rolls back."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest

from ssohelper import errors

ADMIN = {"aws_access_key_id": "admin", "aws_secret_access_key": "admin"}
OTHER = "[other]\naws_access_key_id = AKIAOTHEROTHER000000\naws_secret_access_key = keep-me\n"


@pytest.fixture
def moto(moto_url, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", moto_url)
    return moto_url


def iam(moto_url: str):  # type: ignore[no-untyped-def]
    return boto3.client("iam", endpoint_url=moto_url, region_name="us-east-1", **ADMIN)


@pytest.fixture
def vendor(isolated_home: Path, moto: str) -> dict[str, str]:
    """An IAM user with one key, in [vendor] of ~/.aws/credentials beside a profile to leave alone."""
    user = f"vendor-{uuid.uuid4().hex[:8]}"
    iam(moto).create_user(UserName=user)
    key = iam(moto).create_access_key(UserName=user)["AccessKey"]
    aws = isolated_home / ".aws"
    aws.mkdir(exist_ok=True)
    (aws / "credentials").write_text(
        f"# keys\n{OTHER}\n[vendor]\naws_access_key_id = {key['AccessKeyId']}\n"
        f"aws_secret_access_key = {key['SecretAccessKey']}\n"
    )
    (aws / "config").write_text("[profile vendor]\nregion = eu-west-1\n")
    return {"user": user, "old": key["AccessKeyId"], "secret": key["SecretAccessKey"]}


def statuses(moto_url: str, user: str) -> dict[str, str]:
    keys = iam(moto_url).list_access_keys(UserName=user)["AccessKeyMetadata"]
    return {k["AccessKeyId"]: k["Status"] for k in keys}


def held_key(home: Path) -> str:
    text = (home / ".aws" / "credentials").read_text()
    section = text.split("[vendor]", 1)[1]
    return section.split("aws_access_key_id = ", 1)[1].split()[0]


def test_a_rotation_proves_switches_and_deactivates_then_finish_deletes(cli, vendor, moto, isolated_home, aws_cli):
    result = cli("rotate-key", "--profile", "vendor", "--yes")
    assert result.code == 0, result.err
    new = held_key(isolated_home)
    assert new != vendor["old"] and new.startswith("AKIA")
    assert statuses(moto, vendor["user"]) == {vendor["old"]: "Inactive", new: "Active"}
    text = (isolated_home / ".aws" / "credentials").read_text()
    assert OTHER in text and text.startswith("# keys\n")  # other profiles' bytes untouched
    assert vendor["secret"] not in text
    # no secret is printed; key IDs appear masked only
    assert vendor["secret"] not in result.err + result.out and new not in result.err + result.out
    assert "--finish" in result.err
    # the SDK and the AWS CLI sign with the new key
    identity = boto3.Session(profile_name="vendor").client("sts", endpoint_url=moto).get_caller_identity()
    assert identity["Arn"].endswith(f"user/{vendor['user']}")
    assert boto3.Session(profile_name="vendor").get_credentials().access_key == new
    env = {**os.environ, "AWS_ENDPOINT_URL_STS": moto}
    out = subprocess.run(
        [*aws_cli, "configure", "get", "aws_access_key_id", "--profile", "vendor"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.stdout.strip() == new
    # no secret left behind in the rotation's folder
    leftovers = [p for p in (isolated_home).rglob("new-key.json")]
    assert leftovers == []

    unfinished = cli("rotate-key", "--profile", "vendor", "--yes")
    assert unfinished.code == errors.EXIT_NOT_APPLIED and "--finish" in unfinished.err
    assert len(statuses(moto, vendor["user"])) == 2

    finished = cli("rotate-key", "--profile", "vendor", "--finish")
    assert finished.code == 0, finished.err
    assert statuses(moto, vendor["user"]) == {new: "Active"}
    again = cli("rotate-key", "--profile", "vendor", "--finish")
    assert again.code == errors.EXIT_NOT_APPLIED and "nothing to finish" in again.err


def test_finish_without_a_rotation_suggests_rotating_and_that_works(cli, vendor, moto):
    first = cli("rotate-key", "--profile", "vendor", "--finish")
    assert first.code == errors.EXIT_NOT_APPLIED
    (suggested,) = re.findall(r"run: ssohelper ([^;\n]+)", first.err)
    followed = cli(*shlex.split(suggested), "--yes")
    assert followed.code == 0, followed.err
    assert statuses(moto, vendor["user"])[vendor["old"]] == "Inactive"


def test_a_user_at_the_two_key_limit_is_refused_before_anything_is_created(cli, vendor, moto, isolated_home):
    second = iam(moto).create_access_key(UserName=vendor["user"])["AccessKey"]["AccessKeyId"]
    before = (isolated_home / ".aws" / "credentials").read_bytes()
    result = cli("rotate-key", "--profile", "vendor", "--yes")
    assert result.code == errors.EXIT_NOT_APPLIED
    assert "already has two access keys" in result.err and f"{second[:4]}****{second[-4:]}" in result.err
    assert "nothing was created" in result.err
    assert set(statuses(moto, vendor["user"])) == {vendor["old"], second}
    assert (isolated_home / ".aws" / "credentials").read_bytes() == before


def test_rollback_reactivates_the_old_key_and_puts_the_file_back(cli, vendor, moto, isolated_home):
    before = (isolated_home / ".aws" / "credentials").read_bytes()
    assert cli("rotate-key", "--profile", "vendor", "--yes").code == 0
    new = held_key(isolated_home)
    result = cli("rotate-key", "--profile", "vendor", "--rollback", "--yes")
    assert result.code == 0, result.err
    assert (isolated_home / ".aws" / "credentials").read_bytes() == before
    assert statuses(moto, vendor["user"]) == {vendor["old"]: "Active", new: "Inactive"}


def test_finish_refuses_when_the_old_key_was_reactivated(cli, vendor, moto):
    assert cli("rotate-key", "--profile", "vendor", "--yes").code == 0
    iam(moto).update_access_key(UserName=vendor["user"], AccessKeyId=vendor["old"], Status="Active")
    result = cli("rotate-key", "--profile", "vendor", "--finish")
    assert result.code == errors.EXIT_NOT_APPLIED and "Active again" in result.err
    assert vendor["old"] in statuses(moto, vendor["user"])


def test_a_profile_without_static_keys_is_refused(cli, isolated_home, moto):
    (isolated_home / ".aws").mkdir(exist_ok=True)
    (isolated_home / ".aws" / "config").write_text("[profile sso]\ncredential_process = x\n")
    result = cli("rotate-key", "--profile", "sso", "--yes")
    assert result.code == errors.EXIT_CONFIG and "rotate-key rotates" in result.err


# A kill -9 before each step of a rotation: each IAM/STS call and each journal write (the Nth
# of them, counted in the child). A rotation makes 5 calls and 4 journal writes.
KILLER = """
import os, signal, sys
from ssohelper.keys import iam, record
steps = [0]
def killing(original):
    def step(*args):
        steps[0] += 1
        if steps[0] == int(os.environ["KILL_AT"]):
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args)
    return step
iam.call = killing(iam.call)
record.save = killing(record.save)
from ssohelper.cli.app import run
sys.exit(run(["rotate-key", "--profile", "vendor", "--yes"]))
"""


@pytest.mark.parametrize(
    ("kill_at", "then"), [(step, "again" if step % 2 else "rollback") for step in range(1, 10)] + [(7, "again")]
)
def test_a_rotation_killed_at_any_call_leaves_a_working_key_and_finishes_or_rolls_back(
    cli, vendor, moto, isolated_home, kill_at, then
):
    child = subprocess.run([sys.executable, "-c", KILLER], env={**os.environ, "KILL_AT": str(kill_at)}, timeout=120)
    assert child.returncode == -signal.SIGKILL
    held = held_key(isolated_home)
    assert statuses(moto, vendor["user"]).get(held) == "Active"  # whatever the file holds still works
    if then == "again":
        result = cli("rotate-key", "--profile", "vendor", "--yes")
        assert result.code == 0, result.err
        held = held_key(isolated_home)
        assert statuses(moto, vendor["user"])[held] == "Active"
        assert len(statuses(moto, vendor["user"])) <= 2
    else:
        result = cli("rotate-key", "--profile", "vendor", "--rollback", "--yes")
        assert result.code in (0, errors.EXIT_NOT_APPLIED), result.err
        assert statuses(moto, vendor["user"])[held_key(isolated_home)] == "Active"
    assert list(isolated_home.rglob("new-key.json")) == []


def test_an_scp_refusing_create_access_key_says_which_principal_to_exempt():
    """A narrow unit test: IAM's answer when an SCP denies the call, as botocore raises it."""
    from botocore.exceptions import ClientError

    from ssohelper.errors import AwsError
    from ssohelper.keys import rotation

    class Denied:
        def create_access_key(self, **_: str) -> None:
            message = (
                "User: arn:aws:iam::111111111111:user/vendor is not authorized to perform: "
                "iam:CreateAccessKey with an explicit deny in a service control policy"
            )
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": message}}, "CreateAccessKey")

    with pytest.raises(AwsError) as raised:
        rotation._create(Denied(), "vendor")
    assert "scp-policy --allow-principal" in str(raised.value) and "--admin-profile" in str(raised.value)

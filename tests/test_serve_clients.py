"""Real clients read the credential server: boto3, the AWS CLI v1 and the JS SDK v3, started as a
user starts them (``ssohelper serve`` in a subprocess), with STS from moto."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from helpers import run_ssohelper, ssohelper_cmd
from serving import Served, as_an_sdk, boto3_in, client_env, raw
from test_other_sdks import node_modules  # noqa: F401  (the fixture)

CONTAINER_JS = Path(__file__).parent / "node" / "container.js"
TOKEN = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
TOKEN_FILE = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"


@pytest.mark.parametrize("secret", [TOKEN_FILE, TOKEN])
def test_boto3_reads_the_server(signed_in_sts, secret):
    """With the token file (the host), or with the token alone (as `docker run -e` passes it)."""
    with Served("--profile", "dev") as served:
        other = TOKEN if secret == TOKEN_FILE else TOKEN_FILE
        seen = boto3_in(client_env(served.variables, drop=(other,)))
        assert seen["method"] == "container-role" and seen["key"].startswith("ASIA")
        assert re.fullmatch(r"\d{12}", seen["account"])
        assert signed_in_sts.calls["GetRoleCredentials"] == 1  # serve fetched once; the client read its cache
        code, err = served.stop()
    assert code == 0 and "Stopped (SIGTERM)" in err


def test_the_aws_cli_v1_reads_the_server(signed_in_sts, aws_cli):
    with Served("--profile", "dev") as served:
        aws = subprocess.run(
            [*aws_cli, "sts", "get-caller-identity", "--output", "json"],
            capture_output=True,
            text=True,
            env=client_env(served.variables, drop=(TOKEN,)),
            timeout=60,
        )
        assert aws.returncode == 0, aws.stderr
        assert re.fullmatch(r"\d{12}", json.loads(aws.stdout)["Account"])


@pytest.mark.parametrize("kind", ["metadata", "chain"])
def test_the_js_sdk_reads_the_server(signed_in_sts, node_modules, kind):  # noqa: F811
    """fromContainerMetadata reads the token variable; the default chain (fromHttp) the token file."""
    with Served("--profile", "dev") as served:
        env = client_env(served.variables, drop=(TOKEN_FILE,) if kind == "metadata" else (TOKEN,))
        env.update(NODE_PATH=node_modules, NODE_NO_WARNINGS="1")
        done = subprocess.run(["node", str(CONTAINER_JS), kind], capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        resolved = json.loads(done.stdout)
        document = as_an_sdk(
            served.variables["AWS_CONTAINER_CREDENTIALS_FULL_URI"], headers={"Authorization": served.variables[TOKEN]}
        )
        assert resolved["accessKeyId"] == document.json()["AccessKeyId"]
        assert resolved["expiration"] == document.json()["Expiration"].replace("Z", ".000Z")
        assert re.fullmatch(r"\d{12}", resolved["caller"])


@pytest.mark.parametrize(
    ("fmt", "pattern"),
    [
        ("env", r"export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127\.0\.0\.1:\d+/credentials\n"),
        ("env-no-export", r"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127\.0\.0\.1:\d+/credentials\n"),
        ("powershell", r'\$Env:AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127\.0\.0\.1:\d+/credentials"\n'),
        ("windows-cmd", r"set AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127\.0\.0\.1:\d+/credentials\n"),
        ("fish", r'set -gx AWS_CONTAINER_CREDENTIALS_FULL_URI "http://127\.0\.0\.1:\d+/credentials"\n'),
    ],
)
def test_serve_prints_the_variables_in_the_export_formats(signed_in_sts, fmt, pattern):
    with Served("--profile", "dev", "--format", fmt) as served:
        assert re.fullmatch(pattern, served.lines[0])
        assert "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" in served.lines[1]
        assert re.search(r"AWS_CONTAINER_AUTHORIZATION_TOKEN\W+[0-9a-f]{64}\W*$", served.lines[2])


def test_serve_makes_a_redirect_that_holds_the_token_private(signed_in_sts, tmp_path):
    """``serve > dev.env`` as a shell makes it: with the umask, 0644, readable by every user."""
    out = tmp_path / "dev.env"
    fd = os.open(out, os.O_WRONLY | os.O_CREAT, 0o644)
    os.fchmod(fd, 0o644)
    process = subprocess.Popen([*ssohelper_cmd(), "serve", "--profile", "dev"], stdout=fd, stderr=subprocess.PIPE)
    os.close(fd)
    try:
        for _ in range(300):
            if out.read_text().count("\n") == 3 or process.poll() is not None:
                break
            time.sleep(0.1)
        assert "AWS_CONTAINER_AUTHORIZATION_TOKEN=" in out.read_text()
        assert out.stat().st_mode & 0o777 == 0o600
    finally:
        process.terminate()
        process.communicate(timeout=20)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_serve_stops_on_ctrl_c_or_sigterm_and_removes_its_token_file(signed_in_sts, stop, runner_ignores_sigint):
    with Served("--profile", "dev") as served:
        token_file = Path(served.variables[TOKEN_FILE])
        assert token_file.exists()
        code, err = served.stop(stop)
    assert code == 0 and f"Stopped ({stop.name})" in err
    assert not token_file.exists()
    assert served.variables[TOKEN] not in err


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_serve_stops_at_once_while_its_first_fetch_hangs(signed_in_sts, stop, runner_ignores_sigint):
    """The portal dribbles (a call may take 30 s): a stop request must not wait for it."""
    from test_serve import forget_cached_credentials

    forget_cached_credentials()
    signed_in_sts.configure(dribble_ms=300)
    process = subprocess.Popen(
        [*ssohelper_cmd(), "serve", "--profile", "dev"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.time() + 60  # well into the fetch: not after a fixed time, a loaded machine starts late
    while signed_in_sts.calls["GetRoleCredentials"] < 1 and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # the answer dribbles in for 30 s and more
    process.send_signal(stop)
    out, err = process.communicate(timeout=10)
    assert process.returncode == 130 and "interrupted" in err, err
    assert out == ""  # no lines, no token: there is no server


def test_serve_listens_on_loopback_only_and_exposed_only_when_asked(signed_in_sts):
    with Served("--profile", "dev") as served:
        url = served.variables["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
        assert url.startswith("http://127.0.0.1:")
        with pytest.raises(ConnectionRefusedError):  # not 0.0.0.0: another address of the host is closed
            raw(url.replace("127.0.0.1", "127.0.0.2"), headers={"Authorization": served.variables[TOKEN]})
    with Served("--profile", "dev", "--bind-exposed", "127.0.0.2") as exposed:
        url = exposed.variables["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
        port = url.split(":")[2].split("/")[0]
        token = {"Authorization": exposed.variables[TOKEN]}
        assert url.startswith("http://127.0.0.2:") and as_an_sdk(url, headers=token).status == 200
        assert raw(url).status == 401  # the token is still needed
        assert raw(url, headers={**token, "Host": f"127.0.0.1:{port}"}).status == 403  # the Host must be this one
        assert raw(url, headers={**token, "Host": f"localhost:{port}"}).status == 403
        assert boto3_in(client_env(exposed.variables, drop=(TOKEN,)))["method"] == "container-role"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--bind-exposed", "0.0.0.0"), "not 0.0.0.0"),
        (("--bind-exposed", "my-host"), "IPv4 address"),
        (("--bind-exposed", "::1"), "IPv6"),
        (("--min-ttl", "soon"), "--min-ttl must be a number"),
        (("--imds", "--bind-exposed", "127.0.0.2"), "IMDS clients send no secret"),  # no token to check
    ],
)
def test_serve_refuses_bad_options(signed_in_sts, args, message):
    result = run_ssohelper("serve", "--profile", "dev", *args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_a_port_in_use_is_a_clear_error(signed_in_sts):
    with Served("--profile", "dev") as served:
        port = served.variables["AWS_CONTAINER_CREDENTIALS_FULL_URI"].split(":")[2].split("/")[0]
        result = run_ssohelper("serve", "--profile", "dev", "--port", port)
    assert result.returncode == 2 and f"can't listen on 127.0.0.1:{port}" in result.stderr


def test_serve_without_a_sign_in_exits_3(config, emulator):
    result = run_ssohelper("serve", "--profile", "dev")
    assert result.returncode == 3 and "ssohelper login --sso-session corp" in result.stderr
    assert result.stdout == ""


def test_imds_mode_serves_boto3_through_the_token_step(signed_in_sts):
    with Served("--profile", "dev", "--imds") as served:
        assert served.variables["AWS_EC2_METADATA_V1_DISABLED"] == "true"
        env = client_env(served.variables, drop=("AWS_EC2_METADATA_DISABLED",))
        seen = boto3_in(env)
        assert seen["method"] == "iam-role" and seen["key"].startswith("ASIA")
        assert re.fullmatch(r"\d{12}", seen["account"])


def test_debug_output_names_requests_but_never_a_secret(signed_in_sts):
    with Served("--profile", "dev", "--debug") as served:
        url, token = served.variables["AWS_CONTAINER_CREDENTIALS_FULL_URI"], served.variables[TOKEN]
        document = as_an_sdk(url, headers={"Authorization": token}).json()
        assert raw(url, headers={"Authorization": token[:-1] + ("0" if token[-1] != "0" else "1")}).status == 401
        assert raw(url, path=f"/credentials?token={token}").status == 401  # a client's mistakes
        assert raw(url, path=f"/{token}").status == 401
        assert raw(url, path=f"/credentials?{token} x").status == 400  # malformed: http.server quotes it
        code, err = served.stop()
    assert code == 0 and "serve: 127.0.0.1" in err and '"GET /credentials" 401' in err
    for secret in (token, document["SecretAccessKey"], document["Token"], document["AccessKeyId"]):
        assert secret not in err


def test_the_served_credentials_win_over_a_default_profile_and_the_shadowed_one_is_named(
    signed_in_sts, isolated_home, aws_cli
):
    """The SDKs' chains read a profile's own credentials before the container provider: the lines
    name a private config whose profile has none, and say what they shadow."""
    static = "AKIAIOSFODNN7EXAMPLE"
    (isolated_home / ".aws" / "credentials").write_text(
        f"[default]\naws_access_key_id = {static}\naws_secret_access_key = wJalrXUtnFEMIK7MDENGEXAMPLEKEY\n"
    )
    with Served("--profile", "dev") as served:
        assert served.env_file.stat().st_mode & 0o777 == 0o600
        seen = boto3_in(client_env(served.variables))
        assert seen["method"] == "container-role" and seen["key"].startswith("ASIA") and seen["key"] != static
        aws = subprocess.run(
            [*aws_cli, "configure", "list"],
            capture_output=True,
            text=True,
            env=client_env(served.variables),
            timeout=60,
        )
        assert aws.returncode == 0 and "container-role" in aws.stdout and static[-4:] not in aws.stdout, aws.stdout
        config_file = Path(served.variables["AWS_CONFIG_FILE"])
        assert config_file.stat().st_mode & 0o777 == 0o600
        code, err = served.stop()
    assert code == 0, err
    assert "so SDKs reach this server instead of profile 'default' (static keys)" in err
    assert not served.env_file.exists() and not config_file.exists()  # gone with the server


def test_env_file_replaces_a_file_anyone_could_read_with_a_private_one(signed_in_sts, tmp_path):
    out = tmp_path / "dev.env"
    out.write_text("old\n")
    os.chmod(out, 0o644)
    process = subprocess.Popen(
        [*ssohelper_cmd(), "serve", "--profile", "dev", "--env-file", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(600):
            if "AWS_CONTAINER_AUTHORIZATION_TOKEN=" in out.read_text() or process.poll() is not None:
                break
            time.sleep(0.1)
        assert "AWS_CONTAINER_AUTHORIZATION_TOKEN=" in out.read_text()
        assert out.stat().st_mode & 0o777 == 0o600
    finally:
        process.terminate()
        stdout, _ = process.communicate(timeout=20)
    assert stdout == ""  # nothing on stdout: the lines went to the file

"""What a newcomer meets in migrate-profiles: the command path, config faults, rollback, the diff."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import ACCOUNT, ROLE, run_ssohelper, ssohelper_cmd

from ssohelper import errors
from ssohelper.errors import ConfigError
from ssohelper.ini.read import read_sections

SECRET = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"
SESSION = "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"


def write(home: Path, config: str, credentials: str) -> Path:
    aws = home / ".aws"
    aws.mkdir(exist_ok=True)
    (aws / "config").write_text(config)
    (aws / "credentials").write_text(credentials)
    return aws


def keys(name: str, index: int = 0) -> str:
    return f"[{name}]\naws_access_key_id = AKIAIOSFODNN7EXAMPL{index}\naws_secret_access_key = {SECRET}\n"


def test_a_path_with_spaces_works_through_botocores_own_process_provider(isolated_home, emulator, cli, monkeypatch):
    import botocore.session

    emulator.configure(accounts={ACCOUNT: {"name": "a", "email": "a@example.com", "roles": [ROLE]}})
    write(isolated_home, SESSION + "\n[profile work]\nregion = us-east-1\n", keys("work"))
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    monkeypatch.setenv("XDG_DATA_HOME", str(isolated_home / "My Data"))  # as macOS's Application Support
    migrated = subprocess.run(
        [*ssohelper_cmd(), "migrate-profiles", "-s", "corp", "--map", f"work={ACCOUNT}:{ROLE}", "--yes"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert migrated.returncode == 0, migrated.stderr
    launcher = isolated_home / "My Data" / "ssohelper" / "bin" / "ssohelper"
    assert f"credential_process runs '{launcher}'" in migrated.stdout  # the plan says which
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # the venv is no longer on PATH: a new shell
    credentials = botocore.session.Session(profile="work").get_credentials()
    assert credentials.method == "custom-process"
    assert credentials.get_frozen_credentials().access_key.startswith("ASIA")
    assert emulator.calls["GetRoleCredentials"] == 1


def test_command_overrides_the_program_and_the_plan_says_so(isolated_home):
    write(isolated_home, SESSION, keys("work"))
    dry = run_ssohelper(
        "migrate-profiles", "-s", "corp", "--map", f"work={ACCOUNT}:{ROLE}", "--command", "ssohelper", "--dry-run"
    )
    assert dry.returncode == 0, dry.stderr
    assert "credential_process runs ssohelper (from --command)" in dry.stdout
    assert "+credential_process = ssohelper credential-process --sso-session corp" in dry.stdout


@pytest.mark.parametrize(
    "text, fault",
    [
        ("\ufeff[profile a]\nregion = x\n", "line 1: starts with a UTF-8 byte order mark (BOM)"),
        ("[sso-session corp\nsso_region = x\n", "line 1: section header '[sso-session corp' has no closing ']'"),
        ("[profile a]\nregion = x\n[profile b\n", "line 3: section header '[profile b' has no closing ']'"),
        (  # its keys look like [default]'s to configparser: the fault is still the header's line
            "[default]\nregion = x\noutput = json\n\n# work\n[profile work\nregion = y\n",
            "line 6: section header '[profile work' has no closing ']'",
        ),
    ],
)
@pytest.mark.parametrize("name", ["config", "credentials"])
def test_config_faults_are_named_in_the_same_words_for_both_files_and_readers(isolated_home, text, fault, name):
    aws = isolated_home / ".aws"
    aws.mkdir()
    (aws / name).write_text(text)
    result = run_ssohelper("migrate-profiles", "-s", "corp", "--start-url", "https://x/s", "--sso-region", "x")
    assert result.returncode == errors.EXIT_CONFIG
    assert result.stderr.startswith(f"ssohelper: ~/.aws/{name} {fault}") and result.stderr.count("\n") == 1
    with pytest.raises(ConfigError) as raised:  # botocore's reading, as credential-process does it
        read_sections(str(aws / name))
    assert f"ssohelper: {raised.value}\n" == result.stderr


@pytest.fixture
def migrated(isolated_home: Path, cli) -> Path:
    aws = write(isolated_home, SESSION + "\n[profile work]\nregion = us-east-1\n", keys("work"))
    assert cli("migrate-profiles", "-s", "corp", "--map", f"work={ACCOUNT}:{ROLE}", "--yes").code == 0
    return aws


def test_rollback_shows_the_diff_and_needs_yes_off_a_terminal(migrated, cli):
    config = (migrated / "config").read_bytes()
    refused = cli("migrate-profiles", "--rollback")
    assert refused.code == errors.EXIT_NOT_APPLIED and "--yes" in refused.err
    assert "-credential_process = " in refused.out and "+aws_secret_access_key = wJal****EKEY" in refused.out
    assert SECRET not in refused.out + refused.err
    assert (migrated / "config").read_bytes() == config
    assert cli("migrate-profiles", "--rollback", "--yes").code == 0
    assert SECRET in (migrated / "credentials").read_text()


def test_rollback_force_keeps_a_copy_of_the_edits_it_throws_away(migrated, cli):
    edited = (migrated / "config").read_text() + "[profile later]\nregion = eu-west-1\n"
    (migrated / "config").write_text(edited)
    refused = cli("migrate-profiles", "--rollback", "--yes")
    assert refused.code == errors.EXIT_NOT_APPLIED and "your current files are saved first" in refused.err
    forced = cli("migrate-profiles", "--rollback", "--force", "--yes")
    assert forced.code == 0, forced.err
    saved_in = re.search(r"Your edits since the change are saved in (\S+)\.", forced.err)
    assert saved_in, forced.err
    (copy,) = Path(saved_in[1]).glob("edited-*config")
    assert copy.read_text() == edited and "[profile later]" not in (migrated / "config").read_text()


def hunk_ranges(diff: str) -> dict[str, list[tuple[int, int]]]:
    ranges: dict[str, list[tuple[int, int]]] = {}
    path = ""
    for line in diff.splitlines():
        if line.startswith("--- "):
            path = line[4:]
        found = re.match(r"@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@", line)
        if found:
            start, length = int(found[1]), int(found[2] if found[2] is not None else 1)
            ranges.setdefault(path, []).append((start, start + length))
    return ranges


def test_the_dry_run_diff_applies_with_patch_and_no_fuzz(isolated_home, tmp_path):
    profiles = "".join(f"\n[profile p{i}]\nregion = us-east-1\noutput = json\n" for i in range(8))
    aws = write(isolated_home, SESSION + profiles, "".join(keys(f"n{i}", i) for i in range(3)))
    # p0, p1, p3 are next to each other (their hunks would overlap); n0..n2 are new sections at the end
    maps = [f"--map={name}={ACCOUNT}:{ROLE}" for name in ("p0", "p1", "p3", "p7", "n0", "n1", "n2")]
    (aws / "credentials").write_text((aws / "credentials").read_text() + keys("p0") + keys("p1") + keys("p3"))
    (aws / "credentials").write_text((aws / "credentials").read_text() + keys("p7"))
    dry = run_ssohelper("migrate-profiles", "-s", "corp", *maps, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    diff = dry.stdout[dry.stdout.index("--- ") :]
    for path, ranges in hunk_ranges(diff).items():  # increasing and disjoint, in both files
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(ranges)), (path, ranges)
    config_diff = diff[: diff.index("--- ~/.aws/credentials")].replace("~/.aws/config", "config")
    patch = shutil.which("patch")
    assert patch, "GNU patch is needed for this test (apt-get install patch)"
    shutil.copy(aws / "config", tmp_path / "config")
    applied = subprocess.run(
        [patch, "--dry-run", "--fuzz=0", "config"], input=config_diff, cwd=tmp_path, capture_output=True, text=True
    )
    assert applied.returncode == 0 and "fuzz" not in applied.stdout + applied.stderr, applied.stdout
    assert "offset" not in applied.stdout

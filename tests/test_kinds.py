"""The ordered list of profile kinds: each kind recognises its own profiles, in botocore's order.

Table-driven: a profile's keys in the config and credentials files -> the kind botocore resolves
it through, and the kinds that one shadows. Plus: the list is ordered by botocore's provider
chain, writable kinds read back what they write, a new kind is one module, and no module
outside the kinds compares a style word.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import write_config

from ssohelper import errors, kinds
from ssohelper.kinds import Profile, registry
from ssohelper.models import AccountRole

REPO = Path(__file__).resolve().parent.parent
KEYS = {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "s"}
OURS = {"credential_process": "/opt/bin/ssohelper credential-process --sso-session corp --account-id 1 --role-name R"}
SIGNER = {"credential_process": "aws_signing_helper credential-process --certificate /c.pem --private-key /k.pem"}
OTHER = {"credential_process": "aws-vault export --format=json dev"}
NATIVE = {"sso_session": "corp", "sso_account_id": "111111111111", "sso_role_name": "Dev"}
LEGACY = {"sso_start_url": "https://x.awsapps.com/start", "sso_region": "eu-west-1", "sso_account_id": "1"}
CHAINED = {"role_arn": "arn:aws:iam::111111111111:role/Admin", "source_profile": "dev"}
WEB = {"role_arn": "arn:aws:iam::111111111111:role/Ci", "web_identity_token_file": "/var/run/token"}

CASES = [
    # (config keys, credentials keys) -> (kind, provider, shadowed)
    pytest.param({}, {}, (None, None, ()), id="nothing"),
    pytest.param({"region": "eu-west-1"}, None, (None, None, ()), id="region-only"),
    pytest.param(KEYS, None, ("config-file-keys", "config-file", ()), id="keys-in-config"),
    pytest.param(None, KEYS, ("credentials-file-keys", "shared-credentials-file", ()), id="keys-in-credentials"),
    pytest.param(
        KEYS, KEYS, ("credentials-file-keys", "shared-credentials-file", ("config-file-keys",)), id="keys-in-both"
    ),
    pytest.param(NATIVE, None, ("sso-session", "sso", ()), id="native"),
    pytest.param({**NATIVE, "sso_session": ""}, None, ("sso-session", "sso", ()), id="native-empty-session-wins"),
    pytest.param(LEGACY, None, ("legacy-sso", "sso", ()), id="legacy"),
    pytest.param({**LEGACY, **NATIVE}, None, ("sso-session", "sso", ()), id="session-beats-start-url"),
    pytest.param(OURS, None, ("ssohelper-process", "custom-process", ()), id="ssohelper-process"),
    pytest.param(SIGNER, None, ("roles-anywhere", "custom-process", ()), id="roles-anywhere"),
    pytest.param(OTHER, None, ("other-process", "custom-process", ()), id="other-process"),
    pytest.param({"credential_process": "  "}, None, (None, None, ()), id="blank-process"),
    pytest.param({**OURS, **NATIVE}, None, ("sso-session", "sso", ("ssohelper-process",)), id="sso-shadows-process"),
    pytest.param(
        OTHER, KEYS, ("credentials-file-keys", "shared-credentials-file", ("other-process",)), id="creds-beat-process"
    ),
    pytest.param(
        {**OURS, **KEYS},
        None,
        ("ssohelper-process", "custom-process", ("config-file-keys",)),
        id="process-beats-config",
    ),
    pytest.param(CHAINED, None, ("chained-role", "assume-role", ()), id="chained"),
    pytest.param({**CHAINED, **NATIVE}, None, ("chained-role", "assume-role", ("sso-session",)), id="chain-first"),
    pytest.param(WEB, None, ("web-identity", "assume-role-with-web-identity", ()), id="web-identity"),
    pytest.param({}, OURS, ("ssohelper-process", "custom-process", ()), id="process-in-credentials-file"),
]


@pytest.mark.parametrize("config, credentials, expected", CASES)
def test_each_profile_is_the_kind_botocore_resolves_it_through(config, credentials, expected):
    found = registry.describe(Profile("p", config, credentials))
    assert (found.kind, found.resolves_through, found.shadowed) == expected


def test_the_list_follows_botocores_provider_chain():
    order = [kinds.PROVIDERS.index(kind.provider) for kind in registry.KINDS]
    assert order == sorted(order)
    names = [kind.name for kind in registry.KINDS]
    assert names[:2] == ["chained-role", "web-identity"] and set(names[2:4]) == {"sso-session", "legacy-sso"}
    assert registry.KINDS[-1].name == "config-file-keys"
    process = [kind.name for kind in registry.KINDS if kind.provider == kinds.PROCESS]
    assert process[-1] == "other-process", "the fallback comes last among its provider's kinds"
    assert len({kind.name for kind in registry.KINDS}) == len(registry.KINDS)


def test_the_writable_styles_and_which_command_writes_which():
    assert registry.STYLES == ("process", "native", "roles-anywhere")
    assert registry.styles_for("populate") == registry.styles_for("configure") == ("process", "native")
    assert registry.styles_for("migrate-profiles") == registry.STYLES
    with pytest.raises(ValueError, match="style must be one of"):
        registry.by_style("static")


@pytest.mark.parametrize("style", ["process", "native"])
def test_a_written_profile_is_recognised_and_read_back(style):
    kind = registry.by_style(style)
    target = AccountRole("111111111111", "Dev")
    profile = Profile("p", dict(kind.items("/opt/bin/ssohelper", "corp", target)))
    assert registry.kind_of(profile) is kind
    assert kind.written_target(profile) == ("corp", "111111111111", "Dev")
    assert registry.sso_kind(profile) is kind
    assert not set(kind.replaces) & {key for key, _ in kind.items("ssohelper", "corp", target)}


def test_roles_anywhere_is_written_as_its_whole_line_and_recognised():
    kind = registry.by_style("roles-anywhere")
    line = SIGNER["credential_process"]
    assert kind.items(line, "", AccountRole("1", "R")) == [("credential_process", line)]
    assert registry.kind_of(Profile("p", {"credential_process": line})) is kind
    assert registry.sso_kind(Profile("p", {"credential_process": line})) is None


def test_migrate_is_told_why_to_leave_a_profile_alone():
    reasons = {
        name: registry.left_alone(Profile("p", config))
        for name, config in {"native": NATIVE, "chained": CHAINED, "other": OTHER, "keys": KEYS}.items()
    }
    assert reasons == {
        "native": "already uses SSO",
        "chained": "assumes a role (role_arn)",
        "other": "uses credential_process",
        "keys": None,
    }
    # keys in the credentials file shadow a credential_process, but migrating would overwrite it
    assert registry.left_alone(Profile("p", OTHER, KEYS)) == "uses credential_process"


PLANTED = """
from ssohelper.kinds import LOGIN, Kind, Profile


class Planted(Kind):
    name = "planted"
    provider = LOGIN

    def recognises(self, profile: Profile) -> bool:
        return profile.has("planted_key")


KINDS = (Planted(),)
"""


def test_a_new_kind_is_one_module_and_takes_its_place_in_the_chain(tmp_path):
    shutil.copytree(REPO / "ssohelper", tmp_path / "ssohelper", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "ssohelper" / "kinds" / "planted.py").write_text(PLANTED, encoding="utf-8")
    script = (
        "from ssohelper.kinds import Profile, registry\n"
        "print([k.name for k in registry.KINDS].index('planted'))\n"
        "found = registry.describe(Profile('p', {'planted_key': 'x', 'credential_process': 'x'}, {}))\n"
        "print(found.kind, found.shadowed)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    # -S and the copy's folder: the copy is imported, not the installed package (the kinds need only the stdlib)
    run = [sys.executable, "-S", "-c", script]
    result = subprocess.run(run, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    position, found = result.stdout.splitlines()
    names = [kind.name for kind in registry.KINDS]
    assert int(position) == names.index("credentials-file-keys") + 1 + ("login" in names)
    assert found == "planted ('other-process',)"


def _style_comparisons(path: Path, root: Path = REPO) -> list[str]:
    """Comparisons of a style with a style word in ``path`` (``request.style == "native"``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        words = [
            w for side in sides for w in (side.elts if isinstance(side, ast.Tuple | ast.List | ast.Set) else [side])
        ]
        names = [n.id if isinstance(n, ast.Name) else n.attr for n in sides if isinstance(n, ast.Name | ast.Attribute)]
        if any("style" in name for name in names) and any(
            isinstance(w, ast.Constant) and w.value in registry.STYLES for w in words
        ):
            found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_nothing_outside_the_kinds_switches_on_a_style_word():
    package = REPO / "ssohelper"
    outside = [p for p in package.rglob("*.py") if "kinds" not in p.relative_to(package).parts]
    assert [hit for path in outside for hit in _style_comparisons(path)] == []


def test_the_style_guard_sees_a_planted_comparison(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text('def f(style):\n    return style in ("process", "roles-anywhere")\n', encoding="utf-8")
    assert _style_comparisons(planted, tmp_path) == ["planted.py:2"]


def test_status_says_how_each_profile_resolves(cli, isolated_home):
    write_config(isolated_home, extra=f"\n[profile proc]\ncredential_process = {OURS['credential_process']}\n")
    (isolated_home / ".aws" / "credentials").write_text("[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n")
    lines = cli("status").out.splitlines()
    assert (
        "profile dev: native SSO (sso_session), through botocore's sso provider; shadows credentials-file-keys" in lines
    )
    assert "profile proc: ssohelper's credential_process, through botocore's custom-process provider" in lines
    document = json.loads(cli("status", "--output", "json").out)
    assert {p["profile"]: p["resolves_through"] for p in document["profiles"]} == {
        "dev": "sso",
        "legacy": "sso",
        "proc": "custom-process",
    }
    only = json.loads(cli("status", "--profile", "proc", "--output", "json").out)["profiles"]
    assert only == [
        {"profile": "proc", "kind": "ssohelper-process", "resolves_through": "custom-process", "shadowed": []}
    ]


def test_audit_says_what_shadows_a_key(cli, isolated_home):
    write_config(isolated_home)
    (isolated_home / ".aws" / "credentials").write_text(
        "[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n"
    )
    result = cli("audit")
    assert result.code == errors.EXIT_FINDINGS
    lines = result.out.splitlines()
    assert "not migrated: it already uses SSO" in lines[0]
    assert (
        "profile 'dev' resolves through botocore's sso provider (native SSO (sso_session)); "
        "never used while it does: credentials-file-keys"
    ) in lines
    rows = [line.split("\t") for line in cli("audit", "--output", "text").out.splitlines()]
    assert ["shadowed", "dev", "sso-session", "sso", "credentials-file-keys"] in rows
    document = json.loads(cli("audit", "--output", "json").out)
    assert {"profile": "legacy", "kind": "legacy-sso", "resolves_through": "sso", "shadowed": []} in document[
        "profiles"
    ]


def test_the_providers_are_botocores_chain_for_a_profile():
    from botocore.credentials import create_credential_resolver
    from botocore.session import Session

    methods = [provider.METHOD for provider in create_credential_resolver(Session()).providers]
    assert tuple(methods[methods.index("env") + 1 : methods.index("config-file") + 1]) == kinds.PROVIDERS


def claiming_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: dict, credentials: dict) -> str | None:
    """The first provider of botocore's chain that takes the profile: it gives credentials, or
    fails trying (a program that is not there, a session not configured, no token)."""
    from botocore.credentials import create_credential_resolver
    from botocore.session import Session

    for name, values, header in (("config", config, "profile p"), ("credentials", credentials, "p")):
        lines = [f"{key} = {value}" for key, value in (values or {}).items()]
        (tmp_path / name).write_text("\n".join([f"[{header}]", *lines]) + "\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    for provider in create_credential_resolver(Session(profile="p")).providers:
        if provider.METHOD not in kinds.PROVIDERS:
            continue
        try:
            found = provider.load()
        except Exception:  # it took the profile and failed: still the provider that resolves it
            return provider.METHOD
        if found is not None:
            return provider.METHOD
    return None


# botocore would try to run a blank credential_process and fail; ssohelper counts it as none.
DIFFERENTIAL = [case for case in CASES if case.id != "blank-process"]


@pytest.mark.parametrize("config, credentials, expected", DIFFERENTIAL)
def test_botocore_resolves_each_profile_through_its_kinds_provider(
    tmp_path, monkeypatch, config, credentials, expected
):
    assert claiming_provider(tmp_path, monkeypatch, config, credentials) == expected[1]


def test_the_list_is_light_for_a_credential_process_whose_config_changed():
    """Reading the list loads nothing but its own modules (no dataclasses, inspect, typing, pkgutil)."""
    script = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "from ssohelper.kinds import registry\n"
        "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] != 'ssohelper'))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr

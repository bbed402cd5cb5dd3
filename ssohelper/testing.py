"""A pytest plugin: the bundled Identity Center emulator as a test kit for tools that use SSO profiles.

Installing ssohelper registers it (the ``pytest11`` entry point ``ssohelper``); pytest loads it,
nothing in ssohelper imports it, and pytest is not a dependency of ssohelper. A test asks for the
``sso_emulator`` fixture; no conftest is needed::

    def test_my_tool_lists_accounts(sso_emulator):
        sso_emulator.set_accounts({"123456789012": ["Dev"]})
        session = boto3.Session(profile_name=sso_emulator.profile)
        assert session.client("sso").list_accounts(accessToken=sso_emulator.access_token)...

For the test, HOME, USERPROFILE and XDG_* point into its ``tmp_path``, every ``AWS_*`` variable is
cleared, and the config, credentials and SSO cache are the isolated ones (botocore's SSO token
cache directory too, which botocore fixes when it is imported). ``sso_emulator.profile`` is a
native ``sso_session`` profile signed in through the emulator with a real device-code sign-in:
botocore's own SSO provider (boto3, the AWS CLI, ssohelper) resolves it to the emulator's role
credentials.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from ssohelper.emulator import Emulator

PROFILE = "sso-emulator"
SESSION = "sso-emulator"
START_URL = "https://sso-emulator.awsapps.com/start"
REGION = "us-east-1"
Accounts = Mapping[str, "Sequence[str] | Mapping[str, Any]"]


def isolate(monkeypatch: pytest.MonkeyPatch, home: Path, region: str = REGION) -> Path:
    """Point HOME, XDG_* and the AWS files into ``home`` and clear every other AWS_* variable, for
    one test (``monkeypatch`` undoes it). Returns ``home``."""
    home.mkdir(parents=True, exist_ok=True)
    for name in [name for name in os.environ if name.startswith("AWS_")] + ["XDG_RUNTIME_DIR"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "HOME": home,
        "USERPROFILE": home,
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_STATE_HOME": home / ".local" / "state",
        "AWS_CONFIG_FILE": home / ".aws" / "config",
        "AWS_SHARED_CREDENTIALS_FILE": home / ".aws" / "credentials",
        "AWS_DEFAULT_REGION": region,
        "AWS_EC2_METADATA_DISABLED": "true",  # no credentials (nor a wait) from an instance's metadata
    }.items():
        monkeypatch.setenv(name, str(value))
    _isolate_botocore(monkeypatch, home)
    return home


def _isolate_botocore(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """botocore reads its SSO token cache directory from HOME once, when imported: point it here.
    And boto3's default session, made before the test, would keep the old profile and files."""
    import botocore.credentials
    import botocore.tokens

    cache = str(home / ".aws" / "sso" / "cache")
    for holder in (botocore.credentials.SSOProvider, botocore.tokens.SSOTokenProvider):
        if hasattr(holder, "_SSO_TOKEN_CACHE_DIR"):  # a botocore without it reads HOME when asked
            monkeypatch.setattr(holder, "_SSO_TOKEN_CACHE_DIR", cache)
    boto3 = sys.modules.get("boto3")
    if boto3 is not None:
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)


@contextlib.contextmanager
def running_emulator(monkeypatch: pytest.MonkeyPatch, **settings: Any) -> Iterator[Emulator]:
    """The bundled emulator on a free loopback port, approving a sign-in on the first poll with no
    wait (unless ``settings`` say otherwise), with botocore's SSO and SSO OIDC endpoint variables
    pointing at it."""
    with Emulator(**{"approve_after_polls": 1, "interval": 0, **settings}) as emulator:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", emulator.url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", emulator.url)
        yield emulator


class SsoEmulator:
    """The emulator, and a signed-in profile that resolves to its role credentials."""

    profile = PROFILE
    session_name = SESSION
    start_url = START_URL
    region = REGION

    def __init__(self, emulator: Emulator, home: Path) -> None:
        self.emulator = emulator
        self.home = home
        self.access_token = ""
        self.account_id, self.role_name = _first_role(emulator.accounts)

    @property
    def url(self) -> str:
        return self.emulator.url

    @property
    def config_file(self) -> Path:
        return Path(os.environ["AWS_CONFIG_FILE"])

    def set_accounts(self, accounts: Accounts) -> None:
        """The accounts and roles the emulator answers with: ``{"123456789012": ["Dev"]}``, or
        ``{"123456789012": {"name": "dev", "email": "...", "roles": ["Dev"]}}``. The profile then
        names the first account and its first role."""
        self.emulator.configure(accounts={account: _account(account, value) for account, value in accounts.items()})
        self.account_id, self.role_name = _first_role(self.emulator.accounts)
        self.write_profile()

    def write_profile(self) -> None:
        """Write (or rewrite) the profile and its sso-session, leaving other sections as they are."""
        from ssohelper.cache.fileio import ensure_private_dir, write_atomic
        from ssohelper.ini import editor

        path = self.config_file
        ensure_private_dir(str(path.parent))
        ini = editor.read_ini(path) if path.exists() else editor.parse_ini("", str(path))
        sections = {
            f"profile {self.profile}": [
                ("sso_session", self.session_name),
                ("sso_account_id", self.account_id),
                ("sso_role_name", self.role_name),
                ("region", self.region),
            ],
            f"sso-session {self.session_name}": [
                ("sso_start_url", self.start_url),
                ("sso_region", self.region),
                ("sso_registration_scopes", "sso:account:access"),
            ],
        }
        for name, items in sections.items():
            if not ini.has_section(name):
                ini.add_section(name, items)
            for key, value in items:
                ini.set(name, key, value)
        write_atomic(str(path), ini.render().encode("utf-8"))

    def sign_in(self) -> None:
        """Sign in to the session with the device code flow (the emulator approves at once): the
        token lands in the SSO cache, as ``aws sso login`` leaves it."""
        from ssohelper.models import SsoSession
        from ssohelper.signin.interaction import Interaction
        from ssohelper.signin.login import ensure_login

        session = SsoSession(start_url=self.start_url, region=self.region, name=self.session_name)
        quiet = Interaction(notify=lambda message: None, sleep=lambda seconds: None)
        outcome = ensure_login(session, quiet, force=True, store=None, secrets="file", notify=quiet.notify)
        self.access_token = outcome.token.access_token


def _account(account_id: str, value: Sequence[str] | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return {"name": account_id, "email": f"{account_id}@example.com", **value}
    if isinstance(value, str):
        raise TypeError(f"account {account_id}: give a list of role names, not the string {value!r}")
    return {"name": account_id, "email": f"{account_id}@example.com", "roles": list(value)}


def _first_role(accounts: Mapping[str, Mapping[str, Any]]) -> tuple[str, str]:
    for account_id, info in accounts.items():
        for role in info.get("roles", []):
            return account_id, role
    raise ValueError("the emulator needs at least one account with a role for the profile")


@pytest.fixture
def sso_emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SsoEmulator]:
    """The bundled emulator on a free loopback port, an isolated HOME and AWS environment, and a
    signed-in profile (``sso_emulator.profile``) for this test."""
    home = isolate(monkeypatch, tmp_path / "home")
    with running_emulator(monkeypatch) as emulator:
        kit = SsoEmulator(emulator, home)
        kit.write_profile()
        kit.sign_in()
        yield kit

"""``ssohelper demo``: the whole flow against the bundled emulator, in a throw-away HOME."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ssohelper.models import RoleTarget, SsoSession, mask
from ssohelper.settings import DEFAULT_SCOPE
from ssohelper.signin.flow import BROWSER, DEVICE, FlowChoice

ACCOUNT, ROLE = "111111111111", "Developer"
_ISOLATED = (
    "HOME",
    "USERPROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "XDG_RUNTIME_DIR",
    "AWS_ENDPOINT_URL_SSO",
    "AWS_ENDPOINT_URL_SSO_OIDC",
    "PYTHON_KEYRING_BACKEND",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)


@contextmanager
def throwaway_home(endpoint: str) -> Iterator[str]:
    """Point every path and endpoint ssohelper and botocore use into a temporary HOME."""
    saved = {name: os.environ.get(name) for name in _ISOLATED}
    home = tempfile.mkdtemp(prefix="ssohelper-demo-")
    try:
        for name in _ISOLATED:
            os.environ.pop(name, None)
        os.environ.update(
            {
                "HOME": home,
                "USERPROFILE": home,
                "AWS_CONFIG_FILE": os.path.join(home, ".aws", "config"),
                "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, ".aws", "credentials"),
                "XDG_CACHE_HOME": os.path.join(home, ".cache"),
                "XDG_CONFIG_HOME": os.path.join(home, ".config"),
                "AWS_ENDPOINT_URL_SSO": endpoint,
                "AWS_ENDPOINT_URL_SSO_OIDC": endpoint,
                "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # never the user's own keyring
            }
        )
        yield home
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(home, ignore_errors=True)


def _write_config(home: str, endpoint: str) -> str:
    path = os.path.join(home, ".aws", "config")
    os.makedirs(os.path.dirname(path), mode=0o700)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(
            "[sso-session demo]\n"
            f"sso_start_url = {endpoint}/start\n"
            "sso_region = us-east-1\n"
            f"sso_registration_scopes = {DEFAULT_SCOPE}\n\n"
            "[profile demo]\n"
            "sso_session = demo\n"
            f"sso_account_id = {ACCOUNT}\n"
            f"sso_role_name = {ROLE}\n"
            "region = us-east-1\n"
        )
    return path


def _demo_flow(*, browser: bool) -> FlowChoice:
    if browser:
        return FlowChoice(BROWSER, "a browser is available")
    return FlowChoice(DEVICE, "no browser can be opened here")


def run_demo(say: Callable[[str], None]) -> None:
    from ssohelper.emulator import Emulator
    from ssohelper.roles import credential_process
    from ssohelper.settings import ProcessOptions
    from ssohelper.signin.login import Interaction, default_browser, ensure_login

    with Emulator(approve_after_polls=1, interval=1) as emulator, throwaway_home(emulator.url) as home:
        say(f"1. Started the bundled Identity Center emulator at {emulator.url}")
        say(f"   and a throw-away HOME at {home} (your own ~/.aws is not touched).")
        config = _write_config(home, emulator.url)
        say(f"2. Wrote {config} with [sso-session demo] and a native SSO [profile demo].")
        session = SsoSession(start_url=f"{emulator.url}/start", region="us-east-1", name="demo")
        opener = default_browser()
        flow = _demo_flow(browser=opener is not None)
        say(
            "3. Signing in (the emulator approves at once: "
            + ("no click needed)." if flow.browser else "on the first poll).")
        )
        ui = Interaction(notify=lambda text: say("   " + text.replace("\n", "\n   ")), open_browser=opener)
        outcome = ensure_login(session, ui, store=None, flow=flow)
        say(f"   Signed in. Access token {mask(outcome.token.access_token)} saved to")
        say(f"   {outcome.token_path} (0{os.stat(outcome.token_path).st_mode & 0o777:o}), the AWS CLI v2 cache.")
        say(f"   Refresh token and client secret: {outcome.secrets_location}.")
        target = RoleTarget(session, ACCOUNT, ROLE)
        options = ProcessOptions()
        document = json.loads(credential_process.fetch(target, options))
        say(f"4. credential-process printed credentials for {ROLE} in {ACCOUNT}:")
        say(f"   AccessKeyId {mask(document['AccessKeyId'])}, expires {document['Expiration']}")
        credential_process.fetch(target, options)
        calls = emulator.calls["GetRoleCredentials"]
        say(f"5. A second call came from the cache: GetRoleCredentials was called {calls} time(s) in all.")
        say("6. botocore reads the same sign-in through its own SSO provider (profile demo):")
        import botocore.session

        creds = botocore.session.Session(profile="demo").get_credentials().get_frozen_credentials()
        say(f"   AccessKeyId {mask(creds.access_key)} from botocore, with no second sign-in.")
    say("Demo complete: the throw-away HOME and the emulator are gone.")

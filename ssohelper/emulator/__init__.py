"""A stdlib-only SSO OIDC + SSO portal emulator that botocore clients can talk to over loopback."""

from ssohelper.emulator.facade import Emulator
from ssohelper.emulator.state import DEFAULT_ACCOUNTS, Client, Settings

__all__ = ["DEFAULT_ACCOUNTS", "Client", "Emulator", "Settings"]

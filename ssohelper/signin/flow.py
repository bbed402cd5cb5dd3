"""Which sign-in flow to use: the browser (authorization code + PKCE) or a device code, and why.

The browser flow needs a browser that can reach a listener on this machine's 127.0.0.1. Where
that cannot work (no display, an SSH session, WSL) the device flow is chosen, unless a fixed
redirect port says the user forwards the callback themselves.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

BROWSER = "browser"
DEVICE = "device"


@dataclass(frozen=True)
class FlowChoice:
    flow: str  # BROWSER or DEVICE
    reason: str
    redirect_port: int | None = None

    @property
    def browser(self) -> bool:
        return self.flow == BROWSER

    def describe(self) -> str:
        name = "the browser (authorization code with PKCE)" if self.browser else "a device code"
        return f"Signing in with {name}: {self.reason}."


def has_display(env: Mapping[str, str], platform: str) -> bool:
    """Whether a browser can be opened here at all."""
    if platform in ("darwin", "win32"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def is_wsl(proc_version: str) -> bool:
    return "microsoft" in proc_version.lower()


def choose_flow(
    *,
    use_device_code: bool,
    device_setting: bool,
    named_session: bool,
    redirect_port: int | None,
    env: Mapping[str, str],
    platform: str,
    proc_version: str,
) -> FlowChoice:
    """The flow and the reason for it, in the order the rules apply (a pure function)."""
    if use_device_code:
        return FlowChoice(DEVICE, "--use-device-code was given")
    if device_setting:
        return FlowChoice(DEVICE, "use_device_code = true in the [login] section of the settings file")
    if not named_session:
        return FlowChoice(DEVICE, "a profile without an sso-session signs in with a device code, as in the AWS CLI")
    if is_wsl(proc_version):
        return FlowChoice(DEVICE, "under WSL a Windows browser may not reach this machine's 127.0.0.1")
    if redirect_port is not None:
        return FlowChoice(BROWSER, f"the callback listens on the fixed port {redirect_port}", redirect_port)
    ssh = next((name for name in ("SSH_CONNECTION", "SSH_TTY") if env.get(name)), None)
    if ssh:
        return FlowChoice(
            DEVICE, f"an SSH session ({ssh} is set); forward a port and pass --redirect-port to use the browser"
        )
    if not has_display(env, platform):
        return FlowChoice(DEVICE, "no display, so no browser can be opened here (DISPLAY is not set)")
    return FlowChoice(BROWSER, "the default for an sso-session")


def choose_flow_here(*, use_device_code: bool, named_session: bool, redirect_port: int | None) -> FlowChoice:
    """``choose_flow`` with this process's environment, platform and settings file."""
    from ssohelper import settings

    return choose_flow(
        use_device_code=use_device_code,
        device_setting=settings.use_device_code(),
        named_session=named_session,
        redirect_port=redirect_port,
        env=os.environ,
        platform=sys.platform,
        proc_version=_proc_version(),
    )


def _proc_version() -> str:
    try:
        with open("/proc/version", encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""

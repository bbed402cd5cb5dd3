"""What `serve` prints so its credentials win, and what they win over.

Every SDK's chain reads the environment's keys, then the profile's own credentials (keys,
SSO, credential_process, a role) before the container or instance-metadata provider. Lines
that only name the server would lose to a default profile with credentials. So the lines also
point AWS_CONFIG_FILE at a private copy of the config with a profile of no credentials, and
AWS_PROFILE at that profile (as ``exec --server`` does); the region goes with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ssohelper import paths
from ssohelper.ini.read import display_path, read_sections
from ssohelper.roles import envcreds
from ssohelper.serve import child, tokenfile
from ssohelper.serve.server import Endpoint

SERVE_PROFILE = "ssohelper-serve"
# Keys that give a profile credentials of its own, and what to call them.
_OWN_CREDENTIALS = (
    ("aws_access_key_id", "static keys"),
    ("credential_process", "credential_process"),
    ("sso_session", "SSO"),
    ("sso_start_url", "SSO"),
    ("role_arn", "a role"),
    ("web_identity_token_file", "web identity"),
)
# In the environment, these come before the server in every SDK, whatever the profile.
_ENVIRONMENT_FIRST = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE")


@dataclass(frozen=True)
class Lines:
    """The variables to print, the private config they name (removed when the server stops),
    and one sentence for people on what they shadow."""

    variables: dict[str, str]
    config_file: str
    note: str


def winning_lines(
    found: envcreds.ProfileCredentials, endpoint: Endpoint, environ: Mapping[str, str], *, private: bool = True
) -> Lines:
    """The server's variables, the region, and (``private``) the private config with its empty
    profile. Not for --bind-exposed: a container reads no file of this host, and botocore refuses
    an AWS_PROFILE its own config lacks."""
    variables = dict(endpoint.variables())
    variables.update({k: v for k, v in envcreds.variables(found).items() if k.endswith("REGION")})
    if not private:
        return Lines(variables, "", "")
    config_file = child.private_config(paths.aws_config_file(), SERVE_PROFILE)
    variables.update({"AWS_CONFIG_FILE": config_file, "AWS_PROFILE": SERVE_PROFILE})
    return Lines(variables, config_file, _note(environ))


def remove(lines: Lines) -> None:
    if lines.config_file:
        tokenfile.remove(lines.config_file)


def _note(environ: Mapping[str, str]) -> str:
    """What the lines shadow (the profile SDKs would use now, if it has credentials of its own),
    and what they can't (keys in the environment)."""
    note = (
        f"The lines set AWS_PROFILE={SERVE_PROFILE}, a profile with no credentials in a private copy of "
        f"{display_path(paths.aws_config_file())} (AWS_CONFIG_FILE), so SDKs reach this server"
    )
    shadowed = _shadowed_profile(environ)
    if shadowed:
        note += f" instead of {shadowed}"
    first = [name for name in _ENVIRONMENT_FIRST if environ.get(name)]
    if first:
        note += (
            f". {' and '.join(first)} set here come before any server in every SDK: "
            "unset them where you use these lines"
        )
    return note + "."


def _shadowed_profile(environ: Mapping[str, str]) -> str | None:
    name = environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE") or "default"
    config = read_sections(paths.aws_config_file())
    credentials = read_sections(paths.aws_credentials_file())
    values = {**config.get("default" if name == "default" else f"profile {name}", {}), **credentials.get(name, {})}
    kinds = sorted({what for key, what in _OWN_CREDENTIALS if key in values})
    return f"profile '{name}' ({', '.join(kinds)})" if kinds else None

"""A console sign-in URL for role credentials, through the AWS federation endpoint.

getSigninToken trades the role credentials for a sign-in token (valid 15 minutes); the login
URL carries that token. The endpoint follows the partition of the Identity Center region, and
``AWS_ENDPOINT_URL_SIGNIN`` overrides it (the bundled emulator serves it too).
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from ssohelper.aws import bounded, deadline
from ssohelper.errors import AwsError, ConfigError
from ssohelper.models import RoleCredentials

ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_SIGNIN"
ISSUER = "ssohelper"
TIMEOUT = 30.0
# partition -> (sign-in endpoint, default console destination)
PARTITIONS = {
    "aws": ("https://signin.aws.amazon.com", "https://console.aws.amazon.com/"),
    "aws-us-gov": ("https://signin.amazonaws-us-gov.com", "https://console.amazonaws-us-gov.com/"),
    "aws-cn": ("https://signin.amazonaws.cn", "https://console.amazonaws.cn/"),
}
_PREFIXES = (("us-gov-", "aws-us-gov"), ("cn-", "aws-cn"))

Opener = Callable[[str, float], bytes]


@dataclass(frozen=True)
class ConsoleLink:
    url: str
    partition: str
    endpoint: str
    destination: str


def partition_of(region: str) -> str:
    """The partition of a region, by botocore's partitions.json and its lookup rule: the listed
    regions first, then each partition's regionRegex. Read directly: a botocore session costs ~0.4 s."""
    try:
        import botocore

        with open(os.path.join(os.path.dirname(botocore.__file__), "data", "partitions.json"), "rb") as handle:
            partitions = json.load(handle)["partitions"]
        for partition in partitions:
            if region in partition.get("regions", {}):
                return str(partition["id"])
        for partition in partitions:
            if re.match(partition.get("regionRegex", "$^"), region):
                return str(partition["id"])
    except (ImportError, OSError, ValueError, KeyError, TypeError, re.error):  # an older botocore
        pass
    return next((name for prefix, name in _PREFIXES if region.startswith(prefix)), "aws")


def endpoints(region: str, environ: Mapping[str, str] = os.environ) -> tuple[str, str, str]:
    """(partition, sign-in endpoint, default destination) for credentials issued in ``region``."""
    partition = partition_of(region)
    override = (environ.get(ENDPOINT_VARIABLE) or "").strip().rstrip("/")
    known = PARTITIONS.get(partition)
    if override:
        return partition, override, known[1] if known else "https://console.aws.amazon.com/"
    if known is None:
        raise ConfigError(
            f"no console sign-in endpoint is known for partition '{partition}' (region {region}); "
            f"set {ENDPOINT_VARIABLE} to it"
        )
    return partition, known[0], known[1]


def http_getter(cafile: str | None = None) -> Opener:
    """GET through botocore's proxy and CA settings, the answer read up to a cap (sso.bounded)."""

    def get(url: str, timeout: float) -> bytes:
        return bounded.get(url, timeout, what="console sign-in", cafile=cafile)

    return get


def signin_token(endpoint: str, creds: RoleCredentials, duration: int | None, *, opener: Opener | None = None) -> str:
    session = json.dumps(
        {"sessionId": creds.access_key_id, "sessionKey": creds.secret_access_key, "sessionToken": creds.session_token}
    )
    query = {"Action": "getSigninToken", "Session": session}
    if duration is not None:
        query["SessionDuration"] = str(duration * 60)
    try:
        url = f"{endpoint}/federation?{urlencode(query)}"
        get = opener or http_getter()
        raw = deadline.run("console sign-in", lambda: get(url, TIMEOUT))  # a dribble outlasts per-read timeouts
    except urllib.error.HTTPError as exc:
        raise AwsError(f"console sign-in: {endpoint} refused the credentials (HTTP {exc.code})") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise AwsError(f"console sign-in: cannot reach {endpoint} ({reason}); check your network or proxy") from None
    try:
        token = json.loads(raw)["SigninToken"]
    except (ValueError, KeyError, TypeError):
        token = None
    if not isinstance(token, str) or not token:
        raise AwsError(f"console sign-in: {endpoint} answered without a SigninToken; retry later")
    return token


def console_link(
    creds: RoleCredentials,
    region: str,
    *,
    destination: str | None = None,
    duration: int | None = None,
    environ: Mapping[str, str] = os.environ,
    opener: Opener | None = None,
) -> ConsoleLink:
    """The console login URL for ``creds``; ``duration`` is in minutes (15 to 720)."""
    partition, endpoint, default_destination = endpoints(region, environ)
    token = signin_token(endpoint, creds, duration, opener=opener)
    target = destination or default_destination
    query = urlencode({"Action": "login", "Issuer": ISSUER, "Destination": target, "SigninToken": token})
    return ConsoleLink(f"{endpoint}/federation?{query}", partition, endpoint, target)

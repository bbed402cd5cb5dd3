"""What says a pipeline value is an AWS key, and what says it isn't: names of variables and
action inputs that hold keys, the dummy values local emulators take (LocalStack's ``test``), and
endpoints that are not AWS (R2, MinIO, Spaces...), whose keys no AWS role can replace."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

DUMMY_VALUES = frozenset({"test", "testing", "dummy", "fake", "foo", "foobar", "mock", "localstack", "minioadmin", "x"})
ENDPOINT_NAMES = re.compile(r"^(AWS_ENDPOINT_URL(_S3)?|S3_ENDPOINT(_URL)?|ENDPOINT(_URL)?|AWS_S3_ENDPOINT)$", re.I)
_ENDPOINT_FLAG = re.compile(r"--endpoint-url[= ]\s*['\"]?(https?://[^\s'\"]+)")
_AWS_HOSTS = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")


def key_like(name: str) -> bool:
    """A name that holds an AWS access key or secret key: AWS_ACCESS_KEY_ID, PROD_AWS_SECRET_KEY..."""
    words = re.sub(r"[^A-Z0-9]+", "_", name.upper())
    secretish = any(w in words for w in ("ACCESS_KEY", "SECRET_KEY", "SECRET_ACCESS", "ACCESSKEY", "SECRETKEY"))
    return secretish and ("AWS" in words or "ACCESS_KEY_ID" in words or "SECRET_ACCESS_KEY" in words)


def key_input(name: str) -> bool:
    """An action input that takes an AWS key under any spelling: aws-access-key-id, aws_key_id,
    awsSecretKey, aws_session_token (not a KMS key, a region or a role)."""
    words = re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower().replace("-", "_")
    if any(other in words for other in ("kms", "ssh", "region", "role", "bucket", "name")):
        return False
    aws = "aws" in words.split("_") or words.startswith("aws")
    return key_like(name) or (aws and any(w in words for w in ("key_id", "secret", "access_key", "session_token")))


def dummy(value: str | None) -> bool:
    """A literal no AWS account would issue: what LocalStack, moto and MinIO are given."""
    return value is not None and value.strip().lower() in DUMMY_VALUES


def foreign_endpoint(url: str | None) -> str | None:
    """The host of an endpoint that is not AWS (None: AWS, or not a literal URL)."""
    if not url or "${{" in url or "$" in url:
        return None
    host = (urlsplit(url if "://" in url else f"https://{url}").hostname or "").lower()
    if not host or host.endswith(_AWS_HOSTS):
        return None
    return host


def endpoint_in(text: str) -> str | None:
    """A non-AWS ``--endpoint-url`` given in a script."""
    for url in _ENDPOINT_FLAG.findall(text):
        host = foreign_endpoint(url)
        if host:
            return host
    return None


def uncommented(line: str) -> str:
    """A YAML line without its comment: a ``#`` at the start or after a blank, outside quotes."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"" and (index == 0 or line[index - 1] in " \t:[{,-"):
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            return line[:index]
    return line

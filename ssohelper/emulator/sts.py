"""Role credentials that an STS endpoint (moto in server mode) ties to the role's account.

With ``sts_endpoint`` set, GetRoleCredentials answers with the credentials of an STS
AssumeRole into ``arn:aws:iam::ACCOUNT:role/ROLE`` made at that endpoint, so IAM and
Organizations calls signed with them act in that account. The call is plain HTTP (the Query
protocol), signed with SigV4 and the emulator's own fixed test key: moto routes a request by
the service named in its signature and does not check the key.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from datetime import datetime

from ssohelper.emulator.wire import portal_error

_MAX_ANSWER = 1 << 20
_FIELDS = ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration")
_TEST_KEY = ("AKIAEMULATORTESTKEY0", "emulator-test-secret-not-a-real-one")  # a fixed, public test key
_REGION = "us-east-1"


def assume_role(endpoint: str, account_id: str, role_name: str, seconds: int) -> dict[str, str | int]:
    """The portal's ``roleCredentials`` for the role, issued by the STS endpoint."""
    body = urllib.parse.urlencode(
        {
            "Action": "AssumeRole",
            "Version": "2011-06-15",
            "RoleArn": f"arn:aws:iam::{account_id}:role/{role_name}",
            "RoleSessionName": "ssohelper-emulator",
            "DurationSeconds": str(max(900, min(seconds, 43200))),
        }
    ).encode()
    url = endpoint.rstrip("/") + "/"
    request = urllib.request.Request(url, data=body, headers=_signed_headers(url, body))
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            document = answer.read(_MAX_ANSWER)
    except (OSError, urllib.error.URLError) as error:
        raise portal_error("InternalServerException", f"STS AssumeRole failed: {error}") from None
    found = _credentials(document)
    if found is None:
        raise portal_error("InternalServerException", "STS AssumeRole answered without credentials")
    expires = datetime.fromisoformat(found["Expiration"].replace("Z", "+00:00"))
    return {
        "accessKeyId": found["AccessKeyId"],
        "secretAccessKey": found["SecretAccessKey"],
        "sessionToken": found["SessionToken"],
        "expiration": int(expires.timestamp() * 1000),
    }


def _signed_headers(url: str, body: bytes) -> dict[str, str]:
    """SigV4 headers for a POST of ``body`` to STS at ``url``."""
    host = urllib.parse.urlsplit(url).netloc
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    content_type = "application/x-www-form-urlencoded; charset=utf-8"
    signed = "content-type;host;x-amz-date"
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{content_type}\nhost:{host}\nx-amz-date:{stamp}\n",
            signed,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{stamp[:8]}/{_REGION}/sts/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = ("AWS4" + _TEST_KEY[1]).encode()
    for part in (stamp[:8], _REGION, "sts", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = f"AWS4-HMAC-SHA256 Credential={_TEST_KEY[0]}/{scope}, SignedHeaders={signed}, Signature={signature}"
    return {"Content-Type": content_type, "X-Amz-Date": stamp, "Authorization": authorization}


def _credentials(document: bytes) -> dict[str, str] | None:
    try:
        root = ET.fromstring(document)
    except ET.ParseError:
        return None
    found = {}
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1]
        if name in _FIELDS and element.text:
            found[name] = element.text.strip()
    return found if len(found) == len(_FIELDS) else None

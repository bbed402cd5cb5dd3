"""The service control policy that stops new static keys: no IAM users, access keys or passwords.

From the article this project started from (``PreventIAMUserCreation``), with break-glass
principals exempt through an ``ArnNotLike`` condition on ``aws:PrincipalARN``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from ssohelper.errors import UsageError

SCP_LIMIT = 5120  # characters, AWS Organizations' maximum SCP size
DENIED_ACTIONS = ("iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile")
_ARN = re.compile(r"^arn:[a-z0-9*-]+:iam::(\d{12}|\*):[A-Za-z0-9+=,.@_/*?-]+$")


def scp_policy(allow_principals: Sequence[str] = (), *, compact: bool = False) -> str:
    """The policy as JSON text, exactly as it will be pasted; refused if over the SCP size limit."""
    for arn in allow_principals:
        if not _ARN.match(arn):
            raise UsageError(
                f"--allow-principal {arn!r} is not an IAM principal ARN "
                "(like arn:aws:iam::111111111111:role/BreakGlass; * and ? wildcards are allowed)"
            )
    statement: dict = {
        "Sid": "PreventIAMUserCreation",
        "Effect": "Deny",
        "Action": list(DENIED_ACTIONS),
        "Resource": ["*"],
    }
    if allow_principals:
        statement["Condition"] = {"ArnNotLike": {"aws:PrincipalARN": list(dict.fromkeys(allow_principals))}}
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    text = json.dumps(policy, separators=(",", ":")) if compact else json.dumps(policy, indent=2)
    if len(text) > SCP_LIMIT:
        hint = "" if compact else "use --compact, or "
        raise UsageError(
            f"the policy is {len(text)} characters, over the {SCP_LIMIT}-character SCP limit; "
            f"{hint}exempt fewer principals (a wildcard such as arn:aws:iam::*:role/BreakGlass* covers several)"
        )
    return text

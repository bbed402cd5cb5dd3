"""The service control policy that stops new long-term credentials, built from the kinds to deny.

One Deny statement per kind, each Sid saying what it stops. Break-glass and automation
principals are exempt through an ``ArnNotLike`` condition on ``aws:PrincipalARN``.

``iam:UpdateAccessKey`` is not denied: it both reactivates and deactivates a key, and IAM has
no condition key for the status it sets, so a deny would also stop admins from switching old
keys off. Delete keys instead of leaving them inactive.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from ssohelper.errors import UsageError

SCP_LIMIT = 5120  # characters, AWS Organizations' maximum SCP size
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "users": ("DenyNewIAMUsersUseIdentityCenter", ("iam:CreateUser",)),
    "access-keys": ("DenyNewAccessKeysDeactivatingStaysAllowed", ("iam:CreateAccessKey",)),
    "login-profiles": ("DenyConsolePasswordsForIAMUsers", ("iam:CreateLoginProfile", "iam:UpdateLoginProfile")),
    "service-credentials": (
        "DenyServiceSpecificCredentialsCodeCommitKeyspacesBedrock",
        ("iam:CreateServiceSpecificCredential", "iam:ResetServiceSpecificCredential"),
    ),
}
DEFAULT_KINDS = ("users", "access-keys", "login-profiles")  # what the original policy denied
BLOCKED_WITHOUT_EXEMPTION = (
    "account vending (AWS Control Tower's AWSControlTowerExecution), OrganizationAccountAccessRole "
    "and every break-glass or automation role"
)
_ARN = re.compile(r"^arn:[a-z0-9*-]+:iam::(\d{12}|\*):[A-Za-z0-9+=,.@_/*?-]+$")


def parse_kinds(text: str | None) -> tuple[str, ...]:
    """``users,access-keys`` -> the kinds, in the documented order; unknown names are refused."""
    if text is None:
        return DEFAULT_KINDS
    asked = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [kind for kind in asked if kind not in KINDS]
    if unknown or not asked:
        raise UsageError(f"--deny takes a comma-separated list of {', '.join(KINDS)}; not {text!r}")
    return tuple(kind for kind in KINDS if kind in asked)


def denied_actions(kinds: Sequence[str]) -> list[str]:
    return [action for kind in kinds for action in KINDS[kind][1]]


def check_principals(allow_principals: Sequence[str]) -> list[str]:
    for arn in allow_principals:
        if not _ARN.match(arn):
            raise UsageError(
                f"--allow-principal {arn!r} is not an IAM principal ARN "
                "(like arn:aws:iam::111111111111:role/BreakGlass; * and ? wildcards are allowed)"
            )
    return list(dict.fromkeys(allow_principals))


def policy_document(kinds: Sequence[str] = DEFAULT_KINDS, allow_principals: Sequence[str] = ()) -> dict:
    """The policy as a dict: one Deny statement per kind, each with the exemptions."""
    exempt = check_principals(allow_principals)
    statements = []
    for kind in kinds:
        sid, actions = KINDS[kind]
        statement: dict = {"Sid": sid, "Effect": "Deny", "Action": list(actions), "Resource": "*"}
        if exempt:
            statement["Condition"] = {"ArnNotLike": {"aws:PrincipalARN": exempt}}
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def policy_text(document: dict, *, compact: bool = False) -> str:
    """The JSON text exactly as it is printed or sent; refused when over the SCP size limit."""
    text = json.dumps(document, separators=(",", ":")) if compact else json.dumps(document, indent=2)
    if len(text) > SCP_LIMIT:
        hint = "" if compact else "use --compact, or "
        raise UsageError(
            f"the policy is {len(text)} characters, over the {SCP_LIMIT}-character SCP limit; "
            f"{hint}exempt fewer principals (a wildcard such as arn:aws:iam::*:role/BreakGlass* covers several)"
        )
    return text


def scp_policy(
    allow_principals: Sequence[str] = (), *, kinds: Sequence[str] = DEFAULT_KINDS, compact: bool = False
) -> str:
    """The policy as JSON text, exactly as it will be pasted; refused if over the SCP size limit."""
    return policy_text(policy_document(kinds, allow_principals), compact=compact)

"""The role credentials the AWS CLI v2 caches in ~/.aws/cli/cache for native SSO profiles.

``aws sso logout`` deletes every JSON file there whose ``ProviderType`` is ``sso``
(awscli/customizations/sso/logout.py, SSOCredentialSweeper). botocore's SSO provider names each
entry ``sha1(json.dumps({"accountId", "roleName", "sessionName" | "startUrl"}, sort_keys=True,
separators=(",", ":")))`` (SSOCredentialFetcher._create_cache_key), so one session's entries can
be found from its profiles alone.
"""

from __future__ import annotations

import hashlib
import json
import os

from ssohelper import paths
from ssohelper.ini.awsconfig import AwsConfig
from ssohelper.models import SsoSession


def cache_key(session: SsoSession, account_id: str, role_name: str) -> str:
    """The file name (without .json) botocore gives this role's cached credentials."""
    args = {"roleName": role_name, "accountId": account_id}
    if session.name:
        args["sessionName"] = session.name
    else:
        args["startUrl"] = session.start_url
    text = json.dumps(args, sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _is_sso_entry(path: str) -> bool:
    try:
        with open(path, encoding="utf-8") as handle:
            contents = json.load(handle)
    except (OSError, ValueError):
        return False
    return isinstance(contents, dict) and contents.get("ProviderType") == "sso"


def _remove(path: str) -> bool:
    if not _is_sso_entry(path):
        return False
    try:
        os.remove(path)
    except OSError:
        return False
    return True


def remove_session(session: SsoSession, config: AwsConfig) -> int:
    """Delete the AWS CLI's cached role credentials of ``session``'s native profiles; how many."""
    keys = set()
    for name in config.native_profiles(session):
        values = config.profiles[name]
        account, role = values.get("sso_account_id"), values.get("sso_role_name")
        if isinstance(account, str) and isinstance(role, str):
            keys.add(cache_key(session, account.strip(), role.strip()))
    directory = paths.aws_cli_cache_dir()
    return sum(_remove(os.path.join(directory, key + ".json")) for key in sorted(keys))


def remove_all() -> int:
    """What ``aws sso logout`` removes from ~/.aws/cli/cache: every entry with ProviderType sso."""
    directory = paths.aws_cli_cache_dir()
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return 0
    return sum(_remove(os.path.join(directory, name)) for name in names)

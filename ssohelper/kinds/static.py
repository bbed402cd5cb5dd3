"""Static keys: ``aws_access_key_id`` and its secret. botocore asks for them twice: in
~/.aws/credentials early in its chain, in ~/.aws/config last of all. Same keys, two places,
so this kind stands at both; migrate-profiles exists to move them away."""

from __future__ import annotations

from ssohelper.kinds import CONFIG_FILE, CREDENTIALS_FILE, Kind, Profile

# The keys of a static-key profile: in ~/.aws/credentials or ~/.aws/config.
STATIC_KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_security_token")


class StaticKeys(Kind):
    needs = "aws_access_key_id"
    keys = STATIC_KEYS

    def __init__(self, name: str, label: str, provider: str, in_credentials: bool) -> None:
        self.name, self.label, self.provider = name, label, provider
        self._in_credentials = in_credentials

    def recognises(self, profile: Profile) -> bool:
        side = profile.credentials if self._in_credentials else profile.config
        value = side.get("aws_access_key_id") if side is not None else None
        return isinstance(value, str) and bool(value.strip())


IN_CREDENTIALS = StaticKeys("credentials-file-keys", "static keys in the credentials file", CREDENTIALS_FILE, True)
IN_CONFIG = StaticKeys("config-file-keys", "static keys in the config file", CONFIG_FILE, False)
KINDS = (IN_CREDENTIALS, IN_CONFIG)

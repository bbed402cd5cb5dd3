"""The one place this package makes its Identity Center clients (sso-admin, identitystore).

They use an administrator's profile (the management or delegated administrator account) and
its region, botocore's 'adaptive' retry mode (a client-side rate that backs off on throttling,
with enough attempts to ride a burst out) and a pacer shared by every call, so that an apply
stays under sso-admin's throttle and a throttled call is retried, never lost. Endpoints follow
AWS_ENDPOINT_URL_SSO_ADMIN and AWS_ENDPOINT_URL_IDENTITYSTORE, as for the AWS CLI.
"""

from __future__ import annotations

from typing import Any

from ssohelper.aws import bounded, pacing
from ssohelper.errors import ConfigError
from ssohelper.org.clients import _retrying_config


def admin_client(service: str, profile: str | None, region: str | None = None) -> Any:
    """A signed client for ``service`` with ``profile``'s credentials, in ``region`` (else the profile's)."""
    import botocore.session
    from botocore.exceptions import BotoCoreError

    try:
        session = botocore.session.Session(profile=profile)
        where = region or session.get_config_variable("region")
        if not where:
            raise ConfigError(
                f"Identity Center is regional: give --region, or set region in profile {profile or 'default'}"
            )
        created = session.create_client(service, region_name=where, config=_retrying_config())
    except BotoCoreError as exc:
        raise ConfigError(f"cannot set up the AWS {service} client: {exc}") from None
    bounded.install(created, pacer=pacing.Pacer(pacing.max_rate()))
    return created

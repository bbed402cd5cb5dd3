"""How this package has its Identity Center clients (sso-admin, identitystore) made.

They use an administrator's profile (the management or delegated administrator account) and
its region, botocore's 'adaptive' retry mode (a client-side rate that backs off on throttling,
with enough attempts to ride a burst out) and a pacer shared by every call, so that an apply
stays under sso-admin's throttle and a throttled call is retried, never lost. Endpoints follow
AWS_ENDPOINT_URL_SSO_ADMIN and AWS_ENDPOINT_URL_IDENTITYSTORE, as for the AWS CLI.
"""

from __future__ import annotations

from typing import Any

from ssohelper.aws import clients, pacing


def admin_client(service: str, profile: str | None, region: str | None = None) -> Any:
    """A signed client for ``service`` with ``profile``'s credentials, in ``region`` (else the
    profile's), adaptive and paced (ssohelper.aws.clients.make)."""
    return clients.make(service, profile=profile, region=region, pacer=pacing.Pacer(pacing.max_rate()), adaptive=True)

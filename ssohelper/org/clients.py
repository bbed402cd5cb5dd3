"""Signed botocore clients for IAM (with role credentials) and Organizations (with a profile).

IAM publishes no call rate and throttles per account, so each account's client uses botocore's
'adaptive' retry mode: a client-side rate that backs off on throttling and probes back up, with
enough attempts to ride out a burst. Endpoints follow botocore's rules (AWS_ENDPOINT_URL_IAM,
AWS_ENDPOINT_URL_ORGANIZATIONS), as the AWS CLI does.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from ssohelper.aws import clients
from ssohelper.errors import ConfigError
from ssohelper.models import RoleCredentials

IAM_ATTEMPTS = 10  # adaptive mode: throttled calls wait for the client-side rate rather than fail


def _retrying_config(*, max_pool_connections: int = 10) -> Any:
    from botocore.config import Config

    base = clients.config(signed=True, max_pool_connections=max_pool_connections)  # checks AWS_MAX_ATTEMPTS
    attempts = int(os.environ.get("AWS_MAX_ATTEMPTS") or IAM_ATTEMPTS)
    return base.merge(Config(retries={"mode": "adaptive", "total_max_attempts": attempts}))


def iam_clients() -> Callable[[RoleCredentials], Any]:
    """A maker of IAM clients, one per account's credentials, all from one botocore session:
    the IAM model is loaded once per audit rather than once per account."""
    import botocore.session
    from botocore.exceptions import BotoCoreError

    session = botocore.session.get_session()
    lock = threading.Lock()  # creating clients from one session in parallel is not safe
    config = _retrying_config()

    def make(credentials: RoleCredentials) -> Any:
        try:
            with lock:
                return session.create_client(
                    "iam",
                    region_name="us-east-1",  # IAM is global; its endpoint lives in us-east-1
                    aws_access_key_id=credentials.access_key_id,
                    aws_secret_access_key=credentials.secret_access_key,
                    aws_session_token=credentials.session_token,
                    config=config,
                )
        except BotoCoreError as exc:
            raise ConfigError(f"cannot set up the AWS iam client: {exc}") from None

    return make


def organizations_client(profile: str | None) -> Any:
    """An Organizations client with a profile's credentials (the management account's)."""
    import botocore.session
    from botocore.exceptions import BotoCoreError

    try:
        session = botocore.session.Session(profile=profile)
        return session.create_client("organizations", region_name="us-east-1", config=_retrying_config())
    except BotoCoreError as exc:
        raise ConfigError(f"cannot set up the AWS organizations client: {exc}") from None

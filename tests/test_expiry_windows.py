"""The 15-minute windows, at their edges, with a frozen clock."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
from freezegun import freeze_time

from ssohelper import fastpath, times
from ssohelper.cache import rolestore
from ssohelper.errors import LoginRequired
from ssohelper.models import RoleCredentials, RoleTarget, SsoSession, Token
from ssohelper.roles import credential_process
from ssohelper.signin.login import usable_token
from ssohelper.tokens import tokencache

NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=timezone.utc)
T = NOW.timestamp()
CORP = SsoSession(start_url="https://corp.awsapps.com/start", region="us-east-1", name="corp")
TARGET = RoleTarget(CORP, "111111111111", "Developer")
ARGS = ["--sso-session", "corp", "--account-id", "111111111111", "--role-name", "Developer"]


def cache_entry(seconds_left: float) -> None:
    """A cached role, and its session's token file (expired, so a miss ends in login required)."""
    tokencache.save_token(CORP, Token(CORP.start_url, CORP.region, "expired", T - 60))
    creds = RoleCredentials("ASIAEXAMPLEEXAMPLE", "secret", "session", T + seconds_left, "111111111111")
    rolestore.FileStore().write(credential_process.target_entry(TARGET), rolestore.encode_entry(creds))


@pytest.mark.parametrize("seconds_left, hit", [(15 * 60 + 1, True), (15 * 60, False), (15 * 60 - 1, False)])
def test_cached_credentials_need_more_than_15_minutes(seconds_left, hit):
    cache_entry(seconds_left)
    with freeze_time(NOW):
        if hit:
            assert '"AccessKeyId":"ASIAEXAMPLEEXAMPLE"' in credential_process.fetch(
                TARGET, credential_process.ProcessOptions()
            )
        else:  # a miss goes on to the token, and there is none
            with pytest.raises(LoginRequired):
                credential_process.fetch(TARGET, credential_process.ProcessOptions())


@pytest.mark.parametrize(
    "seconds_left, argv, hit",
    [
        (15 * 60 + 1, ARGS, True),
        (15 * 60, ARGS, False),
        (30 * 60 + 1, [*ARGS, "--min-ttl", "30"], True),
        (30 * 60, [*ARGS, "--min-ttl", "30"], False),
    ],
)
def test_the_fast_path_honours_the_window(config, capsys, seconds_left, argv, hit):
    cache_entry(seconds_left)
    with freeze_time(NOW):
        assert fastpath.serve_cached(argv) == (0 if hit else None)
    assert ("ASIAEXAMPLEEXAMPLE" in capsys.readouterr().out) is hit


def test_the_settings_file_changes_the_window(config, isolated_home, capsys):
    settings = isolated_home / ".config" / "ssohelper" / "config"
    settings.parent.mkdir(parents=True)
    settings.write_text("[credential-process]\nmin_ttl_minutes = 5\n")
    cache_entry(5 * 60 + 1)
    with freeze_time(NOW):
        assert fastpath.serve_cached(ARGS) == 0


class RecordingOidc:
    """A narrow stand-in for the sso-oidc client: records refresh calls."""

    def __init__(self) -> None:
        self.calls = 0

    def create_token(self, **kwargs: str) -> dict:
        self.calls += 1
        assert kwargs["grantType"] == "refresh_token" and kwargs["refreshToken"] == "refresh-1"
        return {"accessToken": "fresh", "expiresIn": 3600, "refreshToken": "refresh-2"}


def save_token(seconds_left: float) -> None:
    tokencache.save_token(
        CORP,
        Token(
            CORP.start_url, CORP.region, "stale", T + seconds_left, "client", "client-secret", T + 86400, "refresh-1"
        ),
    )


@pytest.mark.parametrize("seconds_left, refreshed", [(15 * 60 + 1, False), (15 * 60, True), (60, True)])
def test_tokens_refresh_within_15_minutes_of_expiry(seconds_left, refreshed):
    save_token(seconds_left)
    oidc = RecordingOidc()
    with freeze_time(NOW):
        token = usable_token(CORP, store=None, oidc_client=oidc)
    assert oidc.calls == (1 if refreshed else 0)
    assert token.access_token == ("fresh" if refreshed else "stale")
    if refreshed:
        saved = tokencache.load_token(CORP)
        assert saved.refresh_token == "refresh-2" and saved.expires_at == T + 3600


def test_an_expired_token_without_refresh_needs_a_login():
    tokencache.save_token(CORP, Token(CORP.start_url, CORP.region, "old", T - 1))
    with freeze_time(NOW), pytest.raises(LoginRequired, match="has expired; run: ssohelper login --sso-session corp"):
        usable_token(CORP, store=None)


@pytest.fixture
def far_from_utc(monkeypatch):
    """A local time zone 12 hours from UTC (a POSIX TZ rule: no tz database needed)."""
    monkeypatch.setenv("TZ", "XXX-12")
    time.tzset()
    yield
    monkeypatch.undo()  # TZ back as it was, then tell the C library
    time.tzset()


def test_token_times_use_the_aws_cli_format(far_from_utc):
    assert time.localtime(T).tm_hour == 0  # the zone took effect, so a local-time slip would show
    assert times.format_epoch(T) == "2026-11-28T12:00:00Z"
    assert times.parse_epoch("2026-11-28T12:00:00Z") == T
    assert times.parse_epoch("2026-11-28T12:00:00.123000+00:00") == pytest.approx(T + 0.123)
    assert times.parse_epoch("2026-11-28T12:00:00") == T  # no zone given: UTC, not local time


class UnreachableOidc:
    def create_token(self, **kwargs: str) -> dict:
        from botocore.exceptions import EndpointConnectionError

        raise EndpointConnectionError(endpoint_url="https://oidc.us-east-1.amazonaws.com/token")


def test_a_refresh_that_cannot_reach_aws_keeps_a_still_valid_token():
    save_token(10 * 60)
    with freeze_time(NOW):
        assert usable_token(CORP, store=None, oidc_client=UnreachableOidc()).access_token == "stale"


def test_a_refresh_that_cannot_reach_aws_is_a_network_error_not_a_login():
    from ssohelper.errors import AwsError

    save_token(-1)
    with freeze_time(NOW), pytest.raises(AwsError, match="cannot reach"):
        usable_token(CORP, store=None, oidc_client=UnreachableOidc())


class FailingOidc:
    """Refresh answers 500; a device sign-in is not expected to get this far in the test."""

    def create_token(self, **kwargs: str) -> dict:
        from botocore.exceptions import ClientError

        raise ClientError(
            {"Error": {"Code": "InternalServerException"}, "ResponseMetadata": {"HTTPStatusCode": 500}}, "CreateToken"
        )


def test_login_falls_back_to_a_new_sign_in_when_the_refresh_fails(monkeypatch):
    import ssohelper.signin.login as login_module

    save_token(60)
    signed_in = []
    monkeypatch.setattr(
        login_module,
        "_device_login",
        lambda *args: signed_in.append(1) or Token(CORP.start_url, CORP.region, "new", T + 3600),
    )
    with freeze_time(NOW):
        outcome = login_module.ensure_login(
            CORP, login_module.Interaction(notify=print), store=None, oidc_client=FailingOidc()
        )
    assert outcome.action == "signed-in" and signed_in == [1]

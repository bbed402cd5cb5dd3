"""One maker of AWS clients: every service the product uses gets the answer cap, botocore's
endpoint rules and the same retries; the cap survives botocore moving what it hangs on."""

from __future__ import annotations

import pytest
from test_bounded import CAP_MIB, chunked_flood, raw_server

from ssohelper import errors
from ssohelper.aws import bounded, clients
from ssohelper.models import RoleCredentials

CREDS = RoleCredentials("ASIAEXAMPLEEXAMPLE12", "secret", "token", 0.0, "111111111111")

# service -> (its AWS_ENDPOINT_URL_ suffix, one cheap call)
CALLS = {
    "sso": ("SSO", lambda c: c.list_accounts(accessToken="t")),
    "sso-oidc": ("SSO_OIDC", lambda c: c.register_client(clientName="n", clientType="public")),
    "sts": ("STS", lambda c: c.get_caller_identity()),
    "iam": ("IAM", lambda c: c.list_users()),
    "organizations": ("ORGANIZATIONS", lambda c: c.list_roots()),
    "sso-admin": ("SSO_ADMIN", lambda c: c.list_instances()),
    "identitystore": ("IDENTITYSTORE", lambda c: c.list_users(IdentityStoreId="d-1234567890")),
}


@pytest.mark.parametrize("service", sorted(CALLS))
def test_every_client_follows_the_endpoint_variable_and_reads_no_more_than_the_cap(service, monkeypatch):
    suffix, call = CALLS[service]
    with raw_server(chunked_flood) as url:
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{suffix}", url)
        client = clients.make(service, credentials=CREDS, region="eu-west-1")
        assert clients.endpoint_url(client) == url
        with pytest.raises(bounded.AnswerTooLarge, match=f"the answer is larger than {CAP_MIB} MiB"):
            call(client)


def test_iam_and_organizations_are_global_the_others_take_the_profiles_region(isolated_home, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    (isolated_home / ".aws").mkdir()
    (isolated_home / ".aws" / "config").write_text("[profile admin]\nregion = eu-central-1\n")
    (isolated_home / ".aws" / "credentials").write_text(
        "[admin]\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\naws_secret_access_key = s\n"
    )
    assert clients.make("iam", profile="admin").meta.endpoint_url == "https://iam.amazonaws.com"
    orgs = clients.make("organizations", credentials=CREDS).meta.endpoint_url
    assert orgs == f"https://organizations.{clients.GLOBAL_REGION}.amazonaws.com"
    assert clients.make("sts", profile="admin").meta.region_name == "eu-central-1"
    assert clients.make("sso-admin", profile="admin", region="eu-west-2").meta.region_name == "eu-west-2"


def test_a_client_that_cannot_be_made_is_a_one_line_config_error(isolated_home):
    with pytest.raises(errors.ConfigError, match="cannot set up the AWS iam client for profile 'nosuch':"):
        clients.make("iam", profile="nosuch")


def test_paced_clients_keep_more_attempts_and_adaptive_ones_use_botocores_mode():
    plain = clients.make("sts", credentials=CREDS).meta.config.retries
    adaptive = clients.make("iam", credentials=CREDS, adaptive=True).meta.config.retries
    assert plain == {"mode": "standard", "total_max_attempts": 3}
    assert adaptive == {"mode": "adaptive", "total_max_attempts": clients.PACED_ATTEMPTS}


# --- what the cap hangs on ---


def test_the_cap_sends_through_botocores_own_http_session():
    """Fails the day botocore moves its endpoint's HTTP session: then the fallback below is in use
    (answers still capped, but with a connection pool of its own); look at bounded.http_session."""
    from botocore.httpsession import URLLib3Session

    client = clients.make("sts", credentials=CREDS)
    session, botocores = bounded.http_session(client)
    assert botocores and session is client._endpoint.http_session
    assert isinstance(session, URLLib3Session)


@pytest.fixture
def botocore_moved_it(monkeypatch):
    """botocore as it might be one day: the endpoint keeps its HTTP session under another name."""
    from botocore.endpoint import Endpoint

    original = Endpoint.__init__

    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        self._moved_session = self.__dict__.pop("http_session")

    monkeypatch.setattr(Endpoint, "__init__", init)


def test_when_botocore_moves_its_http_session_answers_are_still_capped(botocore_moved_it, monkeypatch):
    with raw_server(chunked_flood) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", url)
        client = clients.make("sts", credentials=CREDS)
        assert not hasattr(client._endpoint, "http_session")
        assert bounded.http_session(client)[1] is False
        with pytest.raises(bounded.AnswerTooLarge):
            client.get_caller_identity()


def test_when_botocore_moves_it_calls_still_work(botocore_moved_it, cli, signed_in):
    result = cli("list", "--sso-session", "corp", "--refresh", "--output", "json")
    assert result.code == 0, result.err
    assert signed_in.calls["ListAccounts"] == 1


def test_when_no_http_session_can_be_had_it_says_so_instead_of_calling_uncapped(botocore_moved_it, cli, signed_in):
    import botocore.httpsession

    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.delattr(botocore.httpsession, "URLLib3Session")
    try:
        result = cli("list", "--sso-session", "corp", "--refresh")
    finally:
        monkeypatch.undo()
    assert result.code == errors.EXIT_CONFIG, result.err
    assert "cannot cap the answers of the AWS SSO client: botocore" in result.err
    assert result.err.count("\n") == 1 and "unexpected" not in result.err

"""The browser sign-in: authorization code with PKCE, on the wire as the AWS CLI v2 does it.

RegisterClient (authorization_code + refresh_token, the loopback redirect URI without a port,
the start URL as issuer), a listener on 127.0.0.1, the browser sent to ``{oidc}/authorize``,
then CreateToken with the code, the verifier and the redirect URI.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote, urlencode

from ssohelper.aws import answers, clients
from ssohelper.errors import LoginFailed
from ssohelper.models import SsoSession, Token
from ssohelper.signin import callback, oidc, pkce
from ssohelper.signin.interaction import Interaction
from ssohelper.tokens.vault import TokenVault

log = logging.getLogger("ssohelper")
AUTH_CODE_GRANT = "authorization_code"
_CODE_REJECTIONS = {"InvalidGrantException", "InvalidClientException", "InvalidRequestException"}


def authorize_url(
    endpoint: str, client_id: str, redirect_uri: str, state: str, code_challenge: str, scopes: tuple[str, ...]
) -> str:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge_method": "S256",
        "scopes": " ".join(scopes),
    }
    encoded = urlencode(query, quote_via=quote, safe="-_.~")
    return f"{endpoint}/authorize?{encoded}&code_challenge={code_challenge}"


def sign_in(vault: TokenVault, ui: Interaction, client: Any, *, port: int | None) -> Token:
    """Run the browser flow once; LoginFailed on a denial, a refused code or a timeout.

    Only a callback carrying this sign-in's state ends the wait (the listener refuses others).
    """
    session = vault.session
    registration = oidc.registration(vault, client, now=ui.clock(), auth_code=True)
    verifier, state = pkce.new_verifier(), pkce.new_state()
    with callback.CallbackListener(port, state=state) as listener:  # bound before the browser opens
        url = authorize_url(
            clients.endpoint_url(client),
            registration["clientId"],
            listener.redirect_uri,
            state,
            pkce.challenge(verifier),
            session.scopes,
        )
        ui.notify(f"Sign in to AWS IAM Identity Center ({session.label}) in the browser; if none opens, open:\n  {url}")
        ui.open_url(url)
        log.debug("listening for the callback on %s", listener.redirect_uri)
        answer = listener.wait(deadline=ui.clock() + callback.OVERALL_TIMEOUT, clock=ui.clock, on_wait=ui.on_wait)
        redirect_uri = listener.redirect_uri
    code = _checked_code(session, answer)
    return exchange(vault, client, registration, code, verifier, redirect_uri, now=ui.clock())


def _checked_code(session: SsoSession, answer: callback.Callback | None) -> str:
    again = f"run {session.login_command()} to try again"
    if answer is None:
        raise LoginFailed(f"no answer from the browser for '{session.label}' within 10 minutes; {again}")
    if answer.error:
        if answer.error == "access_denied":
            raise LoginFailed(f"sign-in for '{session.label}' was denied in the browser; {again}")
        raise LoginFailed(f"the browser sign-in for '{session.label}' failed ({answer.error[:60]}); {again}")
    assert answer.code is not None
    return answer.code


def exchange(
    vault: TokenVault, client: Any, registration: dict, code: str, verifier: str, redirect_uri: str, *, now: float
) -> Token:
    """CreateToken with grant type authorization_code; a refused code ends the sign-in (exit 6)."""
    session = vault.session
    from botocore.exceptions import ClientError

    with clients.calling("SSO OIDC CreateToken", session):
        try:
            response = oidc.create_token(
                "SSO OIDC CreateToken",
                client,
                registration,
                grantType=AUTH_CODE_GRANT,
                code=code,
                codeVerifier=verifier,
                redirectUri=redirect_uri,
            )
        except ClientError as exc:
            error = clients.error_code(exc)
            if error not in _CODE_REJECTIONS:
                raise
            if error == "InvalidClientException":  # the next sign-in registers again
                vault.forget_registration()
            raise LoginFailed(
                f"SSO OIDC did not accept the sign-in code for '{session.label}' ({error}); "
                f"run {session.login_command()} to try again"
            ) from None
    return oidc.token_from(session, registration, answers.token("SSO OIDC CreateToken", response), now=now)

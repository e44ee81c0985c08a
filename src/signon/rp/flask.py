"""Flask adapter for the backend helpers (imports Flask; ``signon.rp`` itself does not).

Use the functions inside your own views (they read ``flask.request``), or register a view::

    app.add_url_rule("/tokensignin", view_func=tokensignin_view(verifier), methods=["POST"])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask

from signon.rp.claims import IdToken
from signon.rp.client import OAuthClient
from signon.rp.errors import RpError
from signon.rp.helpers import (
    ERROR_HEADERS,
    MAX_BODY,
    check_body_size,
    check_declared_length,
    error_message,
    error_status,
    get_auth_code,
    get_login_credential,
    get_tokensignin_token,
)
from signon.rp.tokens import TokenSet
from signon.rp.verify import IdTokenVerifier

__all__ = [
    "error_response",
    "exchange_auth_code",
    "login_view",
    "storeauthcode_view",
    "tokensignin_view",
    "verify_login_post",
    "verify_tokensignin",
]

View = Callable[[], flask.Response]


def _body() -> bytes:
    """The body, read only up to ``MAX_BODY`` (Flask sets no limit unless the app configures
    ``MAX_CONTENT_LENGTH``)."""
    check_declared_length(flask.request.headers.get("Content-Length"))
    data: bytes = flask.request.stream.read(MAX_BODY + 1)
    check_body_size(len(data))
    return data


def verify_tokensignin(verifier: IdTokenVerifier, **kw: Any) -> IdToken:
    """Verify the ``idtoken`` form field of the current request; ``kw`` goes to ``verify``."""
    return verifier.verify(get_tokensignin_token(flask.request.content_type, _body()), **kw)


def verify_login_post(verifier: IdTokenVerifier, **kw: Any) -> IdToken:
    """Check the GIS ``g_csrf_token`` double submit, then verify ``credential``."""
    credential = get_login_credential(flask.request.cookies, flask.request.content_type, _body())
    return verifier.verify(credential, **kw)


def exchange_auth_code(client: OAuthClient) -> TokenSet:
    """Require ``X-Requested-With``, read the one-time code, exchange it with ``postmessage``."""
    headers = dict(flask.request.headers)
    code = get_auth_code(headers, flask.request.content_type, _body())
    return client.exchange_code(code, redirect_uri="postmessage")


def error_response(exc: RpError) -> flask.Response:
    return flask.Response(
        error_message(exc), status=error_status(exc), mimetype="text/plain", headers=ERROR_HEADERS
    )


def _signed_in(token: IdToken) -> flask.Response:
    return flask.Response(token.email or token.sub, mimetype="text/plain")


def _stored(tokens: TokenSet) -> flask.Response:
    claims = tokens.id_token_claims
    return flask.jsonify(
        sub=claims.sub if claims else None,
        email=claims.email if claims else None,
        scope=list(tokens.scope),
        offline=tokens.refresh_token is not None,
    )


def tokensignin_view(
    verifier: IdTokenVerifier, on_success: Callable[[IdToken], flask.Response] = _signed_in
) -> View:
    """POST ``/tokensignin``: by default answers the user's email, as seed 004's page expects."""

    def tokensignin() -> flask.Response:
        try:
            return on_success(verify_tokensignin(verifier))
        except RpError as exc:
            return error_response(exc)

    return tokensignin


def login_view(
    verifier: IdTokenVerifier, on_success: Callable[[IdToken], flask.Response] = _signed_in
) -> View:
    """POST ``login_uri`` for GIS redirect mode; ``on_success`` should start a session."""

    def login() -> flask.Response:
        try:
            return on_success(verify_login_post(verifier))
        except RpError as exc:
            return error_response(exc)

    return login


def storeauthcode_view(
    client: OAuthClient, on_success: Callable[[TokenSet], flask.Response] = _stored
) -> View:
    """POST ``/storeauthcode``; ``on_success`` should store the refresh token."""

    def storeauthcode() -> flask.Response:
        try:
            return on_success(exchange_auth_code(client))
        except RpError as exc:
            return error_response(exc)

    return storeauthcode

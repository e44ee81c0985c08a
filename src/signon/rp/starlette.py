"""Starlette adapter for the backend helpers (imports Starlette; ``signon.rp`` itself does not).

Use the async functions inside your own endpoints, or mount the ready-made endpoints::

    Route("/tokensignin", tokensignin_endpoint(verifier), methods=["POST"])
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from signon.rp.claims import IdToken
from signon.rp.client import OAuthClient
from signon.rp.errors import RpError
from signon.rp.helpers import (
    ERROR_HEADERS,
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
    "login_endpoint",
    "storeauthcode_endpoint",
    "tokensignin_endpoint",
    "verify_login_post",
    "verify_tokensignin",
]

Endpoint = Callable[[Request], Awaitable[Response]]


async def _body(request: Request) -> bytes:
    """The body, read only up to ``MAX_BODY`` (Starlette itself sets no limit)."""
    check_declared_length(request.headers.get("content-length"))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        check_body_size(size)
        chunks.append(chunk)
    return b"".join(chunks)


async def verify_tokensignin(request: Request, verifier: IdTokenVerifier, **kw: Any) -> IdToken:
    """Verify the ``idtoken`` form field; ``kw`` goes to ``averify`` (``hd=``, ``nonce=``...)."""
    token = get_tokensignin_token(request.headers.get("content-type"), await _body(request))
    return await verifier.averify(token, **kw)


async def verify_login_post(request: Request, verifier: IdTokenVerifier, **kw: Any) -> IdToken:
    """Check the GIS ``g_csrf_token`` double submit, then verify ``credential``."""
    credential = get_login_credential(
        request.cookies, request.headers.get("content-type"), await _body(request)
    )
    return await verifier.averify(credential, **kw)


async def exchange_auth_code(request: Request, client: OAuthClient) -> TokenSet:
    """Require ``X-Requested-With``, read the one-time code, exchange it with ``postmessage``."""
    code = get_auth_code(request.headers, request.headers.get("content-type"), await _body(request))
    return await client.aexchange_code(code, redirect_uri="postmessage")


def error_response(exc: RpError) -> Response:
    return PlainTextResponse(
        error_message(exc), status_code=error_status(exc), headers=ERROR_HEADERS
    )


def _signed_in(token: IdToken) -> Response:
    return PlainTextResponse(token.email or token.sub)


def _stored(tokens: TokenSet) -> Response:
    claims = tokens.id_token_claims
    return JSONResponse(
        {
            "sub": claims.sub if claims else None,
            "email": claims.email if claims else None,
            "scope": list(tokens.scope),
            "offline": tokens.refresh_token is not None,
        }
    )


def tokensignin_endpoint(
    verifier: IdTokenVerifier, on_success: Callable[[IdToken], Response] = _signed_in
) -> Endpoint:
    """POST ``/tokensignin``: by default answers the user's email, as seed 004's page expects."""

    async def endpoint(request: Request) -> Response:
        try:
            return on_success(await verify_tokensignin(request, verifier))
        except RpError as exc:
            return error_response(exc)

    return endpoint


def login_endpoint(
    verifier: IdTokenVerifier, on_success: Callable[[IdToken], Response] = _signed_in
) -> Endpoint:
    """POST ``login_uri`` for GIS redirect mode. ``on_success`` should start a session and
    redirect; the default answers the user's email."""

    async def endpoint(request: Request) -> Response:
        try:
            return on_success(await verify_login_post(request, verifier))
        except RpError as exc:
            return error_response(exc)

    return endpoint


def storeauthcode_endpoint(
    client: OAuthClient, on_success: Callable[[TokenSet], Response] = _stored
) -> Endpoint:
    """POST ``/storeauthcode``. ``on_success`` should store the refresh token; the default
    answers who signed in and which scopes were granted (never the tokens)."""

    async def endpoint(request: Request) -> Response:
        try:
            return on_success(await exchange_auth_code(request, client))
        except RpError as exc:
            return error_response(exc)

    return endpoint

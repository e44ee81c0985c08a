"""tokeninfo, userinfo and revocation."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from signon.context import ctx
from signon.errors import InvalidRequest, InvalidToken
from signon.http.params import form_params
from signon.http.token import NO_STORE
from signon.protocol.introspect import (
    access_token_info,
    id_token_info,
    tokeninfo_v2,
    userinfo_claims,
    userinfo_v2,
)
from signon.protocol.tokens import find_live_token

__all__ = ["BROWSER_PATHS", "preflight", "revoke", "tokeninfo", "userinfo"]

# Browser code calls these (GIS revoke, gapi); they carry no cookies, so any origin may.
CORS = {"Access-Control-Allow-Origin": "*"}
# The paths of revoke, tokeninfo and userinfo, which pages call with fetch(): userinfo with an
# `Authorization: Bearer` header (the GIS token model's usual next step), which makes the
# browser ask first with a CORS preflight.
BROWSER_PATHS = (
    "/revoke",
    "/o/oauth2/revoke",
    "/oauth2/v3/tokeninfo",
    "/oauth2/v1/tokeninfo",
    "/oauth2/v2/tokeninfo",
    "/tokeninfo",
    "/oauth2/v3/userinfo",
    "/v1/userinfo",
    "/oauth2/v2/userinfo",
    "/oauth2/v1/userinfo",
    "/userinfo/v2/me",
)
_PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": "GET, POST",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Max-Age": "3600",
}


async def preflight(request: Request) -> Response:
    """The answer to a CORS preflight (OPTIONS): any origin may GET or POST with a bearer token
    or a JSON body. No cookies are read or allowed (no Allow-Credentials)."""
    return Response(status_code=204, headers=_PREFLIGHT)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


async def tokeninfo(request: Request) -> JSONResponse:
    c = ctx(request)
    params = await form_params(request)
    try:
        if params.get("id_token"):
            keyring = await c.keyring.fresh()
            body = id_token_info(keyring, c.settings.issuer, params["id_token"], c.now())
        else:
            value = params.get("access_token") or _bearer(request)
            if not value:
                raise InvalidToken()
            token = await find_live_token(c.store, value, c.now(), "access")
            if token is None:
                raise InvalidToken()
            body = access_token_info(token, await c.store.find_user(token.user_sub), c.now())
    except InvalidToken as exc:
        return JSONResponse(exc.body(), status_code=400, headers={**NO_STORE, **CORS})
    if request.url.path == "/oauth2/v2/tokeninfo":
        return JSONResponse(tokeninfo_v2(body, c.now()), headers={**NO_STORE, **CORS})
    return JSONResponse(body, headers={**NO_STORE, **CORS})


async def userinfo(request: Request) -> JSONResponse:
    """OIDC userinfo; under /oauth2/v2/ (and /userinfo/v2/me, /oauth2/v1/) in Google's older
    v2 shape."""
    c = ctx(request)
    value = _bearer(request) or request.query_params.get("access_token")
    token = await find_live_token(c.store, value or "", c.now(), "access")
    user = await c.store.find_user(token.user_sub) if token else None
    if token is None or user is None:
        return JSONResponse(
            {"error": "invalid_request", "error_description": "Invalid Credentials"},
            status_code=401,
            headers={
                "WWW-Authenticate": f'Bearer realm="{c.settings.issuer}", error="invalid_token"',
                **NO_STORE,
                **CORS,
            },
        )
    v2 = request.url.path in ("/oauth2/v2/userinfo", "/userinfo/v2/me", "/oauth2/v1/userinfo")
    body = (userinfo_v2 if v2 else userinfo_claims)(user, token.scopes)
    return JSONResponse(body, headers={**NO_STORE, **CORS})


async def revoke(request: Request) -> Response:
    """Revoking an access or refresh token revokes the grant behind it (spec 1.5)."""
    c = ctx(request)
    params = await form_params(request)
    value = params.get("token") or request.query_params.get("token")
    if not value:
        raise InvalidRequest("Missing required parameter: token")
    token = await find_live_token(c.store, value, c.now())
    if token is None:
        return JSONResponse(
            {"error": "invalid_token", "error_description": "Token expired or revoked"},
            status_code=400,
            headers={**NO_STORE, **CORS},
        )
    await c.store.revoke_grant(token.grant_id, c.now())
    return JSONResponse({}, headers={**NO_STORE, **CORS})

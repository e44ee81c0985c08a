"""The token endpoint: /token (also /oauth2/v4/token, /o/oauth2/token)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from signon.context import ctx
from signon.errors import UnsupportedGrantType
from signon.http.params import form_params
from signon.protocol.client_auth import authenticate_client
from signon.protocol.emulator import adopt_secret, is_registering
from signon.protocol.grants import TokenContext, exchange_code, refresh_access_token

__all__ = ["NO_STORE", "token_endpoint"]

# RFC 6749 5.1; the same header Google sends.
NO_STORE = {"Cache-Control": "no-cache, no-store, max-age=0, must-revalidate", "Pragma": "no-cache"}


async def token_endpoint(request: Request) -> JSONResponse:
    c = ctx(request)
    form = await form_params(request)
    grant_type = form.get("grant_type") or ""
    if grant_type not in ("authorization_code", "refresh_token"):
        # Google answers a missing grant_type the same way: "Invalid grant_type: ".
        raise UnsupportedGrantType(f"Invalid grant_type: {grant_type}")
    auth = await authenticate_client(
        c.store, form, request.headers.get("authorization"), adopt=is_registering(c.settings)
    )
    keyring = await c.keyring.fresh()
    tc = TokenContext(
        store=c.store,
        keyring=keyring,
        issuer=c.settings.issuer,
        now=c.now(),
        refresh_idle=c.settings.refresh_token_idle_seconds,
        refresh_cap=c.settings.refresh_tokens_per_client,
    )
    if grant_type == "authorization_code":
        body = await exchange_code(tc, auth, form)
    else:
        body = await refresh_access_token(tc, auth, form)
    if auth.adopting is not None:  # only now: the grant succeeded with this secret
        await adopt_secret(c.store, auth.client, auth.adopting)
    return JSONResponse(body, headers=NO_STORE)

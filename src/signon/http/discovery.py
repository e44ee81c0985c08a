"""Discovery and signing keys: openid-configuration, /oauth2/v3/certs, /oauth2/v1/certs."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from signon.context import ctx
from signon.protocol.discovery import discovery_document

__all__ = ["jwks", "openid_configuration", "pem_certs"]


async def openid_configuration(request: Request) -> JSONResponse:
    c = ctx(request)
    return JSONResponse(
        discovery_document(c.settings.issuer),
        headers={"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"},
    )


def _certs_headers(max_age: int) -> dict[str, str]:
    # Google sends `public, max-age=N, must-revalidate, no-transform`; verifiers (Node's
    # google-auth-library among them) cache only when max-age is present.
    return {
        "Cache-Control": f"public, max-age={max_age}, must-revalidate, no-transform",
        "Access-Control-Allow-Origin": "*",
    }


async def jwks(request: Request) -> JSONResponse:
    c = ctx(request)
    keyring = await c.keyring.fresh()
    return JSONResponse(keyring.jwks(), headers=_certs_headers(c.settings.jwks_max_age))


async def pem_certs(request: Request) -> JSONResponse:
    c = ctx(request)
    keyring = await c.keyring.fresh()
    return JSONResponse(keyring.pem_certificates(), headers=_certs_headers(c.settings.jwks_max_age))

"""Seed 003's server: receives the app's server auth code by HTTPS POST (with
`X-Requested-With`), exchanges it with the *web* client's secret and `redirect_uri=""`, and
answers what it learned: the ID token's `aud` is this server's client ID and its `azp` the iOS
app's, and the server now has its own refresh token.

    python examples/native/backend.py --client-secrets server_client_secret.json \\
        --issuer http://127.0.0.1:8080 [--port 8003]
"""

from __future__ import annotations

import argparse
import json
import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from signon.rp import OAuthClient, RpError, error_status, get_auth_code


def create_app(server: OAuthClient) -> Starlette:
    async def storeauthcode(request: Request) -> Response:
        try:
            # 403 without X-Requested-With (the CSRF defence of the guide), then the raw code.
            code = get_auth_code(
                request.headers, request.headers.get("content-type"), await request.body()
            )
            # The server auth code was issued for no redirect URI: Google's "specify an empty
            # string" when there is no web version of the app.
            tokens = await server.aexchange_code(code, redirect_uri="")
        except RpError as exc:
            return PlainTextResponse(str(exc), status_code=error_status(exc))
        claims = tokens.id_token_claims
        assert claims is not None  # verified for this server's client ID by OAuthClient
        # A real server stores tokens.refresh_token here, keyed by claims.sub.
        body = {
            "sub": claims.sub,
            "email": claims.email,
            "aud": claims.aud,
            "azp": claims.azp,
            "refresh_token": tokens.refresh_token is not None,
        }
        return JSONResponse(body)

    return Starlette(routes=[Route("/storeauthcode", storeauthcode, methods=["POST"])])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    env = os.environ.get
    parser.add_argument("--client-secrets", default=env("CLIENT_SECRETS", "client_secret.json"))
    parser.add_argument("--issuer", default=env("ISSUER", "http://127.0.0.1:8080"))
    parser.add_argument("--port", type=int, default=int(env("PORT", "8003")))
    args = parser.parse_args()
    with open(args.client_secrets, encoding="utf-8") as file:
        server = OAuthClient.from_client_secrets(json.load(file), issuer=args.issuer)

    import uvicorn

    uvicorn.run(create_app(server), host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()

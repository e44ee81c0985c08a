"""Seed 000 + seed 004: the g-signin2 button, the profile, sign-out, and a /tokensignin backend
that verifies the ID token and answers "Signed in as ...".

    python examples/basic/app.py --issuer http://127.0.0.1:8080 --client-id ID [--port 8001]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from signon.rp import IdToken, IdTokenVerifier
from signon.rp.starlette import tokensignin_endpoint

PAGE = Path(__file__).with_name("index.html")


def create_app(issuer: str, client_id: str) -> Starlette:
    page = PAGE.read_text().replace("{{ISSUER}}", issuer).replace("{{CLIENT_ID}}", client_id)
    # Verifies the signature against the issuer's published keys, `aud`, `iss` and `exp`.
    verifier = IdTokenVerifier(client_id, issuer=issuer, certs_url=f"{issuer}/oauth2/v3/certs")

    async def index(request: Request) -> Response:
        return HTMLResponse(page)

    def signed_in(user: IdToken) -> Response:
        # user.sub is the ID to key your accounts on; the email is for people.
        return PlainTextResponse(user.email or user.sub)

    return Starlette(
        routes=[
            Route("/", index),
            Route("/tokensignin", tokensignin_endpoint(verifier, signed_in), methods=["POST"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    env = os.environ.get
    parser.add_argument("--issuer", default=env("ISSUER", "http://127.0.0.1:8080"))
    parser.add_argument("--client-id", default=env("CLIENT_ID"), required=not env("CLIENT_ID"))
    parser.add_argument("--port", type=int, default=int(env("PORT", "8001")))
    args = parser.parse_args()

    import uvicorn

    uvicorn.run(create_app(args.issuer, args.client_id), host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()

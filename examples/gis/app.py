"""Seed 002: Sign In With Google. One page with One Tap (auto-select, a moment listener) and a
rendered button in popup mode whose callback POSTs the credential to /signin; a second page
with the button in redirect mode, whose `login_uri` is /login (g_csrf_token double-submit
check, then the credential). Every credential is verified on the server; the app keeps its own
session (a random cookie keyed into an in-memory dict). Sign-out calls `disableAutoSelect()`
and ends the app's session; revoke calls `google.accounts.id.revoke(email, done)`.

    python examples/gis/app.py --issuer http://127.0.0.1:8080 --client-id ID [--port 8004]
"""

from __future__ import annotations

import argparse
import html
import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from signon.rp import IdToken, IdTokenVerifier, MissingField, RpError, check_requested_with
from signon.rp.starlette import error_response, verify_login_post

HERE = Path(__file__).parent
SESSION_COOKIE = "gis_example_session"


@dataclass(frozen=True, slots=True)
class User:
    sub: str  # the stable account ID: key your users on this, never on the email
    email: str | None
    name: str | None
    picture: str | None

    @classmethod
    def from_token(cls, token: IdToken) -> User:
        return cls(token.sub, token.email, token.name, token.picture)


class Sessions:
    """The app's own sessions: a random cookie value → the verified user. In memory, so a
    restart signs everyone out (of this app only; their Google session is untouched)."""

    def __init__(self) -> None:
        self._users: dict[str, User] = {}

    def start(self, user: User, response: Response, secure: bool) -> None:
        sid = secrets.token_urlsafe(32)
        self._users[sid] = user
        response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="lax", secure=secure)

    def user(self, request: Request) -> User | None:
        sid = request.cookies.get(SESSION_COOKIE)
        return self._users.get(sid) if sid else None

    def end(self, request: Request, response: Response) -> None:
        self._users.pop(request.cookies.get(SESSION_COOKIE) or "", None)
        response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")


def create_app(issuer: str, client_id: str) -> Starlette:
    def page(name: str) -> str:
        text = (HERE / name).read_text()
        return text.replace("{{ISSUER}}", issuer).replace("{{CLIENT_ID}}", client_id)

    index_page, redirect_page, script = page("index.html"), page("redirect.html"), page("app.js")
    # Checks the signature against the issuer's published keys, `aud`, `iss` and `exp`.
    verifier = IdTokenVerifier(client_id, issuer=issuer, certs_url=f"{issuer}/oauth2/v3/certs")
    sessions = Sessions()

    async def index(request: Request) -> Response:
        return HTMLResponse(index_page)

    async def redirect_mode(request: Request) -> Response:
        # login_uri must be an authorized redirect URI of the client: this server's /login.
        login_uri = html.escape(str(request.url_for("login")), quote=True)
        return HTMLResponse(redirect_page.replace("{{LOGIN_URI}}", login_uri))

    async def app_js(request: Request) -> Response:
        return Response(script, media_type="text/javascript")

    async def signin(request: Request) -> Response:
        """The popup and One Tap callback POSTs {credential} here as JSON. X-Requested-With
        (which a cross-site form cannot send) keeps other sites from signing a visitor in."""
        try:
            check_requested_with(request.headers)
            try:
                body = json.loads(await request.body())
            except ValueError:
                body = None
            credential = body.get("credential") if isinstance(body, dict) else None
            if not isinstance(credential, str) or not credential:
                raise MissingField("Missing 'credential' in the JSON body.")
            token = await verifier.averify(credential)
        except RpError as exc:
            return error_response(exc)
        user = User.from_token(token)
        response = JSONResponse(asdict(user))
        sessions.start(user, response, secure=request.url.scheme == "https")
        return response

    async def login(request: Request) -> Response:
        """Redirect mode: the issuer POSTs credential + g_csrf_token here as a form."""
        try:
            # The g_csrf_token double-submit check (cookie == form field), then the credential.
            token = await verify_login_post(request, verifier)
        except RpError as exc:
            return error_response(exc)
        response = RedirectResponse("/redirect", status_code=303)
        sessions.start(User.from_token(token), response, secure=request.url.scheme == "https")
        return response

    async def me(request: Request) -> Response:
        user = sessions.user(request)
        if user is None:
            return JSONResponse({"error": "not signed in"}, status_code=401)
        return JSONResponse(asdict(user))

    async def signout(request: Request) -> Response:
        try:
            check_requested_with(request.headers)
        except RpError as exc:
            return error_response(exc)
        response = JSONResponse({"signed_out": True})
        sessions.end(request, response)
        return response

    return Starlette(
        routes=[
            Route("/", index),
            Route("/redirect", redirect_mode),
            Route("/app.js", app_js),
            Route("/signin", signin, methods=["POST"]),
            Route("/login", login, methods=["POST"], name="login"),
            Route("/me", me),
            Route("/signout", signout, methods=["POST"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    env = os.environ.get
    parser.add_argument("--issuer", default=env("ISSUER", "http://127.0.0.1:8080"))
    parser.add_argument("--client-id", default=env("CLIENT_ID"), required=not env("CLIENT_ID"))
    parser.add_argument("--port", type=int, default=int(env("PORT", "8004")))
    args = parser.parse_args()

    import uvicorn

    uvicorn.run(create_app(args.issuer, args.client_id), host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()

"""The legacy platform library: `/js/platform.js` (also `/js/client:platform.js`, and the gapi
loader names `/js/api.js` and `/js/api:client.js` that Google's custom-button example uses) and the
hidden iframe it uses to restore a returning user's sign-in without a click.

The iframe (`/js/platform/frame`) is the non-interactive half of `gapi.auth2`: a `prompt=none`
authorization for `id_token token`, answered by `postMessage` to the parent page. It is framed
only by the client's registered JavaScript origin (`frame-ancestors <origin>`), and the answer
is posted with that origin as the target, so no other page can read it. Cross-site iframes do
not get the SameSite=Lax session cookie; like the GIS iframes it reads `signon_sid_x`.
docs/platform-js.md explains the design.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from signon.context import Context, ctx
from signon.errors import ConsentRequired, InteractionRequired, LoginRequired, OAuthError
from signon.http.pages import render, script_json
from signon.protocol.authorize import AuthRequest, needs_consent, parse_request
from signon.protocol.emulator import is_registering, register_on_first_use
from signon.protocol.redirects import POSTMESSAGE, is_origin_registered
from signon.protocol.responses import issue_authorization
from signon.storage.records import BrowserSession, User

__all__ = ["platform_script", "routes", "session_frame"]

_SCRIPT = Path(__file__).resolve().parents[1] / "web" / "static" / "platform" / "platform.js"
# Pages load the library on every visit: an hour keeps it fresh after an upgrade, and the ETag
# makes revalidation cheap.
_MAX_AGE = 3600
# What the page may ask of the frame; everything else is fixed (prompt=none, postmessage).
_FRAME_FIELDS = ("scope", "nonce", "login_hint", "hd", "include_granted_scopes")


def routes() -> list[BaseRoute]:
    return [
        Route("/js/platform.js", platform_script, methods=["GET", "HEAD"]),
        Route("/js/client:platform.js", platform_script, methods=["GET", "HEAD"]),
        # Google's custom sign-in button example loads the same gapi.auth2 through the gapi
        # loader (`api:client.js`); `api.js` is the loader's plain name.
        Route("/js/api.js", platform_script, methods=["GET", "HEAD"]),
        Route("/js/api:client.js", platform_script, methods=["GET", "HEAD"]),
        Route("/js/platform/frame", session_frame, methods=["GET"]),
    ]


@lru_cache(maxsize=1)
def _script() -> tuple[bytes, str]:
    body = _SCRIPT.read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


async def platform_script(request: Request) -> Response:
    """`?onload=fn` is read by the script itself from its own URL, so one cached body serves
    every page."""
    body, etag = _script()
    headers = {
        "Cache-Control": f"public, max-age={_MAX_AGE}",
        "ETag": etag,
        "Content-Type": "text/javascript; charset=utf-8",
        # Loaded cross-origin by every relying party's page.
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, headers=headers)


async def _frame_session(c: Context, request: Request) -> BrowserSession | None:
    for name in (c.settings.cross_site_session_cookie, c.settings.session_cookie):
        session = await c.sessions.load(request.cookies.get(name))
        if session is not None:
            return session
    return None


def _pick_silently(auth: AuthRequest, users: list[User]) -> tuple[User, int]:
    """prompt=none: the login_hint account, else the only signed-in account (OIDC Core 3.1.2.6)."""
    indexed = [
        (i, u) for i, u in enumerate(users) if not auth.hd or (u.hd or "") == auth.hd.lower()
    ]
    if auth.login_hint:
        hint = auth.login_hint.strip().lower()
        for i, user in indexed:
            if hint in (user.email, user.sub):
                return user, i
        raise LoginRequired("The login_hint account is not signed in.")
    if not indexed:
        raise LoginRequired("No account is signed in.")
    if len(indexed) > 1:
        raise InteractionRequired("More than one account is signed in; the user must choose.")
    return indexed[0][1], indexed[0][0]


async def _silent_authorization(c: Context, request: Request, auth: AuthRequest) -> dict[str, str]:
    session = await _frame_session(c, request)
    users: list[User] = []
    for sub in session.accounts if session else ():
        user = await c.store.find_user(sub)
        if user is not None:
            users.append(user)
    user, authuser = _pick_silently(auth, users)
    grant = await c.store.find_grant(user.sub, auth.client.client_id)
    if grant is None or needs_consent(auth, grant):
        raise ConsentRequired("The user has not granted the app the requested scopes.")
    result = await issue_authorization(
        c.store,
        await c.keyring.fresh(),
        issuer=c.settings.issuer,
        request=auth,
        user=user,
        grant=grant,
        authuser=authuser,
        consented_now=False,
        now=c.now(),
    )
    return result.params


async def session_frame(request: Request) -> Response:
    c = ctx(request)
    q = request.query_params
    client_id, origin = q.get("client_id", ""), (q.get("origin") or "").lower()
    frame_id = q.get("id", "")
    if is_registering(c.settings):  # emulator: an unknown client ID is registered here
        await register_on_first_use(c.store, client_id, now=c.now(), origin=origin)
    client = await c.store.find_client(client_id) if client_id else None
    if client is None or not is_origin_registered(client, origin):
        # Public facts only, so any page may frame this answer and read it: gapi.auth2 reports
        # it as `idpiframe_initialization_failed`, as Google's library did.
        details = (
            f"Not a valid origin for the client: {origin} has not been registered for "
            f"client ID {client_id}. Please go to the console and register this origin "
            "for your project's client ID."
            if client is not None
            else f"Not a valid client ID: {client_id}"
        )
        payload = {"error": "idpiframe_initialization_failed", "details": details}
        response = render(
            request,
            "platform/frame.html",
            payload=script_json({"type": "signon:platform:frame", "id": frame_id, **payload}),
            target_origin=script_json("*"),
        )
        response.headers["Content-Security-Policy"] = "frame-ancestors *"
        return response
    params = {k: q[k] for k in _FRAME_FIELDS if q.get(k)}
    params.update(
        client_id=client.client_id,
        redirect_uri=POSTMESSAGE,
        origin=origin,
        response_type="id_token token",
        prompt="none",
    )
    try:
        answer = await _silent_authorization(
            c, request, parse_request(client, POSTMESSAGE, params, c.settings.emulator)
        )
    except OAuthError as exc:
        answer = {"error": exc.error, "error_description": exc.description}
    message = {"type": "signon:platform:frame", "id": frame_id, "params": answer}
    response = render(
        request,
        "platform/frame.html",
        payload=script_json(message),
        target_origin=script_json(origin),
    )
    response.headers["Content-Security-Policy"] = f"frame-ancestors {origin}"
    return response

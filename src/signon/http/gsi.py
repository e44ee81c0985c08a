"""Sign In With Google: the `/gsi/client` library and the small endpoints it calls directly
from the relying party's page (status, revoke). The iframes are in `gsi_frames`, the popup and
redirect pages in `gsi_popup`; docs/gsi.md explains how they fit together."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from signon.context import ctx
from signon.http import gsi_frames, gsi_popup
from signon.http.gsi_frames import signed_in_user
from signon.http.params import form_params
from signon.protocol.emulator import is_registering, register_on_first_use
from signon.protocol.redirects import is_origin_registered

__all__ = ["client_script", "gsi_revoke", "gsi_status", "routes"]

_CLIENT_JS = Path(__file__).resolve().parents[1] / "web" / "static" / "gsi" / "client.js"
# Pages load the library on every visit; an hour keeps it fresh after an upgrade, and the ETag
# makes the revalidation cheap.
_CLIENT_MAX_AGE = 3600
_NO_STORE = {"Cache-Control": "no-store"}


def routes() -> list[BaseRoute]:
    return [
        Route("/gsi/client", client_script, methods=["GET", "HEAD"]),
        Route("/gsi/status", gsi_status, methods=["GET"]),
        Route("/gsi/revoke", gsi_revoke, methods=["POST"]),
        Route("/gsi/button", gsi_frames.button_frame, methods=["GET"]),
        Route("/gsi/iframe/select", gsi_frames.onetap_frame, methods=["GET"]),
        Route("/gsi/credential", gsi_frames.credential, methods=["POST"]),
        Route("/gsi/select", gsi_popup.select, methods=["GET", "POST"]),
    ]


@lru_cache(maxsize=1)
def _client_js() -> tuple[bytes, str]:
    body = _CLIENT_JS.read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


async def client_script(request: Request) -> Response:
    body, etag = _client_js()
    headers = {
        "Cache-Control": f"public, max-age={_CLIENT_MAX_AGE}",
        "ETag": etag,
        "Content-Type": "text/javascript; charset=utf-8",
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, headers=headers)


async def gsi_status(request: Request) -> JSONResponse:
    """Whether the client exists and the calling page's origin (the browser's Origin header,
    which a page cannot forge) is registered for it: the library reports `invalid_client` and
    `unregistered_origin` from this before it frames anything. No cookies, public facts only."""
    c = ctx(request)
    client_id = request.query_params.get("client_id", "")
    origin = request.headers.get("origin")
    if is_registering(c.settings):  # emulator: an unknown client ID is registered here
        await register_on_first_use(c.store, client_id, now=c.now(), origin=origin)
    client = await c.store.find_client(client_id) if client_id else None
    body = {
        "client": client is not None and client.type == "web",
        "origin": client is not None and is_origin_registered(client, origin),
    }
    return JSONResponse(body, headers={"Access-Control-Allow-Origin": "*", **_NO_STORE})


async def gsi_revoke(request: Request) -> JSONResponse:
    """google.accounts.id.revoke(hint): remove the user's grant for this client, and with it
    every token issued under it. Only the client's own registered origins may ask (the Origin
    header), and only for an account signed in on this browser: the request carries the
    cross-site session cookie (`credentials: 'include'`). An Origin header alone is not proof,
    since anything but a browser can send one: without the session, anyone who knew a user's
    email could revoke that user's access (refresh tokens included) to any app. Where the
    browser blocks third-party cookies the session is invisible and revoke answers
    `no_session`, as the iframe One Tap does there."""
    c = ctx(request)
    params = await form_params(request)
    origin = request.headers.get("origin", "")
    client = await c.store.find_client(params.get("client_id", ""))
    if client is None or not is_origin_registered(client, origin):
        body = {"successful": False, "error": "invalid_client"}
        return JSONResponse(body, status_code=403, headers=_NO_STORE)
    cors = {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true",
            "Vary": "Origin", **_NO_STORE}  # fmt: skip
    user = await signed_in_user(request, params.get("hint", ""))
    if user is None:
        body = {"successful": False, "error": "no_session"}
        return JSONResponse(body, headers=cors)
    grant = await c.store.find_grant(user.sub, client.client_id)
    if grant is None:
        body = {"successful": False, "error": "No grant for this account and client."}
        return JSONResponse(body, headers=cors)
    await c.store.revoke_grant(grant.grant_id, c.now())
    return JSONResponse({"successful": True}, headers=cors)

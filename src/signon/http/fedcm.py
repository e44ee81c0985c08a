"""FedCM identity-provider endpoints: what the browser itself fetches when a relying party's
page calls `navigator.credentials.get({identity: ...})` (client.js does with
`use_fedcm_for_prompt`). The browser, not the page, talks to these, so they work where
third-party cookies are blocked. Spec 6 and docs/gsi.md ("FedCM").

* Every endpoint the browser fetches for FedCM carries `Sec-Fetch-Dest: webidentity`, which
  a page cannot set; the accounts, assertion and disconnect endpoints refuse requests
  without it (the spec's CSRF defence).
* The session is the browser's signon session, from the `SameSite=None` copy of the cookie
  (`signon_sid_x`) that FedCM sends to the accounts and assertion endpoints.
* The assertion and disconnect endpoints answer the relying party's `Origin` with CORS
  (`Access-Control-Allow-Origin: <origin>` and `-Credentials: true`), errors included, and
  issue nothing unless that origin is a registered JavaScript origin of `client_id`.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from signon.context import ctx
from signon.errors import InvalidRequest
from signon.http.gsi_frames import frame_session, issue_credential, signed_in_user
from signon.http.params import form_params
from signon.http.signin import session_users
from signon.protocol import fedcm
from signon.protocol.gsi import GSI_SCOPES, has_gsi_grant
from signon.protocol.ids import new_opaque_id
from signon.protocol.redirects import is_origin_registered
from signon.storage.records import BrowserSession, Client, User

__all__ = [
    "accounts",
    "client_metadata",
    "config",
    "disconnect",
    "error_page",
    "icon",
    "id_assertion",
    "login",
    "routes",
    "well_known",
]

_NO_STORE = {"Cache-Control": "no-store"}
_PUBLIC = {"Cache-Control": "public, max-age=3600"}
SET_LOGIN = "Set-Login"

_ERRORS = {
    "invalid_request": "The browser's request was not a FedCM request signon understands.",
    "unauthorized_client": (
        "This site is not registered as an Authorized JavaScript origin of the app's OAuth "
        "client, or the client does not exist."
    ),
    "access_denied": "The account is not signed in to signon on this browser, or did not agree "
    "to share its name, email address and profile picture.",
}


def routes() -> list[BaseRoute]:
    return [
        Route(fedcm.WELL_KNOWN_PATH, well_known, methods=["GET"]),
        Route(fedcm.CONFIG_PATH, config, methods=["GET"]),
        Route(fedcm.ACCOUNTS_PATH, accounts, methods=["GET"]),
        Route(fedcm.CLIENT_METADATA_PATH, client_metadata, methods=["GET"]),
        Route(fedcm.ASSERTION_PATH, id_assertion, methods=["POST"]),
        Route(fedcm.DISCONNECT_PATH, disconnect, methods=["POST"]),
        Route(fedcm.LOGIN_PATH, login, methods=["GET"]),
        Route(fedcm.ERROR_PATH, error_page, methods=["GET"]),
        Route(fedcm.ICON_PATH, icon, methods=["GET"]),
    ]


def _is_webidentity(request: Request) -> bool:
    return request.headers.get("sec-fetch-dest") == "webidentity"


def _issuer(request: Request) -> str:
    return ctx(request).settings.issuer.rstrip("/")


async def well_known(request: Request) -> JSONResponse:
    return JSONResponse(fedcm.well_known_document(_issuer(request)), headers=_PUBLIC)


async def config(request: Request) -> JSONResponse:
    return JSONResponse(fedcm.config_document(_issuer(request)), headers=_PUBLIC)


async def icon(request: Request) -> Response:
    return Response(fedcm.icon_png(), media_type="image/png", headers=_PUBLIC)


async def _signed_in(request: Request) -> tuple[BrowserSession, list[User]] | None:
    session = await frame_session(request)
    if session is None:
        return None
    store = ctx(request).store
    users = [await store.find_user(sub) for sub in session.accounts]
    present = [u for u in users if u is not None]
    return (session, present) if present else None


async def accounts(request: Request) -> JSONResponse:
    """The accounts signed in on this browser, `authuser` order. Without a session: 401 and
    `Set-Login: logged-out`, so the browser stops asking until the next sign-in."""
    if not _is_webidentity(request):
        return JSONResponse({"error": "invalid_request"}, status_code=400, headers=_NO_STORE)
    signed_in = await _signed_in(request)
    if signed_in is None:
        headers = {**_NO_STORE, SET_LOGIN: "logged-out"}
        return JSONResponse({"error": "not_signed_in"}, status_code=401, headers=headers)
    store = ctx(request).store
    entries = []
    for user in signed_in[1]:
        approved = fedcm.approved_clients(await store.list_grants(user.sub))
        entries.append(fedcm.account_entry(user, approved))
    return JSONResponse({"accounts": entries}, headers=_NO_STORE)


async def client_metadata(request: Request) -> JSONResponse:
    """Privacy policy (and terms) shown under the account chooser: the project's consent screen."""
    c = ctx(request)
    client_id = request.query_params.get("client_id", "")
    client = await c.store.find_client(client_id) if client_id else None
    if client is None:
        return JSONResponse({"error": "invalid_client"}, status_code=404, headers=_NO_STORE)
    project = await c.store.find_project(client.project)
    body: dict[str, str] = {}
    if project is not None and project.privacy_url:
        body["privacy_policy_url"] = project.privacy_url
    if project is not None and project.homepage_url:
        body["terms_of_service_url"] = project.homepage_url
    return JSONResponse(body, headers=_NO_STORE)


def _cors(origin: str) -> dict[str, str]:
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Vary": "Origin",
        **_NO_STORE,
    }


def _error(request: Request, origin: str, code: str, status: int) -> JSONResponse:
    """The spec's error answer; the browser shows an error dialog with a "More details" link."""
    url = _issuer(request) + fedcm.ERROR_PATH + "?" + urlencode({"error": code})
    body = {"error": {"error": code, "url": url}}
    return JSONResponse(body, status_code=status, headers=_cors(origin) if origin else _NO_STORE)


async def _caller(
    request: Request,
) -> tuple[str, dict[str, str], Client] | JSONResponse:
    """The checks shared by the assertion and disconnect endpoints: a FedCM fetch, a form
    body, and an Origin registered for `client_id`."""
    origin = request.headers.get("origin", "")
    if not _is_webidentity(request):
        return _error(request, origin, "invalid_request", 400)
    try:
        params = await form_params(request)
    except InvalidRequest:
        return _error(request, origin, "invalid_request", 400)
    client_id = params.get("client_id", "")
    client = await ctx(request).store.find_client(client_id) if client_id else None
    if client is None or client.type != "web" or not is_origin_registered(client, origin):
        return _error(request, origin, "unauthorized_client", 403)
    return origin, params, client


async def id_assertion(request: Request) -> JSONResponse:
    """POST client_id, account_id, params / nonce, is_auto_selected, disclosure_text_shown:
    `{"token": <ID token>}`, the same credential One Tap returns (aud = azp = client_id)."""
    caller = await _caller(request)
    if isinstance(caller, JSONResponse):
        return caller
    origin, params, client = caller
    try:
        nonce = fedcm.nonce_from(params.get("params"), params.get("nonce"))
    except ValueError:
        return _error(request, origin, "invalid_request", 400)
    signed_in = await _signed_in(request)
    account_id = params.get("account_id", "")
    user = next((u for u in signed_in[1] if u.sub == account_id), None) if signed_in else None
    if user is None:
        return _error(request, origin, "access_denied", 403)
    c = ctx(request)
    if not has_gsi_grant(await c.store.find_grant(user.sub, client.client_id)):
        # The browser showed "<app> will share your name, email address and profile picture"
        # and the user chose the account under it: that is the consent. Without the disclosure
        # (an auto re-authentication, or a list that was out of date) there is none.
        consented = params.get("disclosure_text_shown") == "true"
        if not consented or params.get("is_auto_selected") == "true":
            return _error(request, origin, "access_denied", 403)
        await c.store.save_grant(user.sub, client.client_id, GSI_SCOPES, c.now(), new_opaque_id())
    token = await issue_credential(c, client, user, nonce)
    return JSONResponse({"token": token}, headers=_cors(origin))


async def disconnect(request: Request) -> JSONResponse:
    """`IdentityCredential.disconnect()`: POST client_id, account_hint (an account's id or
    email). Revokes that account's grant for the client; answers `{"account_id": sub}`."""
    caller = await _caller(request)
    if isinstance(caller, JSONResponse):
        return caller
    origin, params, client = caller
    c = ctx(request)
    user = await signed_in_user(request, params.get("account_hint", ""))
    grant = await c.store.find_grant(user.sub, client.client_id) if user else None
    if user is None or grant is None:
        return _error(request, origin, "invalid_request", 400)
    await c.store.revoke_grant(grant.grant_id, c.now())
    return JSONResponse({"account_id": user.sub}, headers=_cors(origin))


_CLOSE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signed in - signon</title>
<link rel="stylesheet" href="/static/signon.css"></head>
<body><main class="card"><h1>You're signed in</h1>
<p class="subtitle">You can close this window and continue on the site.</p></main>
<script src="/static/gsi/fedcm_login.js"></script></body></html>
"""


async def login(request: Request) -> Response:
    """The config's `login_url`: the browser opens it in a popup when nobody is signed in
    (with `login_hint` / `domain_hint` appended). Sign-in happens on the normal page, which
    comes back here; this page then says `Set-Login: logged-in` and closes the popup
    (`IdentityProvider.close()`), and the browser fetches the accounts again."""
    if await session_users(request):
        return HTMLResponse(_CLOSE_PAGE, headers={**_NO_STORE, SET_LOGIN: "logged-in"})
    query = {"continue": fedcm.LOGIN_PATH}
    hint = request.query_params.get("login_hint")
    if hint:
        query["Email"] = hint
    return RedirectResponse("/signin?" + urlencode(query), status_code=303)


async def error_page(request: Request) -> HTMLResponse:
    """Where the browser's "More details" link in a FedCM error dialog leads."""
    code = request.query_params.get("error", "")
    text = _ERRORS.get(code, "Signing in with signon did not work.")
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Sign-in error - signon</title>"
        '<link rel="stylesheet" href="/static/signon.css"></head>'
        f'<body><main class="card"><h1>Sign-in error</h1><p class="subtitle">{html.escape(text)}'
        f'</p><p class="small">{html.escape(code)}</p></main></body></html>'
    )
    return HTMLResponse(page, headers=_NO_STORE)

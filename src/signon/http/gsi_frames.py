"""The iframes a relying party's page embeds: the rendered button and the One Tap prompt, and
the endpoint the One Tap iframe asks for a credential.

Each iframe is framed only by a JavaScript origin registered for the client: the page says
which origin in `origin`, and the response allows exactly that one to frame it
(`Content-Security-Policy: frame-ancestors <origin>`), so the browser refuses any other parent.
Cross-site iframes do not get the SameSite=Lax session cookie; they read `signon_sid_x`.
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlencode, urlsplit

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from signon.context import Context, ctx
from signon.http.pages import render
from signon.http.signin import app_name_for
from signon.protocol.gsi import (
    GSI_SCOPES,
    TICKET_LIFETIME,
    FrameTicket,
    has_gsi_grant,
    mint_ticket,
    onetap_select_by,
    origin_of,
    read_ticket,
)
from signon.protocol.gsi_button import button_label, parse_button, pick_locale, prompt_text
from signon.protocol.id_token import mint_id_token
from signon.protocol.ids import new_opaque_id
from signon.protocol.redirects import is_origin_registered
from signon.storage.records import BrowserSession, Client, User

__all__ = [
    "button_frame",
    "credential",
    "frame_session",
    "issue_credential",
    "onetap_frame",
    "signed_in_user",
]

_NO_STORE = {"Cache-Control": "no-store"}
# Only what the popup needs to know from the iframe's own query string.
_POPUP_FIELDS = ("client_id", "origin", "nonce", "state", "login_hint", "hd", "context")


async def frame_session(request: Request) -> BrowserSession | None:
    c = ctx(request)
    for name in (c.settings.cross_site_session_cookie, c.settings.session_cookie):
        session = await c.sessions.load(request.cookies.get(name))
        if session is not None:
            return session
    return None


async def _frame_users(request: Request, session: BrowserSession | None) -> list[User]:
    if session is None:
        return []
    store = ctx(request).store
    users = [await store.find_user(sub) for sub in session.accounts]
    return [u for u in users if u is not None]


async def signed_in_user(request: Request, hint: str) -> User | None:
    """The account named by `hint` (its sub or email) among those signed in on this browser,
    as the cross-site session cookie shows them (revoke, FedCM disconnect)."""
    users = await _frame_users(request, await frame_session(request))
    hint = hint.strip().lower()
    return next((u for u in users if hint and hint in (u.sub, u.email)), None)


def _matches_hd(user: User, hd: str | None) -> bool:
    return not hd or (user.hd is not None if hd == "*" else user.hd == hd.lower())


def _ordered(users: list[User], login_hint: str | None, hd: str | None) -> list[User]:
    """Accounts allowed by `hd`, the `login_hint` account first."""
    users = [u for u in users if _matches_hd(u, hd)]
    hint = (login_hint or "").strip().lower()
    return sorted(users, key=lambda u: 0 if hint and hint in (u.email, u.sub) else 1)


async def _framing_client(request: Request) -> tuple[Client, str] | Response:
    params = request.query_params
    client_id, origin = params.get("client_id", ""), (params.get("origin") or "").lower()
    client = await ctx(request).store.find_client(client_id) if client_id else None
    if client is None:
        return _refuse("invalid_client", "The OAuth client was not found.")
    if not is_origin_registered(client, origin):
        return _refuse("unregistered_origin", "This origin is not registered for the client.")
    return client, origin


def _refuse(code: str, message: str) -> Response:
    # The middleware adds frame-ancestors 'none': nobody may frame a refusal.
    html = f"<!doctype html><title>{code}</title><p>{message}</p>"
    return HTMLResponse(html, status_code=403, headers=_NO_STORE)


def _framed_by(response: Response, origin: str) -> Response:
    response.headers["Content-Security-Policy"] = f"frame-ancestors {origin}"
    return response


def _given(user: User) -> str:
    return user.given_name or user.name or user.email


def _initial(user: User) -> str:
    return _given(user)[:1].upper()


async def button_frame(request: Request) -> Response:
    framing = await _framing_client(request)
    if isinstance(framing, Response):
        return framing
    client, origin = framing
    q = request.query_params
    options = parse_button(q)
    locale = pick_locale(q.get("locale"), q.get("hl"), request.headers.get("accept-language"))
    session = await frame_session(request)
    users = _ordered(await _frame_users(request, session), q.get("login_hint"), q.get("hd"))
    account = users[0] if users and options.type == "standard" else None
    popup = {k: q[k] for k in _POPUP_FIELDS if q.get(k)}
    popup.update(client_id=client.client_id, origin=origin, ux_mode="popup")
    if account is not None:
        popup["login_hint"] = account.sub  # "Continue as" skips the chooser
    given = _given(account) if account else None
    response = render(
        request,
        "gsi/button.html",
        lang=locale,
        options=options,
        shape=options.effective_shape,
        label=button_label(locale, options.text, given),
        plain_label=button_label(locale, options.text),
        account=account,
        initial=_initial(account) if account else "",
        origin=origin,
        fid=q.get("fid", ""),
        ux_mode="redirect" if q.get("ux_mode") == "redirect" else "popup",
        popup_url="/gsi/select?" + urlencode(popup),
    )
    return _framed_by(response, origin)


async def onetap_frame(request: Request) -> Response:
    framing = await _framing_client(request)
    if isinstance(framing, Response):
        return framing
    client, origin = framing
    c = ctx(request)
    q = request.query_params
    locale = pick_locale(q.get("hl"), request.headers.get("accept-language"))
    session = await frame_session(request)
    users = _ordered(await _frame_users(request, session), q.get("login_hint"), q.get("hd"))
    values: dict[str, Any] = {"origin": origin, "fid": q.get("fid", ""), "lang": locale}
    if session is None or not users:
        return _framed_by(render(request, "gsi/onetap.html", no_session=True, **values), origin)
    granted = [has_gsi_grant(await c.store.find_grant(u.sub, client.client_id)) for u in users]
    expires = c.now() + TICKET_LIFETIME
    ticket = FrameTicket(client.client_id, origin, session.id_hash, expires, q.get("nonce") or None)
    context = q.get("context") if q.get("context") in ("signup", "use") else "signin"
    site = urlsplit(origin).hostname or origin
    app = await app_name_for(c, client.client_id) or site
    project = await c.store.find_project(client.project)
    auto = q.get("auto_select") == "true" and len(users) == 1 and granted[0]
    accounts = [
        {
            "user": u,
            "granted": g,
            "initial": _initial(u),
            "continue_as": prompt_text(locale, "continue_as", name=_given(u)),
        }
        for u, g in zip(users, granted, strict=True)
    ]
    response = render(
        request,
        "gsi/onetap.html",
        accounts=accounts,
        title=prompt_text(locale, f"prompt_{context}", site=site),
        share=prompt_text(locale, "share", app=app),
        signing_in=prompt_text(locale, "signing_in"),
        close_label=prompt_text(locale, "close"),
        privacy_url=project.privacy_url if project else None,
        ticket=mint_ticket(c.csrf_secret, ticket),
        auto=auto,
        **values,
    )
    return _framed_by(response, origin)


async def issue_credential(c: Context, client: Client, user: User, nonce: str | None) -> str:
    keyring = await c.keyring.fresh()
    return mint_id_token(
        keyring,
        issuer=c.settings.issuer,
        user=user,
        audience=client.client_id,
        azp=client.client_id,
        scopes=GSI_SCOPES,
        now=c.now(),
        nonce=nonce,
        credential=True,
    )


def _deny(error: str, status: int = 403) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status, headers=_NO_STORE)


async def credential(request: Request) -> Response:
    """The One Tap iframe's "Continue as": POST JSON {ticket, sub, mode}. CSRF: the Origin must
    be the issuer itself (only our iframe's script can send it), the body is JSON (a cross-site
    form cannot send that without a preflight we never answer), and the signed ticket is bound
    to the session cookie that came with the request."""
    c = ctx(request)
    if request.headers.get("origin") != origin_of(c.settings.issuer):
        return _deny("invalid_origin")
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return _deny("invalid_request", 400)
    try:
        body = orjson.loads(await request.body())  # depth-limited, strict UTF-8
    except ValueError:
        return _deny("invalid_request", 400)
    if not isinstance(body, dict):
        return _deny("invalid_request", 400)
    ticket = read_ticket(c.csrf_secret, body.get("ticket"), c.now())
    session = await frame_session(request)
    if ticket is None or session is None:
        return _deny("invalid_ticket")
    if not hmac.compare_digest(ticket.session, session.id_hash):
        return _deny("invalid_ticket")
    client = await c.store.find_client(ticket.client_id)
    sub = body.get("sub")
    if client is None or not is_origin_registered(client, ticket.origin):
        return _deny("invalid_client")
    user = await c.store.find_user(sub) if sub in session.accounts else None
    if user is None:
        return _deny("issuing_failed")
    auto = body.get("mode") == "auto"
    confirmed = False
    if not has_gsi_grant(await c.store.find_grant(user.sub, client.client_id)):
        if auto:
            return _deny("consent_required")
        # One tap on "Continue as", under the disclosure text, is the consent (user_1tap).
        await c.store.save_grant(user.sub, client.client_id, GSI_SCOPES, c.now(), new_opaque_id())
        confirmed = True
    token = await issue_credential(c, client, user, ticket.nonce)
    body = {"credential": token, "select_by": onetap_select_by(auto, confirmed)}
    return JSONResponse(body, headers=_NO_STORE)

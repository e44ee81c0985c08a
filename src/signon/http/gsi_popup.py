"""/gsi/select: the button's popup (ux_mode popup) and full-page (ux_mode redirect) flow on
the issuer. A top-level page, so it has the ordinary session cookie: sign in if needed, choose
an account, confirm sharing on first use, then hand the credential over.

popup: the page posts {credential, select_by, channel, client_id, origin} to its opener, the
button iframe, at the issuer's own origin; the iframe passes the credential to the registered
origin that frames it only when `channel` (random per click), `client_id` and `origin` are its
own, so a framing page that re-points the popup at another client's flow gets nothing.
redirect: the page POSTs credential, g_csrf_token, select_by and client_id to `login_uri`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signon.context import ctx
from signon.http.csrf import CSRF_FIELD, check_csrf
from signon.http.gsi_frames import issue_credential
from signon.http.pages import error_page, render, script_json, with_query
from signon.http.params import query_and_form
from signon.http.signin import app_name_for, session_users
from signon.protocol.authorize import parse_authuser
from signon.protocol.gsi import (
    GSI_SCOPES,
    button_select_by,
    has_gsi_grant,
    is_login_uri_allowed,
    origin_of,
)
from signon.protocol.ids import new_opaque_id
from signon.protocol.redirects import is_origin_registered
from signon.storage.records import Client, User

__all__ = ["select"]

_FIELDS = ("client_id", "origin", "ux_mode", "login_uri", "g_csrf_token", "nonce", "state",
           "login_hint", "hd", "context", "added", "channel")  # fmt: skip


def _matches_hd(user: User, hd: str | None) -> bool:
    return not hd or (user.hd is not None if hd == "*" else user.hd == hd.lower())


def _check_target(client: Client | None, params: dict[str, str]) -> str | None:
    """Why the request cannot be served, or None."""
    if client is None or client.type != "web":
        return "The OAuth client was not found."
    if params.get("ux_mode") == "redirect":
        if not is_login_uri_allowed(client, params.get("login_uri", "")):
            return (
                f"The login_uri {params.get('login_uri', '')!r} is not a registered redirect "
                "URI of this client (any URL is accepted only on a registered loopback origin)."
            )
    elif not is_origin_registered(client, params.get("origin", "").lower()):
        return f"The origin {params.get('origin', '')!r} is not registered for this client."
    return None


async def select(request: Request) -> Response:
    c = ctx(request)
    all_params = await query_and_form(request)
    action = all_params.get("signon_action")
    if action is not None:
        check_csrf(request, all_params.get(CSRF_FIELD), c.csrf_secret)
    params = {k: all_params[k] for k in _FIELDS if all_params.get(k)}
    client = await c.store.find_client(params.get("client_id", ""))
    problem = _check_target(client, params)
    if problem is not None or client is None:
        return error_page(request, 400, "Access blocked: this request is invalid",
                          problem or "", code="invalid_request")  # fmt: skip
    here = "/gsi/select?" + urlencode(params)
    users = [u for u in await session_users(request) if _matches_hd(u, params.get("hd"))]
    if not users:
        again = with_query(here, added="1")
        return RedirectResponse(with_query("/signin", **{"continue": again}), status_code=303)
    app_name = await app_name_for(c, client.client_id)
    user = _chosen(users, all_params.get("authuser", ""), params.get("login_hint"))
    if user is None:
        accounts = [{"user": u, "href": with_query(here, authuser=str(i))}
                    for i, u in enumerate(users)]  # fmt: skip
        other = with_query("/signin", **{"continue": with_query(here, added="1")})
        return render(request, "chooser.html", accounts=accounts, signed_in=True,
                      app_name=app_name, other_href=other)  # fmt: skip
    if action == "cancel":
        return _cancelled(request, params)
    # Confirm counts only for the account it was shown to (the browser's accounts may have
    # changed in another tab, moving `authuser` to someone else).
    confirmed = action == "confirm" and all_params.get("signon_user") == user.sub
    if confirmed:
        await c.store.save_grant(user.sub, client.client_id, GSI_SCOPES, c.now(), new_opaque_id())
    elif not has_gsi_grant(await c.store.find_grant(user.sub, client.client_id)):
        fields = {**params, "authuser": str(users.index(user)), "signon_user": user.sub}
        return render(request, "gsi/confirm.html", user=user, app_name=app_name or "this app",
                      fields=fields.items(), signed_in=True)  # fmt: skip
    token = await issue_credential(c, client, user, params.get("nonce"))
    select_by = button_select_by(had_session="added" not in params, confirmed=confirmed)
    if params.get("ux_mode") == "redirect":
        fields = {
            "credential": token,
            "g_csrf_token": params.get("g_csrf_token", ""),
            "select_by": select_by,
            "client_id": client.client_id,
            "clientId": client.client_id,
        }
        if params.get("state"):
            fields["state"] = params["state"]  # the button's `state`, as in popup mode
        return render(request, "form_post.html", action=params["login_uri"],
                      fields=fields.items())  # fmt: skip
    message = {"type": "signon:gsi_credential", "credential": token, "select_by": select_by,
               **_addressed(params)}  # fmt: skip
    return render(request, "gsi/deliver.html", payload=script_json(message))


def _addressed(params: dict[str, str]) -> dict[str, str]:
    """What the button iframe checks before it forwards a popup's message to its page."""
    return {name: params.get(name, "") for name in ("channel", "client_id", "origin")}


def _chosen(users: list[User], authuser: str, login_hint: str | None) -> User | None:
    index = parse_authuser(authuser)
    if index is not None and index < len(users):
        return users[index]
    hint = (login_hint or "").strip().lower()
    for user in users:
        if hint and hint in (user.email, user.sub):
            return user
    return None


def _cancelled(request: Request, params: dict[str, str]) -> Response:
    if params.get("ux_mode") == "redirect":
        back = origin_of(params.get("login_uri", "")) or "/"
        return RedirectResponse(back + "/", status_code=303)
    message = {"type": "signon:gsi_cancel", **_addressed(params)}
    return render(request, "gsi/deliver.html", payload=script_json(message))

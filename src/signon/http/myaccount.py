"""The account page (/myaccount): profile, password, third-party apps with access, devices.

The page shows the browser's `authuser` (default 0). Its forms carry the account's `sub` and are
applied to that account only: `authuser` is a position, and positions move when an account signs
out in another tab, so a form filled in for one account must never land on another.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from signon.accounts.changes import FieldError, change_password, changed_user
from signon.accounts.throttle import minutes
from signon.context import ctx
from signon.http.forms import field, read_form
from signon.http.pages import render, with_query
from signon.http.signin import app_name_for, client_address, current_session, session_users
from signon.protocol.authorize import parse_authuser
from signon.protocol.scopes import describe_scopes
from signon.storage.records import BrowserSession, User

__all__ = ["routes"]


@dataclass(frozen=True, slots=True)
class Me:
    user: User
    authuser: int
    session: BrowserSession


async def _signed_in_here(request: Request) -> tuple[list[User], BrowserSession] | Response:
    users = await session_users(request)
    session = await current_session(request)
    if not users or session is None:
        return RedirectResponse(with_query("/signin", **{"continue": "/myaccount"}), 303)
    return users, session


async def _me(request: Request, authuser_raw: str | None) -> Me | Response:
    here = await _signed_in_here(request)
    if isinstance(here, Response):
        return here
    users, session = here
    index = parse_authuser(authuser_raw) or 0
    index = index if index < len(users) else 0
    return Me(users[index], index, session)


async def _form_account(request: Request, form: FormData) -> Me | Response:
    """The account a submitted form was for, by `sub`; if it is no longer signed in on this
    browser, back to the page with nothing changed."""
    here = await _signed_in_here(request)
    if isinstance(here, Response):
        return here
    users, session = here
    sub = field(form, "account")
    for index, user in enumerate(users):
        if sub and user.sub == sub:
            return Me(user, index, session)
    return RedirectResponse("/myaccount?done=account_gone", 303)


def describe_device(user_agent: str) -> str:
    """ "Chrome on Linux" from a User-Agent, roughly; the raw string when nothing matches."""
    browser = next((name for key, name in _BROWSERS if key in user_agent), None)
    system = next((name for key, name in _SYSTEMS if key in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (user_agent[:60] or "Unknown device")


_BROWSERS = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Safari/", "Safari"), ("python-httpx", "httpx"))  # fmt: skip
_SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("Linux", "Linux"))  # fmt: skip


def _date(ts: int) -> str:
    return time.strftime("%d %b %Y", time.gmtime(ts))


async def _page(request: Request, me: Me, status: int = 200, **values: object) -> Response:
    c = ctx(request)
    apps = [
        {"grant": g, "name": await app_name_for(c, g.client_id) or g.client_id,
         "permissions": describe_scopes(g.scopes), "since": _date(g.created_at)}
        for g in await c.store.list_grants(me.user.sub)
    ]  # fmt: skip
    devices = [
        {"session": s, "current": s.id_hash == me.session.id_hash,
         "last_seen": _date(s.last_seen_at), "device": describe_device(s.user_agent)}
        for s in await c.store.list_user_sessions(me.user.sub, c.now())
    ]  # fmt: skip
    values.setdefault("errors", {})
    values.setdefault(
        "profile", {k: getattr(me.user, k) or "" for k in ("name", "picture", "locale")}
    )
    return render(
        request, "myaccount.html", status, me=me.user, authuser=me.authuser, apps=apps,
        devices=devices, done=request.query_params.get("done"), signed_in=True, **values,
    )  # fmt: skip


def _back(me: Me, done: str) -> Response:
    return RedirectResponse(f"/myaccount?authuser={me.authuser}&done={done}", 303)


async def account_page(request: Request) -> Response:
    me = await _me(request, request.query_params.get("authuser"))
    return me if isinstance(me, Response) else await _page(request, me)


async def profile_submit(request: Request) -> Response:
    form = await read_form(request)
    me = await _form_account(request, form)
    if isinstance(me, Response):
        return me
    profile = {k: field(form, k).strip() for k in ("name", "picture", "locale")}
    try:
        updated = changed_user(me.user, {k: v or None for k, v in profile.items()})
    except FieldError as exc:
        return await _page(request, me, 400, profile=profile, errors={exc.field: exc.message})
    await ctx(request).store.update_user(updated, before=me.user)
    return _back(me, "profile")


async def password_submit(request: Request) -> Response:
    c = ctx(request)
    form = await read_form(request)
    me = await _form_account(request, form)
    if isinstance(me, Response):
        return me
    new, again = field(form, "password"), field(form, "password_again")
    if new != again:  # no password is checked: not an attempt for the throttle
        mismatch = {"password_again": "The passwords do not match."}
        return await _page(request, me, 400, errors=mismatch)
    address = client_address(request)
    wait = await c.throttle.claim(me.user.email, address)
    if wait is not None:  # the current-password check is a password guess like any other
        error = f"Too many failed attempts. Try again in {minutes(wait)}."
        page = await _page(request, me, 429, errors={"current_password": error})
        page.headers["Retry-After"] = str(wait)
        return page
    try:
        await change_password(c.store, c.hasher, me.user, field(form, "current_password"), new)
    except FieldError as exc:
        if exc.field != "current_password":  # the current password was right: give it back
            await c.throttle.succeeded(me.user.email, address)
        return await _page(request, me, 400, errors={exc.field: exc.message})
    await c.throttle.succeeded(me.user.email, address)
    # A new password ends every other session of the account (this browser stays signed in).
    await c.store.sign_out_user_everywhere(me.user.sub, keep=me.session.id_hash)
    return _back(me, "password")


async def remove_access_submit(request: Request) -> Response:
    c = ctx(request)
    form = await read_form(request)
    me = await _form_account(request, form)
    if isinstance(me, Response):
        return me
    grant = await c.store.find_grant_by_id(request.path_params["grant_id"])
    if grant is not None and grant.user_sub == me.user.sub:
        await c.store.revoke_grant(grant.grant_id, c.now())  # every token of it, at once
    return _back(me, "removed")


async def sign_out_device_submit(request: Request) -> Response:
    c = ctx(request)
    form = await read_form(request)
    me = await _form_account(request, form)
    if isinstance(me, Response):
        return me
    target = field(form, "session")
    mine = {s.id_hash for s in await c.store.list_user_sessions(me.user.sub, c.now())}
    if target == me.session.id_hash:
        await c.sessions.sign_out(me.session, me.user.sub)
        return RedirectResponse("/signedout", 303)
    if target in mine:
        await c.store.remove_session_account(target, me.user.sub)
    return _back(me, "signedout")


def routes() -> list[BaseRoute]:
    return [
        Route("/myaccount", account_page, methods=["GET"]),
        Route("/myaccount/profile", profile_submit, methods=["POST"]),
        Route("/myaccount/password", password_submit, methods=["POST"]),
        Route("/myaccount/apps/{grant_id}/remove", remove_access_submit, methods=["POST"]),
        Route("/myaccount/devices/signout", sign_out_device_submit, methods=["POST"]),
    ]

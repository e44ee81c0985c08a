"""Sign-in, the account chooser and sign-out: the pages of a browser session."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signon.accounts.throttle import minutes
from signon.accounts.users import authenticate
from signon.context import Context, ctx
from signon.http.forms import field, read_form
from signon.http.pages import render, safe_continue, with_query
from signon.protocol.authorize import parse_authuser
from signon.storage.records import BrowserSession, User

__all__ = [
    "chooser_page",
    "client_address",
    "current_session",
    "home_page",
    "session_users",
    "signedout_page",
    "signin_page",
    "signin_submit",
    "signout_page",
    "signout_submit",
]


async def current_session(request: Request) -> BrowserSession | None:
    if "signon.session" not in request.scope:
        c = ctx(request)
        cookie = request.cookies.get(c.settings.session_cookie)
        request.scope["signon.session"] = await c.sessions.load(cookie)
    session: BrowserSession | None = request.scope["signon.session"]
    return session


async def session_users(request: Request) -> list[User]:
    """The accounts signed in on this browser, in `authuser` order."""
    session = await current_session(request)
    if session is None:
        return []
    store = ctx(request).store
    users = [await store.find_user(sub) for sub in session.accounts]
    return [u for u in users if u is not None]


def set_session_cookie(c: Context, response: Response, value: str | None) -> None:
    """The session cookie, and its cross-site copy: the GIS iframes (button, One Tap) are framed
    by other sites, where SameSite=Lax cookies are not sent; they alone read the copy
    (docs/gsi.md). SameSite=None needs Secure, which browsers accept on loopback http too.
    Browsers that block third-party cookies withhold it anyway."""
    main, cross_site = c.settings.session_cookie, c.settings.cross_site_session_cookie
    if value is None:
        response.delete_cookie(
            main,
            path="/",
            httponly=True,
            samesite="lax",
            secure=c.settings.secure_cookies,
        )
        response.delete_cookie(cross_site, path="/", httponly=True, samesite="none", secure=True)
        # The Login Status API (FedCM): the browser stops asking the accounts endpoint.
        response.headers["Set-Login"] = "logged-out"
    else:
        response.set_cookie(
            main,
            value,
            max_age=c.settings.session_idle_seconds,
            path="/",
            httponly=True,
            samesite="lax",
            secure=c.settings.secure_cookies,
        )
        response.set_cookie(
            cross_site,
            value,
            max_age=c.settings.session_idle_seconds,
            path="/",
            httponly=True,
            samesite="none",
            secure=True,
        )
        response.headers["Set-Login"] = "logged-in"


async def app_name_for(c: Context, client_id: str | None) -> str | None:
    """The name people see: the project's consent-screen app name, else the client's name."""
    client = await c.store.find_client(client_id) if client_id else None
    if client is None:
        return None
    project = await c.store.find_project(client.project)
    return (project.app_name if project and project.app_name else None) or client.name


async def app_name_for_continue(request: Request, continue_url: str) -> str | None:
    """The app an authorization URL in `continue` is for, to say "to continue to <app>"."""
    parts = urlsplit(continue_url)
    if not parts.path.startswith("/o/oauth2/"):
        return None
    client_id = parse_qs(parts.query).get("client_id", [None])[0]
    return await app_name_for(ctx(request), client_id)


async def signin_page(request: Request) -> Response:
    continue_url = safe_continue(request.query_params.get("continue"), "/signin/chooser")
    if ctx(request).settings.emulator:
        from signon.http.emulator import emulator_signin_page  # it builds on this module

        return await emulator_signin_page(request, continue_url)
    return render(
        request,
        "signin.html",
        continue_url=continue_url,
        app_name=await app_name_for_continue(request, continue_url),
        email=request.query_params.get("Email") or request.query_params.get("email"),
        signed_in=bool(await session_users(request)),
    )


async def signin_submit(request: Request) -> Response:
    c = ctx(request)
    form = await read_form(request)
    email, password = field(form, "email").strip(), field(form, "password")
    continue_url = safe_continue(field(form, "continue"), "/signin/chooser")
    address = client_address(request)
    wait = await c.throttle.claim(email, address) if email and password else None
    if wait is not None:  # refused before argon2 runs: the throttle also bounds its cost
        error = f"Too many failed attempts. Try again in {minutes(wait)}."
        page = render(request, "signin.html", 429, error=error, email=email,
                      continue_url=continue_url,
                      app_name=await app_name_for_continue(request, continue_url))  # fmt: skip
        page.headers["Retry-After"] = str(wait)
        return page
    user = await authenticate(c.store, c.hasher, email, password) if email and password else None
    if user is None:  # (the attempt was counted as a failure when it was claimed)
        error = (
            "Enter an email and password."
            if not (email and password)
            else ("Wrong email or password. Try again.")
        )
        return render(
            request,
            "signin.html",
            401,
            error=error,
            email=email,
            continue_url=continue_url,
            app_name=await app_name_for_continue(request, continue_url),
        )
    await c.throttle.succeeded(email, address)
    return await complete_sign_in(request, c, user, continue_url)


def client_address(request: Request) -> str:
    """The client's IP as uvicorn saw it (X-Forwarded-For only from --forwarded-allow-ips)."""
    return request.client.host if request.client else ""


async def complete_sign_in(request: Request, c: Context, user: User, continue_url: str) -> Response:
    """Add `user` to this browser's session (a new session ID) and go on to `continue_url`,
    telling it which `authuser` the account now is."""
    session, cookie = await c.sessions.sign_in(
        await current_session(request), user.sub, request.headers.get("user-agent", "")
    )
    authuser = str(session.accounts.index(user.sub))
    response = RedirectResponse(with_query(continue_url, authuser=authuser), status_code=303)
    set_session_cookie(c, response, cookie)
    return response


async def chooser_page(request: Request) -> Response:
    continue_url = safe_continue(request.query_params.get("continue"), "/")
    users = await session_users(request)
    if not users:
        return RedirectResponse(with_query("/signin", **{"continue": continue_url}), 303)
    accounts = [
        {"user": u, "href": with_query(continue_url, authuser=str(i))} for i, u in enumerate(users)
    ]
    other = with_query("/signin", **{"continue": with_query(continue_url, authuser=None)})
    add = (
        with_query("/signin/emulator/add", **{"continue": with_query(continue_url, authuser=None)})
        if ctx(request).settings.emulator
        else None
    )
    return render(
        request, "chooser.html", accounts=accounts, other_href=other, add_href=add, signed_in=True
    )


async def signout_page(request: Request) -> Response:
    return render(request, "signout.html", accounts=await session_users(request))


async def signout_submit(request: Request) -> Response:
    c = ctx(request)
    form = await read_form(request)
    session = await current_session(request)
    remaining = 0
    if session is not None:
        account, authuser = field(form, "account"), field(form, "authuser")
        if account:
            # The form names the account it was drawn for. Its index may have moved since
            # (another tab signed an account out): it must never sign out someone else.
            remaining = len(session.accounts)
            if account in session.accounts:
                await c.sessions.sign_out(session, account)
                remaining -= 1
        elif (index := parse_authuser(authuser)) is not None and index < len(session.accounts):
            await c.sessions.sign_out(session, session.accounts[index])
            remaining = len(session.accounts) - 1
        else:
            await c.sessions.sign_out(session)
    response = RedirectResponse(f"/signedout?remaining={remaining}", status_code=303)
    if remaining == 0:
        set_session_cookie(c, response, None)
    return response


async def signedout_page(request: Request) -> Response:
    return render(request, "signedout.html", remaining=bool(await session_users(request)))


async def home_page(request: Request) -> Response:
    users = await session_users(request)
    return render(
        request,
        "home.html",
        accounts=users,
        signed_in=bool(users),
        issuer=ctx(request).settings.issuer,
    )

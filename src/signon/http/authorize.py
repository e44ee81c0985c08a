"""The authorization endpoint: /o/oauth2/v2/auth (also /o/oauth2/auth), GET and POST.

It reads as a table of steps: check the client and redirect URI (errors shown as a page),
parse the rest (errors sent back to the client), pick the account (sign-in page, chooser,
login_hint, authuser), get consent (remembered per user and client), then answer.
The consent form posts back here with the original parameters, so no state is kept between.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signon.context import Context, ctx
from signon.errors import (
    AccessDenied,
    ConsentRequired,
    InteractionRequired,
    LoginRequired,
    OAuthError,
)
from signon.http.csrf import CSRF_FIELD, check_csrf
from signon.http.delivery import deliver, deliver_error
from signon.http.pages import error_page, render, with_query
from signon.http.params import query_and_form
from signon.http.signin import app_name_for, session_users
from signon.protocol.authorize import (
    AuthPageError,
    AuthRequest,
    early_mode,
    needs_consent,
    parse_client,
    parse_request,
)
from signon.protocol.emulator import is_registering, register_on_first_use
from signon.protocol.ids import new_opaque_id
from signon.protocol.responses import issue_authorization
from signon.protocol.scopes import describe_scopes
from signon.storage.records import User

__all__ = ["app_name_for", "authorize"]

_OUR_FIELDS = ("signon_action", "signon_user", CSRF_FIELD)


async def authorize(request: Request) -> Response:
    c = ctx(request)
    try:
        params = await query_and_form(request)
    except OAuthError as exc:  # e.g. a repeated parameter: no redirect URI can be trusted
        return error_page(request, 400, "Access blocked: this app's request is invalid",
                          exc.description, code=exc.error)  # fmt: skip
    action = params.pop("signon_action", None)
    consenting = params.pop("signon_user", None)  # whose consent page the person answered
    if action is not None:
        check_csrf(request, params.pop(CSRF_FIELD, None), c.csrf_secret)
    if is_registering(c.settings):
        await register_on_first_use(
            c.store,
            params.get("client_id"),
            now=c.now(),
            origin=params.get("origin"),
            redirect_uri=params.get("redirect_uri"),
        )
    try:
        client, redirect_uri = await parse_client(c.store, params)
    except AuthPageError as exc:
        return error_page(
            request,
            exc.status,
            "Access blocked: this app's request is invalid",
            exc.description,
            code=exc.error,
            details=[(k, v) for k, v in params.items() if k in ("client_id", "redirect_uri")],
        )
    state = params.get("state")
    try:
        auth = parse_request(client, redirect_uri, params, c.settings.emulator)
        return await _interact(request, c, auth, action, consenting)
    except OAuthError as exc:
        return deliver_error(
            request,
            redirect_uri,
            early_mode(params, redirect_uri),
            exc,
            state,
            c.settings.issuer,
            params.get("origin"),
        )


def _auth_url(auth: AuthRequest, **changes: str | None) -> str:
    return with_query("/o/oauth2/v2/auth?" + urlencode(auth.params), **changes)


def _matches_hint(user: User, hint: str) -> bool:
    return user.email == hint.strip().lower() or user.sub == hint.strip()


def _matches_hd(user: User, hd: str | None) -> bool:
    return hd is None or (user.hd is not None if hd == "*" else user.hd == hd.lower())


async def _interact(
    request: Request, c: Context, auth: AuthRequest, action: str | None, consenting: str | None
) -> Response:
    if action == "cancel":
        raise AccessDenied("The user denied the request.")
    signed_in = await session_users(request)
    picked = _pick_account(auth, signed_in)
    if picked is None:
        return await _ask_for_account(request, c, auth, signed_in)
    user, authuser = picked
    grant = await c.store.find_grant(user.sub, auth.client.client_id)
    # Allow counts only for the account whose consent page was shown: if the browser's accounts
    # changed meanwhile (another tab signed one out), `authuser` may now be someone else.
    consented_now = action == "allow" and consenting == user.sub
    if not consented_now and needs_consent(auth, grant):
        if "none" in auth.prompt:
            raise ConsentRequired("The user has not granted the app the requested scopes.")
        if not (c.settings.auto_consent or auth.client.auto_consent):
            return await _consent_page(request, c, auth, user, authuser)
        consented_now = True
    if consented_now or grant is None:
        grant = await c.store.save_grant(
            user.sub, auth.client.client_id, auth.grant_scopes, c.now(), new_opaque_id()
        )
    keyring = await c.keyring.fresh()
    result = await issue_authorization(
        c.store,
        keyring,
        issuer=c.settings.issuer,
        request=auth,
        user=user,
        grant=grant,
        authuser=authuser,
        consented_now=consented_now,
        now=c.now(),
    )
    return deliver(
        request,
        auth.redirect_uri,
        auth.response_mode,
        result.params,
        auth.origin,
        see_other=request.method == "POST",
    )


def _pick_account(auth: AuthRequest, signed_in: list[User]) -> tuple[User, int] | None:
    """The account to use, when the request and the session settle it without asking."""
    indexed = list(enumerate(signed_in))
    if auth.authuser is not None and auth.authuser < len(signed_in):
        user = signed_in[auth.authuser]
        # Interactively, authuser is the person's own pick (the chooser's links carry it, and
        # they may pick another account than login_hint). Under prompt=none nobody picks: an
        # authuser account that contradicts login_hint or hd must not be signed in silently,
        # so fall through to the rules below, which find the hinted account or say why not.
        contradicts = (
            auth.login_hint is not None and not _matches_hint(user, auth.login_hint)
        ) or not _matches_hd(user, auth.hd)
        if "none" not in auth.prompt or not contradicts:
            return user, auth.authuser
    if auth.login_hint:
        for i, user in indexed:
            if _matches_hint(user, auth.login_hint):
                return user, i
        if "none" in auth.prompt:
            raise LoginRequired("The login_hint account is not signed in.")
        return None
    candidates = [(i, u) for i, u in indexed if _matches_hd(u, auth.hd)]
    if "none" in auth.prompt:
        if not candidates:
            raise LoginRequired(
                "No signed-in account is in the hd domain."
                if signed_in
                else "No account is signed in."
            )
        if len(candidates) > 1:
            raise InteractionRequired("More than one account is signed in; the user must choose.")
        return candidates[0][1], candidates[0][0]
    if len(candidates) == 1 and "select_account" not in auth.prompt:
        return candidates[0][1], candidates[0][0]
    return None


async def _ask_for_account(
    request: Request, c: Context, auth: AuthRequest, signed_in: list[User]
) -> Response:
    candidates = [(i, u) for i, u in enumerate(signed_in) if _matches_hd(u, auth.hd)]
    back = _auth_url(auth, authuser=None)
    if not candidates or (auth.login_hint and auth.authuser is None):
        return RedirectResponse(
            with_query("/signin", **{"continue": back, "email": auth.login_hint}),
            status_code=303 if request.method == "POST" else 302,
        )
    accounts = [{"user": u, "href": _auth_url(auth, authuser=str(i))} for i, u in candidates]
    return render(
        request,
        "chooser.html",
        accounts=accounts,
        signed_in=True,
        app_name=await app_name_for(c, auth.client.client_id),
        other_href=with_query("/signin", **{"continue": back}),
        add_href=(
            with_query("/signin/emulator/add", **{"continue": back})
            if c.settings.emulator
            else None
        ),
    )


async def _consent_page(
    request: Request, c: Context, auth: AuthRequest, user: User, authuser: int
) -> Response:
    project = await c.store.find_project(auth.client.project)
    fields = {k: v for k, v in auth.params.items() if k not in _OUR_FIELDS}
    fields["authuser"] = str(authuser)
    fields["signon_user"] = user.sub
    return render(
        request,
        "consent.html",
        user=user,
        fields=fields.items(),
        app_name=await app_name_for(c, auth.client.client_id),
        project=project,
        permissions=describe_scopes(auth.scopes),
        offline=auth.offline,
        signed_in=True,
    )

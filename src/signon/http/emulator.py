"""Emulator mode's sign-in: an account chooser of every test account, **Add new account**, and
no passwords. A `login_hint` (`email=` on /signin) that names a test account signs it in
without a click, so CI flows need no interaction at all with --auto-consent."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from signon.accounts.test_accounts import TestAccountErrors, parse_test_account
from signon.accounts.users import AccountError, create_user
from signon.context import Context, ctx
from signon.http.forms import field, read_form
from signon.http.pages import render, safe_continue, with_query
from signon.http.signin import app_name_for_continue, complete_sign_in

__all__ = ["add_account_href", "emulator_signin_page", "routes"]


def add_account_href(continue_url: str) -> str:
    return with_query("/signin/emulator/add", **{"continue": continue_url})


def _check_emulator(request: Request) -> Context:
    c = ctx(request)
    if not c.settings.emulator:
        raise HTTPException(404)
    return c


async def emulator_signin_page(request: Request, continue_url: str) -> Response:
    c = _check_emulator(request)
    hint = (request.query_params.get("email") or "").strip()
    if hint:
        hinted = await c.store.find_user_by_email(hint) if "@" in hint else None
        hinted = hinted or await c.store.find_user(hint)
        if hinted is not None:
            return await complete_sign_in(request, c, hinted, continue_url)
    return render(
        request,
        "emulator_signin.html",
        accounts=await c.store.list_users(),
        continue_url=continue_url,
        app_name=await app_name_for_continue(request, continue_url),
        add_href=add_account_href(continue_url),
    )


async def choose_account(request: Request) -> Response:
    c = _check_emulator(request)
    form = await read_form(request)
    continue_url = safe_continue(field(form, "continue"), "/signin/chooser")
    user = await c.store.find_user(field(form, "sub"))
    if user is None:
        return RedirectResponse(with_query("/signin", **{"continue": continue_url}), 303)
    return await complete_sign_in(request, c, user, continue_url)


async def add_account_page(request: Request) -> Response:
    _check_emulator(request)
    continue_url = safe_continue(request.query_params.get("continue"), "/signin/chooser")
    return render(
        request, "emulator_add.html", continue_url=continue_url, values={"email_verified": "true"},
        errors={}, app_name=await app_name_for_continue(request, continue_url),
    )  # fmt: skip


async def add_account_submit(request: Request) -> Response:
    c = _check_emulator(request)
    form = await read_form(request)
    continue_url = safe_continue(field(form, "continue"), "/signin/chooser")
    values = {k: field(form, k) for k in
              ("email", "name", "picture", "hd", "email_verified", "custom_claims")}  # fmt: skip
    try:
        user = await create_user(
            c.store, c.hasher, password=None, now=c.now(), **parse_test_account(values)
        )
    except TestAccountErrors as exc:
        errors = exc.errors
    except AccountError as exc:  # an account with this email exists
        errors = {"email": str(exc).capitalize() + "."}
    else:
        return await complete_sign_in(request, c, user, continue_url)
    return render(
        request, "emulator_add.html", 400, continue_url=continue_url, values=values,
        errors=errors, app_name=await app_name_for_continue(request, continue_url),
    )  # fmt: skip


def routes() -> list[BaseRoute]:
    return [
        Route("/signin/emulator", choose_account, methods=["POST"]),
        Route("/signin/emulator/add", add_account_page, methods=["GET"]),
        Route("/signin/emulator/add", add_account_submit, methods=["POST"]),
    ]

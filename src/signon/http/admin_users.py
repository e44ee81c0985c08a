"""Admin API: users (/admin/api/users)."""

from __future__ import annotations

from dataclasses import replace

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response

from signon.accounts.changes import (
    FieldError,
    changed_user,
    check_new_password,
    check_user_fields,
)
from signon.accounts.users import AccountError
from signon.accounts.users import create_user as create_account
from signon.admin.bodies import Body, Prop
from signon.admin.openapi import Operation
from signon.admin.views import user_view
from signon.context import ctx
from signon.errors import InvalidRequest
from signon.http.admin_common import AdminError, json, no_content, not_found, read_body
from signon.storage.records import User

__all__ = ["OPERATIONS"]

_PROFILE = {
    "email_verified": Prop("boolean", "default true"),
    "name": Prop("string", nullable=True),
    "given_name": Prop("string", nullable=True),
    "family_name": Prop("string", nullable=True),
    "picture": Prop("string", "http(s) URL", nullable=True),
    "locale": Prop("string", "language tag, e.g. en or pt-BR", nullable=True),
    "hd": Prop("string", "hosted (Workspace) domain", nullable=True),
    "is_admin": Prop("boolean", "may use the developer console"),
    "custom_claims": Prop("object", "added to the user's ID tokens (not iss, sub, aud...)"),
}
NEW_USER = Body(
    "NewUser",
    {
        "email": Prop("string"),
        "password": Prop("string", "omit for an account without a password", nullable=True),
        "sub": Prop("string", "21 digits; generated when omitted", nullable=True),
        **_PROFILE,
    },
    required=("email",),
)
USER_CHANGES = Body(
    "UserChanges",
    {
        "email": Prop("string"),
        "password": Prop("string", "a new password; null removes it", nullable=True),
        **_PROFILE,
    },
)


async def _user(request: Request) -> User:
    user = await ctx(request).store.find_user(request.path_params["sub"])
    if user is None:
        raise not_found(f"user {request.path_params['sub']}")
    return user


async def list_users(request: Request) -> Response:
    return json([user_view(u) for u in await ctx(request).store.list_users()])


async def create_user(request: Request) -> Response:
    c = ctx(request)
    body = await read_body(request, NEW_USER)
    try:
        check_user_fields(body)
        if body.get("password") is not None:
            check_new_password(body["password"])
        body.setdefault("password", None)
        user = await create_account(c.store, c.hasher, now=c.now(), **body)
    except FieldError as exc:
        raise InvalidRequest(str(exc)) from None
    except AccountError as exc:
        raise AdminError(409, "conflict", str(exc)) from None
    return json(user_view(user), 201)


async def get_user(request: Request) -> Response:
    return json(user_view(await _user(request)))


async def update_user(request: Request) -> Response:
    c = ctx(request)
    user = await _user(request)
    body = await read_body(request, USER_CHANGES)
    password = body.pop("password", ...)  # ...: not given; None: remove the password
    try:
        # Every check before the one write: a refused request changes nothing (a short password
        # beside "is_admin": true used to leave the promotion written and answer 400).
        updated = changed_user(user, body)
        if isinstance(password, str):
            check_new_password(password)
        if updated.email != user.email and await c.store.find_user_by_email(updated.email):
            raise AdminError(409, "conflict", f"a user with email {updated.email} exists")
    except FieldError as exc:
        raise InvalidRequest(str(exc)) from None
    if password is None:
        updated = replace(updated, password_hash=None)
    elif isinstance(password, str):
        updated = replace(
            updated, password_hash=await anyio.to_thread.run_sync(c.hasher.hash, password)
        )
    await c.store.update_user(updated, before=user)
    return json(user_view(updated))


async def delete_user(request: Request) -> Response:
    if not await ctx(request).store.delete_user(request.path_params["sub"]):
        raise not_found(f"user {request.path_params['sub']}")
    return no_content()


OPERATIONS = (
    Operation("GET", "/admin/api/users", list_users, "List users", response="User",
              response_list=True),
    Operation("POST", "/admin/api/users", create_user, "Create a user", 201, NEW_USER, "User",
              errors=((409, "A user with this email or sub exists."),)),
    Operation("GET", "/admin/api/users/{sub}", get_user, "Get a user", response="User"),
    Operation("PATCH", "/admin/api/users/{sub}", update_user, "Change a user's fields",
              body=USER_CHANGES, response="User",
              errors=((409, "Another user has this email."),)),
    Operation("DELETE", "/admin/api/users/{sub}", delete_user,
              "Delete a user and revoke their tokens", 204),
)  # fmt: skip

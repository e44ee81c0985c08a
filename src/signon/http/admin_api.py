"""The admin API (/admin/api/): JSON, behind a bearer admin token.

Every operation is declared once in OPERATIONS; the routes and the OpenAPI document at
/admin/api/openapi.json are both built from that table. Errors leave through `admin_endpoint`,
the one place that turns them into `{"error", "error_description"}` bodies.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from signon.admin.openapi import Operation, openapi_document
from signon.admin.tokens import is_admin_token
from signon.context import ctx
from signon.errors import OAuthError
from signon.http import admin_clients, admin_state, admin_users
from signon.http.admin_common import AdminError

__all__ = ["OPERATIONS", "admin_endpoint", "routes"]

Handler = Callable[[Request], Awaitable[Response]]
_REALM = 'Bearer realm="signon admin"'


def _unauthorized(description: str, error: str | None = None) -> JSONResponse:
    challenge = _REALM + (f', error="{error}"' if error else "")
    return JSONResponse(
        {"error": error or "invalid_request", "error_description": description},
        status_code=401,
        headers={"WWW-Authenticate": challenge, "Cache-Control": "no-store"},
    )


def admin_endpoint(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def run(request: Request) -> Response:
        c = ctx(request)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthorized("Send the admin token as 'Authorization: Bearer <token>'.")
        if not await is_admin_token(c.store, c.settings.admin_token, token.strip()):
            return _unauthorized("The admin token is not valid.", "invalid_token")
        try:
            response = await handler(request)
        except AdminError as exc:
            return JSONResponse(exc.body(), status_code=exc.status)
        except OAuthError as exc:  # InvalidRequest from body checks
            return JSONResponse(exc.body(), status_code=exc.status)
        response.headers["Cache-Control"] = "no-store"
        return response

    return run


OPERATIONS: tuple[Operation, ...] = (
    *admin_users.OPERATIONS,
    *admin_clients.OPERATIONS,
    *admin_state.OPERATIONS,
)


async def openapi(request: Request) -> Response:
    """The OpenAPI 3.1 document; public, like the API's shape (the data stays behind auth)."""
    return JSONResponse(openapi_document(OPERATIONS, ctx(request).settings.issuer))


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = [Route("/admin/api/openapi.json", openapi, methods=["GET"])]
    for op in OPERATIONS:
        out.append(Route(op.path, admin_endpoint(op.endpoint), methods=[op.method]))
    return out

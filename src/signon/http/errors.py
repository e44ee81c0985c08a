"""The one place where errors become responses.

API callers (token, revoke, tokeninfo, userinfo, certs, admin API) get OAuth's JSON error shape;
people get a readable page; nobody gets a stack trace.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from signon.errors import OAuthError
from signon.http.csrf import CsrfError
from signon.http.pages import error_page
from signon.storage.store import InvalidData, StoreUnavailable

__all__ = ["EXCEPTION_HANDLERS", "BodyTooLarge", "wants_json"]

log = logging.getLogger("signon")

_JSON_PREFIXES = (
    "/token",
    "/oauth2/",
    "/o/oauth2/token",
    "/o/oauth2/revoke",
    "/revoke",
    "/tokeninfo",
    "/v1/userinfo",
    "/admin/api",
    "/.well-known/",
    "/gsi/",
    "/fedcm/",
)


class BodyTooLarge(Exception):
    """The request body is larger than SIGNON_MAX_BODY_BYTES."""


def wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith(_JSON_PREFIXES):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


_TITLES = {
    400: "Bad request",
    403: "Forbidden",
    404: "Page not found",
    405: "Method not allowed",
    413: "Request too large",
    503: "Service unavailable",
}
_ERRORS = {
    400: "invalid_request",
    401: "invalid_client",
    403: "access_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "invalid_request",
    503: "temporarily_unavailable",
}


def _respond(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    if wants_json(request):
        body = {"error": _ERRORS.get(status, "invalid_request"), "error_description": message}
        return JSONResponse(body, status_code=status, headers=headers)
    response = error_page(request, status, _TITLES.get(status, "Error"), message, back_href="/")
    response.headers.update(headers or {})
    return response


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {
        404: "There is nothing at this address.",
        405: "This address does not accept that method.",
    }
    detail = (
        exc.detail
        if exc.detail and exc.detail not in ("Not Found", "Method Not Allowed")
        else messages.get(exc.status_code, "The request could not be handled.")
    )
    return _respond(request, exc.status_code, detail, dict(exc.headers or {}))


async def body_too_large(request: Request, exc: Exception) -> Response:
    return _respond(request, 413, "The request body is too large.")


async def csrf_failed(request: Request, exc: Exception) -> Response:
    return _respond(
        request,
        403,
        "This form has expired or did not come from this site. Go back, reload the page and try again.",  # noqa: E501
    )


async def store_unavailable(request: Request, exc: Exception) -> Response:
    log.warning("database unavailable: %s", exc.__cause__ or exc)
    return _respond(
        request,
        503,
        "The service is temporarily unavailable (its database cannot be reached). "
        "Try again in a moment.",
        {"Retry-After": "5"},
    )


async def invalid_data(request: Request, exc: Exception) -> Response:
    log.warning("database refused a value: %s", exc)
    return _respond(request, 400, "The request contains a value that cannot be stored.")


async def oauth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OAuthError)
    headers = {"Cache-Control": "no-store"}
    if exc.status == 401 and request.headers.get("authorization", "").lower().startswith("basic "):
        # RFC 6749 5.2: a client that tried HTTP Basic gets a challenge in the same scheme.
        headers["WWW-Authenticate"] = 'Basic realm="signon"'
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers)


async def internal_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if wants_json(request):
        return JSONResponse({"error": "server_error", "error_description": "Internal error"}, 500)
    return error_page(
        request,
        500,
        "Something went wrong",
        "signon could not complete this request. Try again.",
        back_href="/",
    )


EXCEPTION_HANDLERS = {
    HTTPException: http_exception,
    BodyTooLarge: body_too_large,
    CsrfError: csrf_failed,
    StoreUnavailable: store_unavailable,
    InvalidData: invalid_data,
    OAuthError: oauth_error,
    Exception: internal_error,
}

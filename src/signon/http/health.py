"""/healthz: for load balancers and orchestrators (is this process serving, and can it reach its
database?). Not part of Google's surface."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from signon.context import ctx
from signon.storage.store import StoreUnavailable

__all__ = ["healthz"]

_NO_STORE = {"Cache-Control": "no-store"}


async def healthz(request: Request) -> JSONResponse:
    """200 {"status": "ok"} when a query reaches the database, else 503 (with Retry-After), so
    a proxy takes a process that lost its database out of rotation instead of sending people
    to error pages. Reads nothing else and writes nothing: cheap enough to poll every second."""
    try:
        await ctx(request).store.ping()
    except StoreUnavailable:
        body = {"status": "unavailable", "error": "the database cannot be reached"}
        return JSONResponse(body, status_code=503, headers={**_NO_STORE, "Retry-After": "5"})
    return JSONResponse({"status": "ok"}, headers=_NO_STORE)

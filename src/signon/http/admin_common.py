"""Shared by the admin API's route files: its error class and small response helpers."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from signon.admin.bodies import Body

__all__ = ["AdminError", "json", "no_content", "read_body"]


class AdminError(Exception):
    """An admin API error other than a bad body: not found, conflict, forbidden."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def not_found(what: str) -> AdminError:
    return AdminError(404, "not_found", f"{what} was not found")


async def read_body(request: Request, body: Body) -> dict[str, Any]:
    return body.parse(await request.body())


def json(value: Any, status: int = 200) -> Response:
    return JSONResponse(value, status_code=status)


def no_content() -> Response:
    return Response(status_code=204)

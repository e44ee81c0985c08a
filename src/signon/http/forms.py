"""Reading forms safely: size-limited, CSRF-checked, single-valued fields."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from signon.context import ctx
from signon.http.csrf import CSRF_FIELD, check_csrf

__all__ = ["field", "read_form"]


async def read_form(request: Request, *, csrf: bool = True) -> FormData:
    """The request's urlencoded form; 400 if it is not one, CsrfError if the token is wrong."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise HTTPException(400, "expected a form (application/x-www-form-urlencoded)")
    form = await request.form(max_files=0, max_fields=200)
    if csrf:
        check_csrf(request, form.get(CSRF_FIELD), ctx(request).csrf_secret)
    if any(  # PostgreSQL cannot store it, and no person types it
        "\x00" in key or (isinstance(value, str) and "\x00" in value)
        for key, value in form.multi_items()
    ):
        raise HTTPException(400, "The form contains a NUL character.")
    return form


def field(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value if isinstance(value, str) else default

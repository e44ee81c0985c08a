"""Reading OAuth parameters: form bodies for API endpoints, query + form for the browser."""

from __future__ import annotations

from starlette.requests import Request

from signon.errors import InvalidRequest

__all__ = ["form_params", "query_and_form"]


def _single(items: list[tuple[str, str]]) -> dict[str, str]:
    # RFC 6749 3.1: "Request and response parameters MUST NOT be included more than once."
    out: dict[str, str] = {}
    for key, value in items:
        if key in out:
            raise InvalidRequest(f"Parameter {key} is included more than once")
        if "\x00" in value or "\x00" in key:  # PostgreSQL cannot store it; no one sends it
            raise InvalidRequest(f"Parameter {key[:64]!r} contains a NUL character")
        out[key] = value
    return out


async def form_params(request: Request) -> dict[str, str]:
    """The urlencoded body (API endpoints take forms only, as Google's do)."""
    if request.method != "POST":
        return _single(list(request.query_params.multi_items()))
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        if not await request.body():
            return _single(list(request.query_params.multi_items()))
        raise InvalidRequest("Expected application/x-www-form-urlencoded")
    form = await request.form(max_files=0, max_fields=100)
    items = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    return _single(items)


async def query_and_form(request: Request) -> dict[str, str]:
    """Query parameters, plus the form body on POST (the body wins for keys in both)."""
    items = list(request.query_params.multi_items())
    params = _single(items)
    if request.method == "POST":
        body = await form_params(request)
        params.update(body)
    return params

"""Rendering pages for people: templates, the CSRF cookie, safe `continue` URLs."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse

from signon.context import ctx
from signon.http.csrf import csrf_token, set_csrf_cookie

__all__ = ["error_page", "render", "safe_continue", "script_json", "with_query"]


def script_json(value: object) -> str:
    """JSON to place inside a <script> element: no "</script>" or "<!--" can end it early."""
    text = json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    c = ctx(request)
    values.setdefault("emulator", c.settings.emulator)
    values.setdefault("csrf_token", csrf_token(request, c.csrf_secret))
    html = c.templates.get_template(template).render(**values)
    response = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
    set_csrf_cookie(request, response)
    return response


def error_page(
    request: Request,
    status: int,
    title: str,
    message: str,
    *,
    code: str | None = None,
    details: list[tuple[str, str]] | None = None,
    back_href: str | None = None,
) -> HTMLResponse:
    return render(
        request,
        "error.html",
        status,
        title=title,
        message=message,
        code=code,
        error_status=status,
        details=details or [],
        back_href=back_href,
    )


def safe_continue(value: str | None, default: str = "/") -> str:
    """Only same-origin absolute paths: no scheme, no host, no `//` or `/\\` (open redirects)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    if any(ch in value for ch in "\r\n\t\\") or len(value) > 8000:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def with_query(url: str, **params: str | None) -> str:
    """`url` with `params` set (replacing existing values; None removes)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += [(k, v) for k, v in params.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))

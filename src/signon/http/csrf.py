"""CSRF protection for every form: a signed double-submit token (OWASP's recommended variant).

A random value lives in an HttpOnly cookie; the form carries HMAC(instance secret, value). A
page on another site can neither read the cookie nor compute the HMAC. Someone who controls a
sibling subdomain could still plant a cookie of their own (with the token the server gave them)
and so submit forms as the victim's browser (login CSRF): on an https issuer the cookie is
therefore named `__Host-signon_csrf`, which browsers accept only from this exact host, over
https, with Path=/ and no Domain. On a plain-http issuer (local development) it is `signon_csrf`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from signon.context import ctx

__all__ = [
    "CSRF_FIELD",
    "CsrfError",
    "check_csrf",
    "csrf_token",
    "set_csrf_cookie",
]

CSRF_FIELD = "csrf_token"


class CsrfError(Exception):
    """The form's CSRF token is missing or wrong."""


def _sign(secret: bytes, value: str) -> str:
    mac = hmac.new(secret, value.encode("ascii", "replace"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def _cookie_name(request: Request) -> str:
    return ctx(request).settings.csrf_cookie  # `__Host-signon_csrf` on https


def csrf_token(request: Request, secret: bytes) -> str:
    """The token for forms on this page; the cookie is (re)set by `set_csrf_cookie`."""
    value = request.cookies.get(_cookie_name(request))
    if not value or len(value) > 100:
        value = request.scope.setdefault("signon.new_csrf", secrets.token_urlsafe(24))
    return _sign(secret, value)


def set_csrf_cookie(request: Request, response: Response) -> None:
    new = request.scope.get("signon.new_csrf")
    if new:
        settings = ctx(request).settings
        response.set_cookie(
            settings.csrf_cookie,
            new,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
            path="/",
        )


def check_csrf(request: Request, form_value: object, secret: bytes) -> None:
    cookie = request.cookies.get(_cookie_name(request))
    if not cookie or not isinstance(form_value, str) or not form_value:
        raise CsrfError("missing CSRF token")
    # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError: a 500).
    expected = _sign(secret, cookie).encode("ascii")
    if not hmac.compare_digest(expected, form_value.encode("utf-8", "surrogateescape")):
        raise CsrfError("wrong CSRF token")

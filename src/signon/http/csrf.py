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
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "HOST_CSRF_COOKIE",
    "CsrfError",
    "check_csrf",
    "csrf_token",
    "set_csrf_cookie",
]

CSRF_COOKIE = "signon_csrf"
HOST_CSRF_COOKIE = "__Host-signon_csrf"  # the https name: no subdomain can set it
CSRF_FIELD = "csrf_token"


class CsrfError(Exception):
    """The form's CSRF token is missing or wrong."""


def _sign(secret: bytes, value: str) -> str:
    mac = hmac.new(secret, value.encode("ascii", "replace"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def _cookie_name(request: Request) -> str:
    return HOST_CSRF_COOKIE if ctx(request).settings.secure_cookies else CSRF_COOKIE


def csrf_token(request: Request, secret: bytes) -> str:
    """The token for forms on this page; the cookie is (re)set by `set_csrf_cookie`."""
    value = request.cookies.get(_cookie_name(request))
    if not value or len(value) > 100:
        value = request.scope.setdefault("signon.new_csrf", secrets.token_urlsafe(24))
    return _sign(secret, value)


def set_csrf_cookie(request: Request, response: Response, secure: bool) -> None:
    new = request.scope.get("signon.new_csrf")
    if new:
        response.set_cookie(
            HOST_CSRF_COOKIE if secure else CSRF_COOKIE,
            new,
            httponly=True,
            samesite="lax",
            secure=secure,
            path="/",
        )


def check_csrf(request: Request, form_value: object, secret: bytes) -> None:
    cookie = request.cookies.get(_cookie_name(request))
    if not cookie or not isinstance(form_value, str) or not form_value:
        raise CsrfError("missing CSRF token")
    if not hmac.compare_digest(_sign(secret, cookie), form_value):
        raise CsrfError("wrong CSRF token")

"""Framework-neutral backend helpers for the three ways a browser hands Google sign-in to a server.

* ``/tokensignin`` (platform.js / seed 004): form field ``idtoken``.
* Sign In With Google ``login_uri`` (GIS redirect mode): ``credential`` + ``g_csrf_token`` in a
  form or JSON body and a ``g_csrf_token`` cookie (double-submit check, GIS server-side docs).
* ``/storeauthcode`` (server-side flow, seed 001): the raw one-time code as the body, and an
  ``X-Requested-With`` header that a cross-site form post cannot set.

Each ``get_*`` returns the token or code to verify/exchange, or raises a ``RequestRefused`` whose
``status`` and message are the HTTP answer. Adapters in ``signon.rp.starlette`` and
``signon.rp.flask`` feed them a request and turn ``RpError``s into responses via ``error_status``.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Final
from urllib.parse import parse_qsl

from signon.rp.errors import (
    BodyTooLarge,
    CertsUnavailable,
    CsrfCheckFailed,
    IdTokenError,
    MissingField,
    MissingRequestedWith,
    OAuthEndpointError,
    RequestRefused,
    RpError,
    TokenEndpointError,
)
from signon.rp.jwt import loads

CSRF_COOKIE: Final = "g_csrf_token"
MAX_BODY: Final = 64 * 1024
# Error answers are plain text that may quote the request (a key ID, a field name): never let a
# browser sniff them into HTML, and never cache them.
ERROR_HEADERS: Final = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
MAX_CODE_LENGTH: Final = 2048


def check_requested_with(headers: Mapping[str, str]) -> None:
    """Refuse (403) a request without ``X-Requested-With``: seed 001's CSRF guard for codes."""
    value = headers.get("X-Requested-With") or headers.get("x-requested-with")
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == "x-requested-with"), None)
    if not value:
        raise MissingRequestedWith(
            "Missing X-Requested-With header; send the code with XMLHttpRequest/fetch and "
            "'X-Requested-With: XMLHttpRequest' (without it the request could be forged)"
        )


def check_csrf_double_submit(cookie: str | None, body_value: str | None) -> None:
    """The Sign In With Google double-submit-cookie check; messages are Google's sample's."""
    if not cookie:
        raise CsrfCheckFailed("No CSRF token in Cookie.")
    if not body_value:
        raise CsrfCheckFailed("No CSRF token in post body.")
    if not hmac.compare_digest(cookie.encode("utf-8"), body_value.encode("utf-8")):
        raise CsrfCheckFailed("Failed to verify double submit cookie.")


def check_declared_length(content_length: str | None) -> None:
    """Refuse a body announced as larger than ``MAX_BODY`` before reading any of it."""
    declared = content_length or ""
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY:
        raise BodyTooLarge("Request body too large.")


def check_body_size(size: int) -> None:
    """Called as a body is read, so a body without (or lying about) Content-Length stops at
    ``MAX_BODY`` instead of being read whole into memory."""
    if size > MAX_BODY:
        raise BodyTooLarge("Request body too large.")


def parse_body(content_type: str | None, body: bytes) -> dict[str, str]:
    """String fields of a form-encoded or JSON body (GIS has been seen sending both)."""
    check_body_size(len(body))
    media = (content_type or "").split(";", 1)[0].strip().lower()
    try:
        text = body.decode("utf-8")
        if media == "application/json" or (not media and text.lstrip().startswith("{")):
            data = loads(body)  # strict and depth-limited: hostile nesting is a ValueError
            if not isinstance(data, dict):
                raise ValueError("not an object")
            return {k: v for k, v in data.items() if isinstance(v, str)}
        return dict(parse_qsl(text, keep_blank_values=True))
    except ValueError as exc:
        raise RequestRefused("Request body is neither a form nor a JSON object.") from exc


def _required(fields: Mapping[str, str], name: str) -> str:
    value = fields.get(name)
    if not value:
        raise MissingField(f"Missing {name!r} in the request body.")
    return value


def get_tokensignin_token(content_type: str | None, body: bytes) -> str:
    """The ``idtoken`` field of a ``/tokensignin`` POST."""
    return _required(parse_body(content_type, body), "idtoken")


def get_login_credential(cookies: Mapping[str, str], content_type: str | None, body: bytes) -> str:
    """The ``credential`` of a GIS ``login_uri`` POST, after the double-submit CSRF check."""
    fields = parse_body(content_type, body)
    check_csrf_double_submit(cookies.get(CSRF_COOKIE), fields.get(CSRF_COOKIE))
    return _required(fields, "credential")


def get_auth_code(headers: Mapping[str, str], content_type: str | None, body: bytes) -> str:
    """The one-time code POSTed to ``/storeauthcode``: the raw body (text/plain or
    application/octet-stream, as seed 001 sends it), or a ``code`` field of a form/JSON body."""
    check_requested_with(headers)
    check_body_size(len(body))
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in ("application/x-www-form-urlencoded", "application/json"):
        code = _required(parse_body(content_type, body), "code")
    else:
        try:
            code = body.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise RequestRefused("The authorization code is not UTF-8 text.") from None
    if not code:
        raise MissingField("Missing authorization code in the request body.")
    if len(code) > MAX_CODE_LENGTH or not code.isprintable() or " " in code:
        raise RequestRefused("The request body is not an authorization code.")
    return code


def error_status(exc: RpError) -> int:
    """The HTTP status for a helper failure; the one place errors become responses."""
    if isinstance(exc, RequestRefused):
        return exc.status
    if isinstance(exc, CertsUnavailable):
        return 503  # our upstream is down, the user did nothing wrong
    if isinstance(exc, IdTokenError):
        return 401
    if isinstance(exc, TokenEndpointError) and exc.status in (400, 401):
        return 400  # a used, expired or foreign code: the browser sent a bad one
    if isinstance(exc, OAuthEndpointError):
        return 502
    return 500


def error_message(exc: RpError) -> str:
    """What to tell the caller: the message, except for upstream details hidden behind 502/500."""
    status = error_status(exc)
    if status == 502:
        return "The identity provider could not be reached; try again later."
    if isinstance(exc, TokenEndpointError):
        return f"The authorization code was refused ({exc.error})."
    if status == 503:  # the details (addresses, DNS errors) are for the server's log
        return "The identity provider's signing keys could not be fetched; try again later."
    return str(exc) if status < 500 else "Internal error."

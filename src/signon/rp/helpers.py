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
import json
from collections.abc import Mapping
from typing import Final
from urllib.parse import parse_qsl

from signon.rp.errors import (
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

CSRF_COOKIE: Final = "g_csrf_token"
MAX_BODY: Final = 64 * 1024
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


def parse_body(content_type: str | None, body: bytes) -> dict[str, str]:
    """String fields of a form-encoded or JSON body (GIS has been seen sending both)."""
    if len(body) > MAX_BODY:
        raise RequestRefused("Request body too large.")
    media = (content_type or "").split(";", 1)[0].strip().lower()
    try:
        text = body.decode("utf-8")
        if media == "application/json" or (not media and text.lstrip().startswith("{")):
            data = json.loads(text)
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
    return str(exc) if status < 500 or status == 503 else "Internal error."

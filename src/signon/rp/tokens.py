"""Token endpoint responses (RFC 6749 5.1/5.2) as a ``TokenSet`` or a ``TokenEndpointError``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import httpx

from signon.rp.claims import IdToken
from signon.rp.errors import OAuthEndpointError, TokenEndpointError


@dataclass(frozen=True)
class TokenSet:
    """A successful token response. Secrets are kept out of ``repr`` so they stay out of logs.

    ``id_token_claims`` is the ID token *verified* for this client (None when no ``id_token`` was
    returned). ``expires_at`` is ``expires_in`` added to the clock at receipt.
    """

    access_token: str = field(repr=False)
    token_type: str
    expires_in: int | None
    expires_at: float | None
    refresh_token: str | None = field(repr=False)
    scope: tuple[str, ...]
    id_token: str | None = field(repr=False)
    id_token_claims: IdToken | None
    refresh_token_expires_in: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


def _json_body(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _int_or_none(value: object) -> int | None:
    # Google sends numbers; google-auth tolerates strings ("3599"), and so do we.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def endpoint_error(response: httpx.Response, *, token_endpoint: bool = False) -> OAuthEndpointError:
    """The OAuth error in a non-200 response (``invalid_grant``...), or ``invalid_response``."""
    body = _json_body(response) or {}
    error = body.get("error")
    description = body.get("error_description")
    if not isinstance(error, str):
        # www.googleapis.com/oauth2/v3/tokeninfo answers {"error_description": "Invalid Value"}.
        error = "invalid_token" if isinstance(description, str) else "invalid_response"
    if not isinstance(description, str):
        description = None if body else response.text[:200] or None
    cls = TokenEndpointError if token_endpoint else OAuthEndpointError
    return cls(error, description, response.status_code)


def parse_token_response(
    response: httpx.Response, *, now: float, refresh_token: str | None = None
) -> tuple[TokenSet, str | None]:
    """A ``TokenSet`` (without verified claims yet) and the raw ``id_token`` to verify.

    ``refresh_token`` is kept when a refresh response omits it, as Google's responses always do.
    """
    body = _json_body(response)
    if response.status_code != 200 or body is None or not body.get("access_token"):
        if response.status_code == 200:
            raise TokenEndpointError(
                "invalid_response", "the token response has no access_token", 200
            )
        raise endpoint_error(response, token_endpoint=True)
    expires_in = _int_or_none(body.get("expires_in"))
    scope = body.get("scope")
    id_token = body.get("id_token")
    new_refresh = body.get("refresh_token")
    tokens = TokenSet(
        access_token=str(body["access_token"]),
        token_type=str(body.get("token_type", "Bearer")),
        expires_in=expires_in,
        expires_at=None if expires_in is None else now + expires_in,
        refresh_token=new_refresh if isinstance(new_refresh, str) else refresh_token,
        scope=tuple(scope.split()) if isinstance(scope, str) else (),
        id_token=id_token if isinstance(id_token, str) else None,
        id_token_claims=None,
        refresh_token_expires_in=_int_or_none(body.get("refresh_token_expires_in")),
        raw=MappingProxyType(body),
    )
    return tokens, tokens.id_token


def parse_json_response(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a 200 tokeninfo/userinfo response, else the endpoint's error."""
    body = _json_body(response)
    if response.status_code != 200 or body is None:
        raise endpoint_error(response)
    return body

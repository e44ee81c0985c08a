"""Parsing and checking an authorization request (RFC 6749 4.1.1, OIDC Core 3.1.2.1).

The checks run in a fixed order. Until the client and its redirect URI are known to be good,
errors are `AuthPageError`s, shown to the person and never redirected (RFC 6749 4.1.2.1);
after that, errors are OAuthErrors sent back to the redirect URI with `state`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from signon.errors import (
    InvalidRequest,
    OAuthError,
    UnauthorizedClient,
    UnsupportedResponseType,
)
from signon.protocol.clients import INSTALLED_TYPES
from signon.protocol.pkce import check_challenge
from signon.protocol.redirects import POSTMESSAGE, is_redirect_allowed
from signon.protocol.scopes import OFFLINE, OPENID, normalise_scopes
from signon.storage.records import Client, Grant
from signon.storage.store import Store

__all__ = [
    "AuthPageError",
    "AuthRequest",
    "ResponseMode",
    "needs_consent",
    "parse_client",
    "parse_request",
]

ResponseMode = Literal["query", "fragment", "form_post", "postmessage"]
_RESPONSE_TYPES = {
    frozenset(t.split())
    for t in (
        "code",
        "token",
        "id_token",
        "code token",
        "code id_token",
        "token id_token",
        "code token id_token",
        "none",
    )
}
_PROMPTS = {"none", "consent", "select_account"}


class AuthPageError(Exception):
    """Shown as a page, never redirected: the redirect URI cannot be trusted."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


@dataclass(frozen=True, slots=True)
class AuthRequest:
    client: Client
    redirect_uri: str
    response_types: frozenset[str]
    response_mode: ResponseMode
    scopes: tuple[str, ...]
    raw_scope: str
    state: str | None = None
    nonce: str | None = None
    prompt: frozenset[str] = frozenset()
    login_hint: str | None = None
    hd: str | None = None
    offline: bool = False
    include_granted_scopes: bool = False
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    authuser: int | None = None
    origin: str | None = None
    api_scopes: bool = False  # Google API scopes are granted by name (the emulator)
    params: dict[str, str] = field(default_factory=dict)  # as received, to re-post from forms

    @property
    def wants_consent(self) -> bool:
        return "consent" in self.prompt or self.params.get("approval_prompt") == "force"

    @property
    def grant_scopes(self) -> tuple[str, ...]:
        """What consenting to this request adds to the user's grant."""
        return (*self.scopes, OFFLINE) if self.offline else self.scopes


def needs_consent(auth: AuthRequest, grant: Grant | None) -> bool:
    """Consent is asked for when nothing was granted, when the app asks for it, or when the
    request needs more than was granted (new scopes, or offline access)."""
    return grant is None or auth.wants_consent or not set(auth.grant_scopes) <= set(grant.scopes)


def parse_authuser(raw: str | None) -> int | None:
    """The ``authuser`` account index: 1-3 ASCII digits, else None. (``str.isdigit`` alone
    accepts '²', which ``int`` refuses, and ``int`` refuses over 4,300 digits: both were 500s.)"""
    if raw and len(raw) < 4 and raw.isascii() and raw.isdigit():
        return int(raw)
    return None


def _one(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    return value if value else None


async def parse_client(store: Store, params: Mapping[str, str]) -> tuple[Client, str]:
    client_id = _one(params, "client_id")
    if client_id is None:
        raise AuthPageError(400, "invalid_request", "Missing required parameter: client_id")
    client = await store.find_client(client_id)
    if client is None:
        raise AuthPageError(401, "invalid_client", "The OAuth client was not found.")
    redirect_uri = _one(params, "redirect_uri")  # Google: an empty one is a missing one
    if redirect_uri is None:
        raise AuthPageError(400, "invalid_request", "Missing required parameter: redirect_uri")
    if not is_redirect_allowed(client, redirect_uri, _one(params, "origin")):
        raise AuthPageError(
            400,
            "redirect_uri_mismatch",
            f"The redirect URI in the request, {redirect_uri}, does not match the ones "
            "authorized for the OAuth client.",
        )
    return client, redirect_uri


def _response_mode(
    params: Mapping[str, str], types: frozenset[str], redirect_uri: str
) -> ResponseMode:
    if redirect_uri == POSTMESSAGE:
        return "postmessage"
    default: ResponseMode = "query" if types <= {"code", "none"} else "fragment"
    mode = _one(params, "response_mode") or default
    if mode not in ("query", "fragment", "form_post"):
        raise InvalidRequest(f"Invalid response_mode: {mode}")
    if mode == "query" and not types <= {"code", "none"}:
        # OAuth 2.0 Multiple Response Types 5: tokens never travel in a query string.
        raise InvalidRequest("response_mode=query is not allowed for this response_type")
    return mode  # type: ignore[return-value]


def early_mode(params: Mapping[str, str], redirect_uri: str) -> ResponseMode:
    """The response mode to report an error with, before the request is fully parsed."""
    types = frozenset((params.get("response_type") or "code").split())
    try:
        return _response_mode(params, types, redirect_uri)
    except OAuthError:
        return "query" if types <= {"code", "none"} else "fragment"


def parse_request(
    client: Client, redirect_uri: str, params: Mapping[str, str], api_scopes: bool = False
) -> AuthRequest:
    """The authorization request's parameters, checked. `api_scopes`: Google API scopes are
    granted by name (the emulator; see scopes.py)."""
    raw_type = _one(params, "response_type")
    if raw_type is None:
        raise InvalidRequest("Missing required parameter: response_type")
    types = frozenset(raw_type.split())
    if types not in _RESPONSE_TYPES:
        raise UnsupportedResponseType(f"Invalid response_type: {raw_type}")
    mode = _response_mode(params, types, redirect_uri)
    if types & {"token", "id_token"} and client.type != "web":
        raise UnauthorizedClient(f"response_type {raw_type} is only for web clients")
    raw_scope = params.get("scope") or ""
    scopes = normalise_scopes(raw_scope, api_scopes)
    nonce = _one(params, "nonce")
    if "id_token" in types:
        if OPENID not in scopes:
            raise InvalidRequest("response_type id_token requires the openid scope")
        if nonce is None:
            raise InvalidRequest("Missing required parameter: nonce")
    prompt = frozenset((params.get("prompt") or "").split())
    if not prompt <= _PROMPTS:
        bad = ", ".join(sorted(prompt - _PROMPTS))
        raise InvalidRequest(f"Invalid parameter value for prompt: Invalid prompt: {bad}")
    if "none" in prompt and len(prompt) > 1:
        raise InvalidRequest("Invalid parameter value for prompt: none must be used alone")
    access_type = params.get("access_type") or "online"
    if access_type not in ("online", "offline"):
        raise InvalidRequest(f"Invalid access_type: {access_type}")
    challenge, method = check_challenge(
        _one(params, "code_challenge"), _one(params, "code_challenge_method")
    )
    if client.type in ("ios", "android") and challenge is None and "code" in types:
        # RFC 9700 2.1.1: public clients use PKCE.
        raise InvalidRequest("Missing required parameter: code_challenge")
    return AuthRequest(
        client=client,
        redirect_uri=redirect_uri,
        response_types=types,
        response_mode=mode,
        scopes=scopes,
        raw_scope=raw_scope,
        state=params.get("state"),
        nonce=nonce,
        prompt=prompt,
        login_hint=_one(params, "login_hint"),
        hd=_one(params, "hd"),
        # Installed apps (iOS, Android, desktop) are offline clients: GoogleSignIn-iOS never
        # sends access_type, and keeps the refresh token in the keychain (decisions.md).
        offline=access_type == "offline" or client.type in INSTALLED_TYPES,
        include_granted_scopes=(params.get("include_granted_scopes") or "").lower() == "true",
        code_challenge=challenge,
        code_challenge_method=method,
        authuser=parse_authuser(params.get("authuser")),
        origin=_one(params, "origin"),
        api_scopes=api_scopes,
        params=dict(params),
    )

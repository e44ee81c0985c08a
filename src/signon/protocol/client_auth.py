"""Client authentication at the token endpoint: client_secret_basic, client_secret_post, or
none for public clients (which must then prove possession with PKCE)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from signon.errors import InvalidClient, InvalidRequest
from signon.protocol.clients import INSTALLED_TYPES, check_client_secret
from signon.protocol.emulator import UNADOPTED_SECRET
from signon.storage.records import Client
from signon.storage.store import Store

__all__ = ["AuthenticatedClient", "authenticate_client"]


@dataclass(frozen=True, slots=True)
class AuthenticatedClient:
    client: Client
    # False when no secret was presented (public clients): the grant must then be bound to
    # the client by PKCE.
    with_secret: bool
    # Emulator, first-use client without a secret yet: the secret presented, to be adopted by
    # the token endpoint once the grant has succeeded (protocol/emulator.py: adopt_secret).
    adopting: str | None = None


def _basic(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except ValueError:  # binascii.Error, UnicodeDecodeError, and non-ASCII text given to b64decode
        raise InvalidClient("Malformed Authorization header") from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise InvalidClient("Malformed Authorization header")
    # RFC 6749 2.3.1: both parts are form-urlencoded before base64.
    return unquote(client_id), unquote(secret)


async def authenticate_client(
    store: Store, form: Mapping[str, str], authorization: str | None, *, adopt: bool = False
) -> AuthenticatedClient:
    """`adopt` (emulator --register-on-first-use): a client registered on first use takes the
    first secret presented (protocol/emulator.py)."""
    basic = _basic(authorization)
    client_id: str | None
    secret: str | None
    body_id, body_secret = form.get("client_id") or None, form.get("client_secret") or None
    if basic is not None:
        if body_secret is not None:
            raise InvalidRequest("Only one client authentication method may be used")
        if body_id is not None and body_id != basic[0]:
            raise InvalidClient("client_id does not match the Authorization header")
        client_id, secret = basic
    else:
        client_id, secret = body_id, body_secret
    if not client_id:
        raise InvalidRequest("Could not determine client ID from request.")  # Google's words
    client = await store.find_client(client_id)
    if client is None:
        raise InvalidClient("The OAuth client was not found.")
    if secret is None:
        if client.type in INSTALLED_TYPES:
            return AuthenticatedClient(client, with_secret=False)
        raise InvalidClient("Unauthorized")
    if adopt and client.secret_hash == UNADOPTED_SECRET:
        return AuthenticatedClient(client, with_secret=True, adopting=secret)
    if not check_client_secret(client, secret):
        raise InvalidClient("Unauthorized")
    return AuthenticatedClient(client, with_secret=True)

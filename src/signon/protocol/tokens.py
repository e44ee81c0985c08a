"""Access and refresh tokens: minted as random strings in Google's shapes, stored as hashes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from signon.protocol.ids import hash_secret, new_access_token, new_refresh_token
from signon.storage.records import Token, TokenKind
from signon.storage.store import Store

__all__ = ["ACCESS_TOKEN_LIFETIME", "Minted", "find_live_token", "mint_token"]

ACCESS_TOKEN_LIFETIME = 3599  # Google's expires_in


@dataclass(frozen=True, slots=True)
class Minted:
    value: str  # handed to the client once
    record: Token  # what the store keeps (the hash)


def mint_token(
    kind: TokenKind,
    *,
    client_id: str,
    user_sub: str,
    grant_id: str,
    family_id: str,
    scopes: Sequence[str],
    now: int,
    offline: bool = False,
    azp: str | None = None,
) -> Minted:
    value = new_access_token() if kind == "access" else new_refresh_token()
    record = Token(
        token_hash=hash_secret(value),
        kind=kind,
        client_id=client_id,
        user_sub=user_sub,
        grant_id=grant_id,
        family_id=family_id,
        scopes=tuple(scopes),
        created_at=now,
        expires_at=now + ACCESS_TOKEN_LIFETIME if kind == "access" else None,
        offline=offline,
        azp=azp,
    )
    return Minted(value, record)


async def find_live_token(
    store: Store, value: str, now: int, kind: TokenKind | None = None
) -> Token | None:
    """The token if it exists, is of `kind`, is not revoked and has not expired."""
    if not value or len(value) > 4096:
        return None
    token = await store.find_token(hash_secret(value))
    if token is None or token.revoked_at is not None:
        return None
    if kind is not None and token.kind != kind:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    return token

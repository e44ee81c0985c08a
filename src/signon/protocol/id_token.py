"""Minting ID tokens: RS256 with `kid`, Google's claims (spec 2.2), OIDC's hashes."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from joserfc import jwt

from signon.keys.keyring import ID_TOKEN_LIFETIME, Keyring
from signon.protocol.scopes import has_email, has_profile
from signon.storage.records import User

__all__ = ["RESERVED_CLAIMS", "half_hash", "mint_id_token", "user_claims"]

# Claims an account's custom claims may not override: the token's own claims, and the claims that
# come from the account's fields (each has its own field, and scopes decide whether it is shown).
RESERVED_CLAIMS = frozenset(
    {
        "iss",
        "aud",
        "azp",
        "sub",
        "iat",
        "exp",
        "nbf",
        "jti",
        "nonce",
        "at_hash",
        "c_hash",
        "email",
        "email_verified",
        "hd",
        "name",
        "picture",
        "given_name",
        "family_name",
        "locale",
    }
)


def half_hash(value: str) -> str:
    """OIDC Core 3.1.3.6 / 3.3.2.11: left half of SHA-256, base64url (at_hash, c_hash)."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


def user_claims(user: User, scopes: Iterable[str]) -> dict[str, Any]:
    """The claims a user's scopes allow: email with `email`, names and picture with `profile`."""
    scopes = tuple(scopes)
    claims: dict[str, Any] = {}
    if user.hd:
        claims["hd"] = user.hd
    if has_email(scopes):
        claims["email"] = user.email
        claims["email_verified"] = user.email_verified
    if has_profile(scopes):
        for name in ("name", "picture", "given_name", "family_name", "locale"):
            value = getattr(user, name)
            if value:
                claims[name] = value
    return claims


def mint_id_token(
    keyring: Keyring,
    *,
    issuer: str,
    user: User,
    audience: str,
    azp: str,
    scopes: Iterable[str],
    now: int,
    nonce: str | None = None,
    access_token: str | None = None,
    code: str | None = None,
    credential: bool = False,
) -> str:
    """A signed ID token. `credential` adds `nbf` and `jti`, as Google's GIS credentials carry."""
    claims: dict[str, Any] = {"iss": issuer, "azp": azp, "aud": audience, "sub": user.sub}
    claims.update(user_claims(user, scopes))
    if access_token is not None:
        claims["at_hash"] = half_hash(access_token)
    if code is not None:
        claims["c_hash"] = half_hash(code)
    if nonce:
        claims["nonce"] = nonce
    if credential:
        claims["nbf"] = now - 300
    claims["iat"] = now
    claims["exp"] = now + ID_TOKEN_LIFETIME
    if credential:
        claims["jti"] = secrets.token_hex(20)
    for name, value in user.custom_claims.items():
        if name not in RESERVED_CLAIMS:
            claims[name] = value
    signer = keyring.signer()
    header = {"alg": "RS256", "kid": signer.record.kid, "typ": "JWT"}
    return jwt.encode(header, claims, signer.jwk, algorithms=["RS256"])

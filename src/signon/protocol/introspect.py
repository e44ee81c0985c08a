"""tokeninfo and userinfo in Google's response shapes (spec 1.6, 1.7; seed 004)."""

from __future__ import annotations

import json
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from signon.errors import InvalidToken
from signon.keys.keyring import Keyring
from signon.protocol.id_token import user_claims
from signon.protocol.scopes import OPENID, has_email, scope_string
from signon.storage.records import Token, User

__all__ = [
    "access_token_info",
    "as_strings",
    "id_token_info",
    "tokeninfo_v2",
    "userinfo_claims",
    "userinfo_v2",
]


def as_strings(claims: dict[str, Any]) -> dict[str, str]:
    """tokeninfo answers every value as a string: "iat": "1433978353", "email_verified": "true"."""
    out: dict[str, str] = {}
    for key, value in claims.items():
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, str):
            out[key] = value
        else:
            out[key] = json.dumps(value) if isinstance(value, dict | list) else str(value)
    return out


def id_token_info(keyring: Keyring, issuer: str, value: str, now: int) -> dict[str, str]:
    """Verify the signature (RS256 only) and expiry of one of our ID tokens."""
    try:
        token = jwt.decode(value, _key_resolver(keyring), algorithms=["RS256"])
    except (JoseError, ValueError, UnicodeError, KeyError, TypeError):
        raise InvalidToken() from None
    claims = dict(token.claims)
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp <= now or claims.get("iss") != issuer:
        raise InvalidToken()
    header = dict(token.header)
    return as_strings({**claims, **{k: header[k] for k in ("alg", "kid", "typ") if k in header}})


def _key_resolver(keyring: Keyring) -> Any:
    def resolve(obj: Any) -> RSAKey:
        kid = obj.headers().get("kid")
        public = keyring.public_key(kid) if isinstance(kid, str) else None
        if public is None:
            raise ValueError("unknown kid")
        return RSAKey.import_key(public)

    return resolve


def access_token_info(token: Token, user: User | None, now: int) -> dict[str, str]:
    info: dict[str, Any] = {"azp": token.azp or token.client_id, "aud": token.client_id}
    if user is not None and OPENID in token.scopes:
        info["sub"] = user.sub
    info["scope"] = scope_string(token.scopes)
    info["exp"] = token.expires_at or now
    info["expires_in"] = max(0, (token.expires_at or now) - now)
    if user is not None and has_email(token.scopes):
        info["email"] = user.email
        info["email_verified"] = user.email_verified
    info["access_type"] = "offline" if token.offline else "online"
    return as_strings(info)


def tokeninfo_v2(info: dict[str, str], now: int) -> dict[str, Any]:
    """The older `/oauth2/v2/tokeninfo` shape (spec 1.7) of a v3 answer (either form): `issued_to`,
    `audience`, `user_id` where v3 has `azp`, `aud`, `sub`, and typed values (`expires_in` an
    integer, `verified_email` a boolean) where v3 has strings. Not modelled: `token_handle`."""
    body: dict[str, Any] = {"issued_to": info.get("azp", info["aud"]), "audience": info["aud"]}
    if "sub" in info:
        body["user_id"] = info["sub"]
    if "scope" in info:
        body["scope"] = info["scope"]
    body["expires_in"] = max(0, int(info["exp"]) - now)
    if "email" in info:
        body["email"] = info["email"]
        body["verified_email"] = info.get("email_verified") == "true"
    if "access_type" in info:
        body["access_type"] = info["access_type"]
    return body


def userinfo_claims(user: User, scopes: tuple[str, ...]) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": user.sub}
    claims.update(user_claims(user, scopes))
    return claims


def userinfo_v2(user: User, scopes: tuple[str, ...]) -> dict[str, Any]:
    """The older `/oauth2/v2/userinfo` shape (spec 1.6): `id` and `verified_email` where v3 has
    `sub` and `email_verified`; still called by apps written against it."""
    claims = userinfo_claims(user, scopes)
    body: dict[str, Any] = {"id": claims.pop("sub")}
    if "email" in claims:
        body["email"] = claims.pop("email")
        body["verified_email"] = claims.pop("email_verified")
    body.update(claims)
    return body

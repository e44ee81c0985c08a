"""The OpenID Provider metadata document (OpenID Connect Discovery 1.0, RFC 8414)."""

from __future__ import annotations

from typing import Any

__all__ = ["SUPPORTED_CLAIMS", "discovery_document"]

SUPPORTED_CLAIMS = [
    "aud",
    "email",
    "email_verified",
    "exp",
    "family_name",
    "given_name",
    "hd",
    "iat",
    "iss",
    "locale",
    "name",
    "picture",
    "sub",
]


def discovery_document(issuer: str) -> dict[str, Any]:
    # Field order and values follow Google's document; every URL is on the issuer's origin.
    return {
        "issuer": issuer,
        "jwks_uri": f"{issuer}/oauth2/v3/certs",
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": SUPPORTED_CLAIMS,
    }

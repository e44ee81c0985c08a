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
        "authorization_endpoint": f"{issuer}/o/oauth2/v2/auth",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/v1/userinfo",
        "revocation_endpoint": f"{issuer}/revoke",
        "jwks_uri": f"{issuer}/oauth2/v3/certs",
        "response_types_supported": [
            "code",
            "token",
            "id_token",
            "code token",
            "code id_token",
            "token id_token",
            "code token id_token",
            "none",
        ],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": SUPPORTED_CLAIMS,
        "code_challenge_methods_supported": ["plain", "S256"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "authorization_response_iss_parameter_supported": True,
    }

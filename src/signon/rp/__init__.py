"""signon.rp: the relying-party SDK for Google Sign-In and signon (httpx + cryptography only)."""

from __future__ import annotations

from signon.rp.claims import ANY_HOSTED_DOMAIN, IdToken
from signon.rp.client import OAuthClient
from signon.rp.errors import (
    BodyTooLarge,
    CertsUnavailable,
    CsrfCheckFailed,
    Expired,
    IdTokenError,
    InvalidSignature,
    Malformed,
    MissingField,
    MissingRequestedWith,
    NotYetValid,
    OAuthEndpointError,
    RequestRefused,
    RpError,
    TokenEndpointError,
    UnknownKey,
    UnsupportedAlgorithm,
    WrongAudience,
    WrongAuthorizedParty,
    WrongHostedDomain,
    WrongIssuer,
    WrongNonce,
)
from signon.rp.helpers import (
    check_csrf_double_submit,
    check_requested_with,
    error_status,
    get_auth_code,
    get_login_credential,
    get_tokensignin_token,
)
from signon.rp.keycache import KeyCache
from signon.rp.tokens import TokenSet
from signon.rp.verify import GOOGLE_CERTS_URL, GOOGLE_ISSUERS, IdTokenVerifier, verify_id_token

__all__ = [
    "ANY_HOSTED_DOMAIN",
    "GOOGLE_CERTS_URL",
    "GOOGLE_ISSUERS",
    "BodyTooLarge",
    "CertsUnavailable",
    "CsrfCheckFailed",
    "Expired",
    "IdToken",
    "IdTokenError",
    "IdTokenVerifier",
    "InvalidSignature",
    "KeyCache",
    "Malformed",
    "MissingField",
    "MissingRequestedWith",
    "NotYetValid",
    "OAuthClient",
    "OAuthEndpointError",
    "RequestRefused",
    "RpError",
    "TokenEndpointError",
    "TokenSet",
    "UnknownKey",
    "UnsupportedAlgorithm",
    "WrongAudience",
    "WrongAuthorizedParty",
    "WrongHostedDomain",
    "WrongIssuer",
    "WrongNonce",
    "check_csrf_double_submit",
    "check_requested_with",
    "error_status",
    "get_auth_code",
    "get_login_credential",
    "get_tokensignin_token",
    "verify_id_token",
]

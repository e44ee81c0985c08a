"""Turn a published key document (JWKS or Google's PEM-certificate map) into RSA public keys."""

from __future__ import annotations

import binascii
import re
from collections.abc import Mapping
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey, RSAPublicNumbers
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from signon.rp.jwt import b64url_decode

_MAX_AGE: Final = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE | re.ASCII)


class KeySetError(ValueError):
    """The document is not a usable key set."""


def _jwk_to_key(jwk: Mapping[str, Any]) -> RSAPublicKey | None:
    if jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig":
        return None  # Not an RSA signing key (an EC or encryption key): not ours to use.
    if jwk.get("alg", "RS256") != "RS256":
        return None
    n, e = jwk.get("n"), jwk.get("e")
    if not isinstance(n, str) or not isinstance(e, str):
        raise KeySetError("an RSA JWK lacks 'n' or 'e'")
    try:  # RFC 7518 says unpadded; a padded value from the trusted endpoint is still accepted.
        numbers = RSAPublicNumbers(
            int.from_bytes(b64url_decode(e.encode().rstrip(b"=")), "big"),
            int.from_bytes(b64url_decode(n.encode().rstrip(b"=")), "big"),
        )
        return numbers.public_key()
    except (binascii.Error, ValueError) as exc:
        raise KeySetError(f"RSA JWK {jwk.get('kid')!r} is invalid: {exc}") from exc


def _pem_to_key(pem: str) -> RSAPublicKey | None:
    data = pem.encode("ascii", "replace")
    try:
        if b"BEGIN CERTIFICATE" in data:
            # Google's v1/certs: self-signed certificates used only as key containers, so (like
            # google-auth) their validity dates are not checked; rotation is signalled by removal.
            cert_key = x509.load_pem_x509_certificate(data).public_key()
            return cert_key if isinstance(cert_key, RSAPublicKey) else None
        key = load_pem_public_key(data)
    except ValueError as exc:
        raise KeySetError(f"not a PEM certificate or public key: {exc}") from exc
    return key if isinstance(key, RSAPublicKey) else None


def parse_key_set(document: object) -> dict[str, RSAPublicKey]:
    """``{"keys": [JWK, ...]}`` (v3/certs) or ``{kid: "-----BEGIN CERTIFICATE-----..."}`` (v1)."""
    if not isinstance(document, dict):
        raise KeySetError("the key document is not a JSON object")
    keys: dict[str, RSAPublicKey] = {}
    if "keys" in document:
        jwks = document["keys"]
        if not isinstance(jwks, list):
            raise KeySetError("'keys' is not a list")
        for jwk in jwks:
            if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
                continue  # A key without a kid can never be selected: Google always sets one.
            key = _jwk_to_key(jwk)
            if key is not None:
                keys[jwk["kid"]] = key
        return keys
    for kid, pem in document.items():
        if not isinstance(pem, str):
            raise KeySetError(f"the value for kid {kid!r} is not a PEM string")
        key = _pem_to_key(pem)
        if key is not None:
            keys[kid] = key
    return keys


def max_age(cache_control: str | None, age: str | None) -> float | None:
    """Freshness lifetime from ``Cache-Control: max-age`` minus ``Age``; None if not cacheable.

    ``no-store``/``no-cache`` and a missing header all return None: the caller substitutes its
    short default rather than refetching on every verification.
    """
    if not cache_control:
        return None
    lowered = cache_control.lower()
    if "no-store" in lowered or "no-cache" in lowered:
        return None
    match = _MAX_AGE.search(cache_control)
    if match is None:
        return None
    seconds = float(match.group(1))
    if age is not None and age.strip().isascii() and age.strip().isdigit():
        seconds -= float(age.strip())
    return seconds if seconds > 0 else None

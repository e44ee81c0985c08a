"""RSA-2048 key material: generation, encryption at rest, X.509 certificate, JWK view."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID

__all__ = [
    "KeyDecryptionError",
    "check_certificate",
    "generate_private_key",
    "is_sealed",
    "kid_for",
    "open_private_key",
    "public_jwk",
    "seal_private_key",
    "self_signed_certificate",
]


class KeyDecryptionError(Exception):
    """A stored signing key cannot be opened with the configured SIGNON_SECRET_KEY."""


def generate_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def kid_for(public_key: rsa.RSAPublicKey) -> str:
    # 40 hex characters, the shape of Google's key IDs.
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha1(der, usedforsecurity=False).hexdigest()


def _aead(secret_key: str) -> AESGCM:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"signon signing keys", info=b"v1"
    ).derive(secret_key.encode("utf-8"))
    return AESGCM(key)


def seal_private_key(key: rsa.RSAPrivateKey, secret_key: str | None, kid: str) -> str:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    if not secret_key:
        return pem.decode("ascii")
    nonce = os.urandom(12)
    sealed = _aead(secret_key).encrypt(nonce, pem, kid.encode("ascii"))
    return "v1:" + base64.b64encode(nonce + sealed).decode("ascii")


def is_sealed(stored: str) -> bool:
    return stored.startswith("v1:")


def open_private_key(stored: str, secret_key: str | None, kid: str) -> rsa.RSAPrivateKey:
    if stored.startswith("v1:"):
        if not secret_key:
            raise KeyDecryptionError(
                f"signing key {kid} is encrypted at rest; set SIGNON_SECRET_KEY to open it"
            )
        blob = base64.b64decode(stored[3:])
        try:
            pem = _aead(secret_key).decrypt(blob[:12], blob[12:], kid.encode("ascii"))
        except Exception as exc:
            raise KeyDecryptionError(
                f"signing key {kid} cannot be decrypted: SIGNON_SECRET_KEY is not the one "
                "it was sealed with"
            ) from exc
    else:
        pem = stored.encode("ascii")
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyDecryptionError(f"signing key {kid} is not an RSA key")
    return key


def self_signed_certificate(key: rsa.RSAPrivateKey, now: int, lifetime: int) -> str:
    """The PEM certificate served at /oauth2/v1/certs, shaped like Google's."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "signon.federated-signon")])
    start = dt.datetime.fromtimestamp(now - 3600, tz=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(seconds=lifetime + 3600))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def check_certificate(pem: str, key: rsa.RSAPrivateKey) -> None:
    """ValueError unless `pem` is one X.509 certificate of `key`'s public key, exactly as
    `self_signed_certificate` writes it. /oauth2/v1/certs serves the stored text as it is, and
    relying parties that verify with it must get the key that signs (for keys that arrive from
    outside: an import)."""
    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    except ValueError:  # UnicodeEncodeError included
        raise ValueError("not a PEM certificate") from None
    if cert.public_bytes(serialization.Encoding.PEM).decode("ascii") != pem:
        raise ValueError("not exactly one PEM certificate (text around it, or several)")
    der, spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    certified = cert.public_key().public_bytes(der, spki)
    if certified != key.public_key().public_bytes(der, spki):
        raise ValueError("the certificate's public key is not the private key's")


def _b64u_int(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def public_jwk(public_key: rsa.RSAPublicKey, kid: str) -> dict[str, str]:
    numbers = public_key.public_numbers()
    return {
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "kid": kid,
        "n": _b64u_int(numbers.n),
        "e": _b64u_int(numbers.e),
    }

"""Test doubles for signon.rp: RSA keys, a token minter, a fake JWKS endpoint (MockTransport)."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from signon.rp import IdTokenVerifier

CLIENT_ID = "1008719970978-hb24n2dstb40o45d4feuo2ukqmcc6381.apps.googleusercontent.com"
NOW = 1_433_978_400.0
CERTS_URL = "https://www.googleapis.com/oauth2/v3/certs"

_KEY_CACHE: dict[str, rsa.RSAPrivateKey] = {}


def test_key(name: str) -> rsa.RSAPrivateKey:
    """RSA-2048 keys, generated once per session per name."""
    if name not in _KEY_CACHE:
        _KEY_CACHE[name] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _KEY_CACHE[name]


test_key.__test__ = False  # type: ignore[attr-defined]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk(kid: str, key: rsa.RSAPrivateKey) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    return {
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "kid": kid,
        "n": b64url(numbers.n.to_bytes(256, "big")),
        "e": b64url(numbers.e.to_bytes(3, "big")),
    }


def pem_cert(key: rsa.RSAPrivateKey) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "federated-signon.test")])
    import datetime

    start = datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=2))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def google_claims(now: float = NOW, **overrides: Any) -> dict[str, Any]:
    """The seed 004 tokeninfo example, with JWT types (numbers, boolean email_verified)."""
    claims: dict[str, Any] = {
        "iss": "https://accounts.google.com",
        "sub": "110169484474386276334",
        "azp": CLIENT_ID,
        "aud": CLIENT_ID,
        "iat": int(now),
        "exp": int(now) + 3600,
        "email": "testuser@gmail.com",
        "email_verified": True,
        "name": "Test User",
        "picture": "https://lh4.googleusercontent.com/-kYgzyAWpZzJ/ABCDEFGHI/AAAJKLMNOP/tIXL9Ir44LE/s99-c/photo.jpg",
        "given_name": "Test",
        "family_name": "User",
        "locale": "en",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FakeIdp:
    """A JWKS / PEM-map endpoint behind httpx.MockTransport that counts its fetches."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {"k1": test_key("k1"), "k2": test_key("k2")}
        self.format = "jwks"
        self.status = 200
        self.down = False
        self.headers: dict[str, str] = {
            "cache-control": "public, max-age=3600, must-revalidate, no-transform"
        }
        self.fetches = 0
        self.clock = Clock()
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if self.format == "html":
            return httpx.Response(self.status, text="<html>captive portal</html>")
        if self.format == "nested":  # JSON too deep for a recursive parser
            nested = b'{"keys":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
            return httpx.Response(self.status, content=nested, headers=self.headers)
        if self.format == "jwks":
            body: Any = {"keys": [jwk(kid, key) for kid, key in self.keys.items()]}
        else:
            body = {kid: pem_cert(key) for kid, key in self.keys.items()}
        return httpx.Response(self.status, json=body, headers=self.headers)

    def mint(self, kid: str = "k1", headers: dict[str, Any] | None = None, **claims: Any) -> str:
        key = self.keys.get(kid) or test_key(kid)
        return sign(key, {"kid": kid, **(headers or {})}, google_claims(self.clock.now, **claims))

    def verifier(self, **kwargs: Any) -> IdTokenVerifier:
        kwargs.setdefault("clock", self.clock)
        return IdTokenVerifier(
            kwargs.pop("audience", CLIENT_ID),
            http=httpx.Client(transport=self.transport),
            async_http=httpx.AsyncClient(transport=self.transport),
            **kwargs,
        )


def sign(key: rsa.RSAPrivateKey, header: dict[str, Any], claims: dict[str, Any]) -> str:
    """RS256 by hand (PyJWT refuses some of the odd claims the tests need)."""
    head = b64url(json.dumps({"alg": "RS256", "typ": "JWT", **header}).encode())
    body = b64url(json.dumps(claims).encode())
    signature = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64url(signature)}"


def unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    """A compact JWS assembled by hand, for hostile tokens."""
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(claims).encode())
    return f"{head}.{body}.{b64url(signature)}"

"""Signing keys over HTTP: JWKS, PEM certificates of the same keys, discovery on the issuer."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from signon.keys.keyring import ID_TOKEN_LIFETIME, RETIRE_MARGIN, Keyring
from signon.storage import open_store
from tests.conftest import FakeClock, Harness, harness_for, make_settings

CERT_PATHS = ("/oauth2/v3/certs", "/oauth2/v1/certs")


def b64u_int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def jwks_moduli(harness: Harness) -> dict[str, int]:
    response = harness.client.get("/oauth2/v3/certs")
    assert response.status_code == 200
    return {k["kid"]: b64u_int(k["n"]) for k in response.json()["keys"]}


def pem_moduli(harness: Harness) -> dict[str, int]:
    response = harness.client.get("/oauth2/v1/certs")
    assert response.status_code == 200
    moduli = {}
    for kid, pem in response.json().items():
        public = x509.load_pem_x509_certificate(pem.encode()).public_key()
        assert isinstance(public, rsa.RSAPublicKey)
        moduli[kid] = public.public_numbers().n
    return moduli


def rotate(harness: Harness) -> str:
    return harness.run(harness.ctx.keyring.rotate).kid


def cache_directives(response: Any) -> dict[str, str | None]:
    directives: dict[str, str | None] = {}
    for part in response.headers["cache-control"].split(","):
        name, _, value = part.strip().partition("=")
        directives[name.lower()] = value or None
    return directives


def test_jwks_lists_the_signing_key(harness: Harness) -> None:
    response = harness.client.get("/oauth2/v3/certs")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    [key] = response.json()["keys"]
    assert set(key) == {"kty", "alg", "use", "kid", "n", "e"}
    signer = harness.ctx.keyring.signer()
    assert (key["kty"], key["alg"], key["use"], key["kid"], key["e"]) == (
        "RSA",
        "RS256",
        "sig",
        signer.record.kid,
        "AQAB",
    )
    assert b64u_int(key["n"]) == signer.private_key.public_key().public_numbers().n


def test_pem_certs_map_kid_to_certificate(harness: Harness) -> None:
    response = harness.client.get("/oauth2/v1/certs")
    assert response.status_code == 200
    [(kid, pem)] = response.json().items()
    assert kid == harness.ctx.keyring.signer().record.kid
    assert pem.startswith("-----BEGIN CERTIFICATE-----\n")
    assert pem.endswith("-----END CERTIFICATE-----\n")


def test_jwks_and_pem_certs_show_the_same_keys(harness: Harness) -> None:
    rotate(harness)
    jwks = jwks_moduli(harness)
    assert len(jwks) == 2
    assert pem_moduli(harness) == jwks


def test_certs_publish_rotated_key_at_once_and_drop_old_key_later(
    harness: Harness, clock: FakeClock
) -> None:
    old = harness.ctx.keyring.signer().record.kid
    new = rotate(harness)
    assert list(jwks_moduli(harness)) == [old, new]
    clock.advance(harness.ctx.keyring.pending_period + ID_TOKEN_LIFETIME + RETIRE_MARGIN)
    assert list(jwks_moduli(harness)) == [new]
    assert list(pem_moduli(harness)) == [new]


def test_certs_show_a_key_rotated_by_another_process(
    harness: Harness, clock: FakeClock, sqlite_url: str
) -> None:
    # `signon keys rotate` is another process: it shares only the database with the server.
    async def rotate_elsewhere() -> str:
        store = open_store(sqlite_url)
        try:
            keyring = Keyring(store, clock=clock, secret_key=None, jwks_max_age=3600)
            await keyring.load()
            return (await keyring.rotate()).kid
        finally:
            await store.close()

    new = harness.run(rotate_elsewhere)
    clock.advance(harness.ctx.keyring.reload_interval)
    assert new in jwks_moduli(harness)
    assert new in pem_moduli(harness)


@pytest.mark.parametrize("path", CERT_PATHS)
def test_certs_cacheable_for_jwks_max_age(path: str, sqlite_url: str, clock: FakeClock) -> None:
    with harness_for(make_settings(sqlite_url, jwks_max_age=120), clock) as h:
        response = h.client.get(path)
    directives = cache_directives(response)
    assert "public" in directives
    assert directives["max-age"] == "120"
    assert "no-store" not in directives
    assert "private" not in directives


@pytest.mark.parametrize("path", CERT_PATHS)
def test_certs_default_max_age_matches_settings(harness: Harness, path: str) -> None:
    directives = cache_directives(harness.client.get(path))
    assert directives["max-age"] == str(harness.ctx.settings.jwks_max_age) == "3600"


@pytest.fixture
def https_harness(sqlite_url: str, clock: FakeClock) -> Iterator[Harness]:
    settings = make_settings(
        sqlite_url, issuer="https://accounts.example.test", secret_key="x" * 32
    )
    with harness_for(settings, clock) as h:
        yield h


def test_discovery_issuer_and_jwks_uri_on_the_issuer(https_harness: Harness) -> None:
    response = https_harness.client.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    doc = response.json()
    assert doc["issuer"] == "https://accounts.example.test"
    assert doc["jwks_uri"] == "https://accounts.example.test/oauth2/v3/certs"


def test_discovery_every_endpoint_on_the_issuer_origin(https_harness: Harness) -> None:
    doc = https_harness.client.get("/.well-known/openid-configuration").json()
    urls = {k: v for k, v in doc.items() if k.endswith(("_endpoint", "_uri"))}
    assert "jwks_uri" in urls
    for name, url in urls.items():
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("https", "accounts.example.test"), name


def test_discovery_ignores_the_request_host(https_harness: Harness) -> None:
    doc = https_harness.client.get(
        "/.well-known/openid-configuration", headers={"Host": "evil.example"}
    ).json()
    assert doc["issuer"] == "https://accounts.example.test"
    assert doc["jwks_uri"] == "https://accounts.example.test/oauth2/v3/certs"


def test_discovery_jwks_uri_serves_the_jwks(harness: Harness) -> None:
    doc = harness.client.get("/.well-known/openid-configuration").json()
    assert doc["issuer"] == "http://testserver"
    path = urlsplit(doc["jwks_uri"]).path
    assert harness.client.get(path).json() == harness.client.get("/oauth2/v3/certs").json()

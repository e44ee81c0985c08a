"""Minting ID tokens: header, Google's claims by scope, OIDC hashes, GIS credential claims."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any, cast

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey

from signon.keys.keyring import Keyring, LoadedKey
from signon.protocol.id_token import half_hash, mint_id_token
from signon.protocol.scopes import EMAIL, OPENID, PROFILE
from signon.storage.records import SigningKey, User

ISSUER = "https://id.example"
AUD = "111-web.apps.googleusercontent.com"
AZP = "111-ios.apps.googleusercontent.com"
NOW = 1_790_000_000
KID = "0123456789abcdef0123456789abcdef01234567"


class OneKey:
    """The part of a Keyring that minting uses: the key that signs now."""

    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        self.loaded = LoadedKey(
            SigningKey(kid=KID, private_key=""), private_key, RSAKey.import_key(private_key)
        )

    def signer(self) -> LoadedKey:
        return self.loaded


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def keyring(private_key: rsa.RSAPrivateKey) -> Keyring:
    return cast(Keyring, OneKey(private_key))


ADA = User(
    sub="112233445566778899001",
    email="ada@example.com",
    name="Ada Lovelace",
    given_name="Ada",
    family_name="Lovelace",
    picture="https://lh3.googleusercontent.com/a/ada=s96-c",
    locale="en",
)


def mint(keyring: Keyring, user: User = ADA, scopes: tuple[str, ...] = (OPENID,), **kw: Any) -> str:
    return mint_id_token(
        keyring, issuer=ISSUER, user=user, audience=AUD, azp=AZP, scopes=scopes, now=NOW, **kw
    )


def claims_of(token: str, private_key: rsa.RSAPrivateKey) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(
        token,
        private_key.public_key(),
        algorithms=["RS256"],
        audience=AUD,
        issuer=ISSUER,
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    return decoded


def expected_half_hash(value: str) -> str:
    digest = hashlib.sha256(value.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def test_id_token_header_is_rs256_with_kid_and_typ(keyring: Keyring) -> None:
    assert jwt.get_unverified_header(mint(keyring)) == {"alg": "RS256", "kid": KID, "typ": "JWT"}


def test_id_token_openid_scope_has_only_the_core_claims(
    keyring: Keyring, private_key: rsa.RSAPrivateKey
) -> None:
    assert claims_of(mint(keyring), private_key) == {
        "iss": ISSUER,
        "azp": AZP,
        "aud": AUD,
        "sub": ADA.sub,
        "iat": NOW,
        "exp": NOW + 3600,
    }


def test_id_token_email_scope_adds_email_and_boolean_email_verified(
    keyring: Keyring, private_key: rsa.RSAPrivateKey
) -> None:
    claims = claims_of(mint(keyring, scopes=(EMAIL, OPENID)), private_key)
    assert claims["email"] == "ada@example.com"
    assert claims["email_verified"] is True
    assert "name" not in claims


def test_id_token_unverified_email_is_false(
    keyring: Keyring, private_key: rsa.RSAPrivateKey
) -> None:
    user = User(sub=ADA.sub, email="ada@example.com", email_verified=False)
    claims = claims_of(mint(keyring, user, scopes=(EMAIL, OPENID)), private_key)
    assert claims["email_verified"] is False


def test_id_token_profile_scope_adds_profile_claims(
    keyring: Keyring, private_key: rsa.RSAPrivateKey
) -> None:
    claims = claims_of(mint(keyring, scopes=(PROFILE, OPENID)), private_key)
    assert {k: claims[k] for k in ("name", "given_name", "family_name", "picture", "locale")} == {
        "name": "Ada Lovelace",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "picture": "https://lh3.googleusercontent.com/a/ada=s96-c",
        "locale": "en",
    }
    assert "email" not in claims


def test_id_token_profile_claims_the_user_lacks_are_left_out(
    keyring: Keyring, private_key: rsa.RSAPrivateKey
) -> None:
    user = User(sub=ADA.sub, email="x@example.com", given_name="X")
    claims = claims_of(mint(keyring, user, scopes=(PROFILE, OPENID)), private_key)
    assert claims["given_name"] == "X"
    assert not {"name", "family_name", "picture", "locale"} & set(claims)


def test_id_token_hd_for_hosted_domain_user(
    keyring: Keyring, private_key: rsa.RSAPrivateKey
) -> None:
    user = User(sub=ADA.sub, email="ada@corp.example", hd="corp.example")
    assert claims_of(mint(keyring, user, scopes=(EMAIL, OPENID)), private_key)["hd"] == (
        "corp.example"
    )


def test_id_token_no_hd_for_consumer_user(keyring: Keyring, private_key: rsa.RSAPrivateKey) -> None:
    assert "hd" not in claims_of(mint(keyring, scopes=(EMAIL, OPENID)), private_key)


def test_id_token_at_hash_is_the_left_half_of_sha256(
    keyring: Keyring, private_key: rsa.RSAPrivateKey
) -> None:
    claims = claims_of(mint(keyring, access_token="ya29.a0AfH6SMBx"), private_key)
    assert claims["at_hash"] == expected_half_hash("ya29.a0AfH6SMBx")
    assert "c_hash" not in claims


def test_id_token_c_hash_is_the_left_half_of_sha256(
    keyring: Keyring, private_key: rsa.RSAPrivateKey
) -> None:
    claims = claims_of(mint(keyring, code="4/0AX4XfWi"), private_key)
    assert claims["c_hash"] == expected_half_hash("4/0AX4XfWi")
    assert "at_hash" not in claims


def test_half_hash_oidc_example() -> None:
    # The access token and at_hash of OpenID Connect Core 1.0's "id_token token" example.
    assert half_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y") == "77QmUPtjPfzWtF2AnpK9RQ"


def test_id_token_nonce_is_copied(keyring: Keyring, private_key: rsa.RSAPrivateKey) -> None:
    assert claims_of(mint(keyring, nonce="n-0S6_WzA2Mj"), private_key)["nonce"] == "n-0S6_WzA2Mj"


@pytest.mark.parametrize("nonce", [None, ""])
def test_id_token_without_nonce_has_no_nonce_claim(
    keyring: Keyring, private_key: rsa.RSAPrivateKey, nonce: str | None
) -> None:
    assert "nonce" not in claims_of(mint(keyring, nonce=nonce), private_key)


def test_id_token_credential_adds_nbf_and_jti(
    keyring: Keyring, private_key: rsa.RSAPrivateKey
) -> None:
    claims = claims_of(mint(keyring, credential=True), private_key)
    assert claims["nbf"] <= claims["iat"]
    assert re.fullmatch(r"[0-9a-f]{40}", claims["jti"])
    assert claims["exp"] - claims["iat"] == 3600


def test_id_token_credential_jti_is_unique(
    keyring: Keyring, private_key: rsa.RSAPrivateKey
) -> None:
    first = claims_of(mint(keyring, credential=True), private_key)["jti"]
    assert claims_of(mint(keyring, credential=True), private_key)["jti"] != first


def test_id_token_without_credential_has_no_nbf_or_jti(
    keyring: Keyring, private_key: rsa.RSAPrivateKey
) -> None:
    claims = claims_of(mint(keyring), private_key)
    assert "nbf" not in claims
    assert "jti" not in claims


def test_id_token_custom_claims_are_added(keyring: Keyring, private_key: rsa.RSAPrivateKey) -> None:
    user = User(sub=ADA.sub, email="a@example.com", custom_claims={"role": "admin", "n": 3})
    claims = claims_of(mint(keyring, user), private_key)
    assert claims["role"] == "admin"
    assert claims["n"] == 3


def test_id_token_custom_claims_cannot_override_reserved_claims(
    keyring: Keyring, private_key: rsa.RSAPrivateKey
) -> None:
    reserved = [
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
    ]
    user = User(sub=ADA.sub, email="a@example.com", custom_claims={k: "forged" for k in reserved})
    token = mint(
        keyring,
        user,
        scopes=(OPENID, EMAIL),
        nonce="real",
        access_token="ya29.x",
        code="4/0A",
        credential=True,
    )
    claims = claims_of(token, private_key)
    assert "forged" not in claims.values()
    assert claims["sub"] == ADA.sub
    assert claims["nonce"] == "real"
    assert claims["email"] == "a@example.com"


def test_id_token_reserved_custom_claims_are_not_added_when_absent(
    keyring: Keyring, private_key: rsa.RSAPrivateKey
) -> None:
    user = User(sub=ADA.sub, email="a@example.com", custom_claims={"nonce": "x", "nbf": 1})
    claims = claims_of(mint(keyring, user), private_key)
    assert "nonce" not in claims
    assert "nbf" not in claims

"""IdTokenVerifier: every check, every failure, Google's token shapes and hostile tokens."""

from __future__ import annotations

import hashlib
import hmac
import json
import pickle
import re
import time
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from rp_fakes import CLIENT_ID, NOW, FakeIdp, b64url, google_claims, test_key, unsigned

from signon.rp import (
    ANY_HOSTED_DOMAIN,
    Expired,
    IdToken,
    IdTokenError,
    InvalidSignature,
    Malformed,
    NotYetValid,
    RpError,
    UnknownKey,
    UnsupportedAlgorithm,
    WrongAudience,
    WrongAuthorizedParty,
    WrongHostedDomain,
    WrongIssuer,
    WrongNonce,
    verify_id_token,
)

ANDROID_CLIENT = "1008719970978-android0000000000000000000000000.apps.googleusercontent.com"


def test_verify_returns_seed_004_claims_typed(idp: FakeIdp) -> None:
    token = idp.verifier().verify(idp.mint())
    assert (token.sub, token.email, token.email_verified, token.hd) == (
        "110169484474386276334",
        "testuser@gmail.com",
        True,
        None,
    )
    assert (token.name, token.given_name, token.family_name, token.locale) == (
        "Test User",
        "Test",
        "User",
        "en",
    )
    assert token.picture == (
        "https://lh4.googleusercontent.com/-kYgzyAWpZzJ/ABCDEFGHI/AAAJKLMNOP/tIXL9Ir44LE/s99-c/photo.jpg"
    )
    assert (token.aud, token.azp, token.iss) == (
        CLIENT_ID,
        CLIENT_ID,
        "https://accounts.google.com",
    )
    assert (token.iat, token.exp, token.nonce) == (1433978400, 1433982000, None)
    assert token == IdToken(google_claims(), CLIENT_ID)
    assert dict(token.claims) == google_claims()


@pytest.mark.parametrize("iss", ["https://accounts.google.com", "accounts.google.com"])
def test_verify_accepts_both_google_issuer_spellings(idp: FakeIdp, iss: str) -> None:
    assert idp.verifier().verify(idp.mint(iss=iss)).iss == iss


def test_verify_accepts_signon_issuer_when_configured(idp: FakeIdp) -> None:
    verifier = idp.verifier(
        issuer="http://127.0.0.1:8080", certs_url="http://127.0.0.1:8080/oauth2/v3/certs"
    )
    assert verifier.verify(idp.mint(iss="http://127.0.0.1:8080")).iss == "http://127.0.0.1:8080"
    with pytest.raises(WrongIssuer):
        verifier.verify(idp.mint())


def test_verify_reads_pem_certificate_map(idp: FakeIdp) -> None:
    idp.format = "pem"
    assert idp.verifier(certs_url="https://x/oauth2/v1/certs").verify(idp.mint("k2")).sub


def test_verify_email_verified_false_and_missing_profile(idp: FakeIdp) -> None:
    token = idp.verifier().verify(
        idp.mint(email_verified=False, name=None, picture=None, locale=None, email=None)
    )
    assert (token.email_verified, token.email, token.name, token.locale) == (
        False,
        None,
        None,
        None,
    )


def test_verify_result_is_frozen(idp: FakeIdp) -> None:
    token = idp.verifier().verify(idp.mint())
    with pytest.raises(AttributeError):
        token.sub = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        token.claims["sub"] = "other"  # type: ignore[index]


# --- hostile and malformed tokens: refused before any key is fetched ----------------------------


def test_verify_rejects_alg_none_without_fetching_keys(idp: FakeIdp) -> None:
    token = unsigned({"alg": "none", "kid": "k1"}, google_claims())
    with pytest.raises(UnsupportedAlgorithm, match="'none' is not accepted; only RS256"):
        idp.verifier().verify(token)
    assert idp.fetches == 0


def test_verify_rejects_hs256_signed_with_public_key_bytes(idp: FakeIdp) -> None:
    public_pem = (
        test_key("k1")
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    head = b64url(json.dumps({"alg": "HS256", "kid": "k1", "typ": "JWT"}).encode())
    body = b64url(json.dumps(google_claims()).encode())
    mac = hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    with pytest.raises(UnsupportedAlgorithm, match="'HS256'"):
        idp.verifier().verify(f"{head}.{body}.{b64url(mac)}")
    assert idp.fetches == 0


@pytest.mark.parametrize("alg", ["RS512", "PS256", "ES256", "rs256", None])
def test_verify_rejects_other_algorithms(idp: FakeIdp, alg: str | None) -> None:
    with pytest.raises(UnsupportedAlgorithm):
        idp.verifier().verify(unsigned({"alg": alg, "kid": "k1"}, google_claims(), b"x" * 256))
    assert idp.fetches == 0


def test_verify_rejects_token_without_kid(idp: FakeIdp) -> None:
    token = unsigned({"alg": "RS256"}, google_claims(), b"x" * 256)
    with pytest.raises(Malformed, match="no 'kid'"):
        idp.verifier().verify(token)


def test_verify_rejects_crit_header(idp: FakeIdp) -> None:
    with pytest.raises(Malformed, match="crit"):
        idp.verifier().verify(idp.mint(headers={"crit": ["exp"], "exp": 1}))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda t: t.rsplit(".", 1)[0], "has 2"),
        (lambda t: t + ".x", "has 4"),
        (lambda t: t[: len(t) // 2], "not base64url|has 2"),
        (lambda t: "", "has 1"),
        (lambda t: "not.a.jwt!", "not base64url-encoded JSON"),
        (lambda t: b64url(b"[1]") + "." + t.split(".", 1)[1], "not a JSON object"),
        (lambda t: t.split(".")[0] + "." + b64url(b"not json") + ".AAAA", "payload is not"),
        (lambda t: t.split(".")[0] + "." + b64url(b"[]") + ".AAAA", "payload is not a JSON"),
        (lambda t: t[:-2] + "*A", "signature is not base64url"),
        (lambda t: "a" * 20000, "16 KiB"),
    ],
)
def test_verify_rejects_malformed_token(idp: FakeIdp, make: Any, message: str) -> None:
    with pytest.raises(Malformed, match=message):
        idp.verifier().verify(make(idp.mint()))


def test_verify_rejects_non_finite_json_numbers(idp: FakeIdp) -> None:
    head = b64url(json.dumps({"alg": "RS256", "kid": "k1"}).encode())
    body = b64url(b'{"exp": Infinity, "iat": 0}')
    with pytest.raises(Malformed, match="payload is not"):
        idp.verifier().verify(f"{head}.{body}.AAAA")


def test_verify_rejects_non_ascii_token(idp: FakeIdp) -> None:
    with pytest.raises(Malformed, match="non-ASCII"):
        idp.verifier().verify(idp.mint() + "é")


def test_verify_rejects_token_signed_by_another_key(idp: FakeIdp) -> None:
    forged = idp.mint("k3", headers={"kid": "k1"})  # signed with k3, claims to be k1
    with pytest.raises(InvalidSignature, match="does not verify with key 'k1'"):
        idp.verifier().verify(forged)


def test_verify_rejects_altered_payload(idp: FakeIdp) -> None:
    head, _, sig = idp.mint().split(".")
    body = b64url(json.dumps(google_claims(sub="1")).encode())
    with pytest.raises(InvalidSignature):
        idp.verifier().verify(f"{head}.{body}.{sig}")


def test_verify_rejects_truncated_signature(idp: FakeIdp) -> None:
    head, body, sig = idp.mint().split(".")
    with pytest.raises(InvalidSignature):  # 340 characters: a well-formed 255-byte signature
        idp.verifier().verify(f"{head}.{body}.{sig[:340]}")


def test_verify_rejects_unknown_kid(idp: FakeIdp) -> None:
    with pytest.raises(UnknownKey, match="'k9' is not among the keys published"):
        idp.verifier().verify(idp.mint("k9"))


# --- claims ---------------------------------------------------------------------------------


def test_verify_rejects_wrong_issuer(idp: FakeIdp) -> None:
    with pytest.raises(WrongIssuer, match=re.escape("'https://evil.example' is not one of")):
        idp.verifier().verify(idp.mint(iss="https://evil.example"))


@pytest.mark.parametrize("iss", [None, ["accounts.google.com"], 1])
def test_verify_rejects_missing_or_non_string_issuer(idp: FakeIdp, iss: Any) -> None:
    with pytest.raises(WrongIssuer):
        idp.verifier().verify(idp.mint(iss=iss))


def test_verify_wrong_audience_message_names_client_ids(idp: FakeIdp) -> None:
    with pytest.raises(WrongAudience) as info:
        idp.verifier().verify(idp.mint(aud="someone-else"))
    assert str(info.value) == (
        f"ID token audience 'someone-else' is not one of the accepted client IDs ['{CLIENT_ID}']; "
        "check the client_id your front end uses"
    )


def test_verify_accepts_any_of_several_audiences(idp: FakeIdp) -> None:
    verifier = idp.verifier(audience=[CLIENT_ID, "web-2"])
    assert verifier.verify(idp.mint(aud="web-2")).aud == "web-2"


def test_verify_tolerates_audience_list(idp: FakeIdp) -> None:
    assert idp.verifier().verify(idp.mint(aud=["other", CLIENT_ID])).aud == CLIENT_ID
    with pytest.raises(WrongAudience):
        idp.verifier().verify(idp.mint(aud=["other", "another"]))


def test_verify_rejects_missing_audience(idp: FakeIdp) -> None:
    with pytest.raises(WrongAudience):
        idp.verifier().verify(idp.mint(aud=None))


def test_verify_expiry_edge_with_default_leeway(idp: FakeIdp) -> None:
    token = idp.mint()
    verifier = idp.verifier()
    idp.clock.now = NOW + 3600 + 59
    assert verifier.verify(token).exp == int(NOW) + 3600
    idp.clock.now = NOW + 3600 + 60
    with pytest.raises(Expired, match="leeway 60 s"):
        verifier.verify(token)


def test_verify_expiry_with_zero_leeway(idp: FakeIdp) -> None:
    token = idp.mint()
    idp.clock.now = NOW + 3600
    with pytest.raises(Expired):
        idp.verifier(leeway=0).verify(token)


def test_verify_iat_in_future_edge(idp: FakeIdp) -> None:
    verifier = idp.verifier()
    assert verifier.verify(idp.mint(iat=int(NOW) + 60)).iat == int(NOW) + 60
    with pytest.raises(NotYetValid, match="clock is behind"):
        verifier.verify(idp.mint(iat=int(NOW) + 61))


def test_verify_nbf_in_future_rejected(idp: FakeIdp) -> None:
    verifier = idp.verifier(leeway=10)
    assert verifier.verify(idp.mint(nbf=int(NOW) + 10)).sub
    with pytest.raises(NotYetValid, match="not valid before"):
        verifier.verify(idp.mint(nbf=int(NOW) + 11))


@pytest.mark.parametrize("claim", ["exp", "iat"])
@pytest.mark.parametrize("value", [None, "1433981953", True])
def test_verify_requires_numeric_exp_and_iat(idp: FakeIdp, claim: str, value: Any) -> None:
    with pytest.raises(Malformed, match=f"'{claim}' is missing or not a number"):
        idp.verifier().verify(idp.mint(**{claim: value}))


def test_verify_requires_sub(idp: FakeIdp) -> None:
    with pytest.raises(Malformed, match="no 'sub'"):
        idp.verifier().verify(idp.mint(sub=None))


def test_verify_azp_cross_client(idp: FakeIdp) -> None:
    token = idp.mint(azp=ANDROID_CLIENT)
    verifier = idp.verifier()
    assert verifier.verify(token, azp=ANDROID_CLIENT).azp == ANDROID_CLIENT
    assert verifier.verify(token, azp=[ANDROID_CLIENT, "ios"]).azp == ANDROID_CLIENT
    with pytest.raises(WrongAuthorizedParty, match="different client app"):
        verifier.verify(token, azp=CLIENT_ID)


def test_verify_hosted_domain_specific(idp: FakeIdp) -> None:
    verifier = idp.verifier()
    assert verifier.verify(idp.mint(hd="example.com"), hd="Example.com").hd == "example.com"
    with pytest.raises(WrongHostedDomain, match=re.escape("'other.com' is not 'example.com'")):
        verifier.verify(idp.mint(hd="other.com"), hd="example.com")
    with pytest.raises(WrongHostedDomain, match=re.escape("None is not 'example.com'")):
        verifier.verify(idp.mint(), hd="example.com")


def test_verify_any_hosted_domain(idp: FakeIdp) -> None:
    verifier = idp.verifier()
    assert verifier.verify(idp.mint(hd="example.com"), hd=ANY_HOSTED_DOMAIN).hd == "example.com"
    with pytest.raises(WrongHostedDomain, match="consumer Google account"):
        verifier.verify(idp.mint(), hd=ANY_HOSTED_DOMAIN)


def test_verify_nonce(idp: FakeIdp) -> None:
    verifier = idp.verifier()
    assert verifier.verify(idp.mint(nonce="n-0S6"), nonce="n-0S6").nonce == "n-0S6"
    with pytest.raises(WrongNonce):
        verifier.verify(idp.mint(nonce="n-0S6"), nonce="n-other")
    with pytest.raises(WrongNonce):
        verifier.verify(idp.mint(), nonce="n-0S6")


def test_verify_errors_share_bases(idp: FakeIdp) -> None:
    with pytest.raises(IdTokenError):
        idp.verifier().verify(idp.mint(aud="x"))
    assert issubclass(IdTokenError, RpError)


def test_verifier_refuses_empty_audience() -> None:
    with pytest.raises(ValueError, match="audience"):
        FakeIdp().verifier(audience=[])


def test_verify_id_token_one_call(idp: FakeIdp) -> None:
    http = httpx.Client(transport=idp.transport)
    now = time.time()  # the one-call form uses the real clock
    fresh = idp.mint(iat=int(now), exp=int(now) + 3600)
    assert verify_id_token(fresh, CLIENT_ID, http=http).sub == "110169484474386276334"
    assert verify_id_token(fresh, CLIENT_ID, http=http).sub == "110169484474386276334"
    assert idp.fetches == 1  # the one-call form reuses its verifier and key cache


# --- async ----------------------------------------------------------------------------------


async def test_averify_returns_same_result_as_verify(idp: FakeIdp) -> None:
    token = idp.mint(nonce="abc")
    verifier = idp.verifier()
    assert await verifier.averify(token, nonce="abc") == idp.verifier().verify(token, nonce="abc")


async def test_averify_rejects_like_verify(idp: FakeIdp) -> None:
    with pytest.raises(WrongAudience):
        await idp.verifier().averify(idp.mint(aud="x"))
    with pytest.raises(UnsupportedAlgorithm):
        await idp.verifier().averify(unsigned({"alg": "none", "kid": "k1"}, google_claims()))


# --- the IdToken result ---------------------------------------------------------------------


def test_id_token_is_immutable_comparable_and_picklable(idp: FakeIdp) -> None:
    token = idp.verifier().verify(idp.mint())
    with pytest.raises(AttributeError, match="immutable"):
        token.sub = "someone-else"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del token.aud
    with pytest.raises(TypeError):
        token.claims["sub"] = "someone-else"  # type: ignore[index]
    assert pickle.loads(pickle.dumps(token)) == token  # noqa: S301 - our own bytes
    assert hash(IdToken(google_claims())) == hash(token)
    assert token != IdToken(google_claims(sub="2"))
    assert token != IdToken(google_claims(), "another-client")
    assert "110169484474386276334" in repr(token) and "testuser@gmail.com" in repr(token)


def test_id_token_profile_fields_are_none_unless_strings() -> None:
    token = IdToken(google_claims(email=["a@b"], name=7, picture=None, locale=True), CLIENT_ID)
    assert (token.email, token.name, token.picture, token.locale) == (None, None, None, None)
    assert IdToken(google_claims(email_verified="true")).email_verified is True
    assert IdToken(google_claims(email_verified="false")).email_verified is False
    assert IdToken(google_claims(email_verified=1)).email_verified is False
    with pytest.raises(ValueError, match="aud= is required"):
        IdToken(google_claims(aud=["a", "b"]))


def test_azp_check_refuses_a_non_string_azp_claim(idp: FakeIdp) -> None:
    with pytest.raises(WrongAuthorizedParty, match="different client app"):
        idp.verifier().verify(idp.mint(azp=[CLIENT_ID]), azp=CLIENT_ID)

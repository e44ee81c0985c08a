"""The RS256 check done by encode-and-compare, strict base64url (both decoders), both JSON parsers.

signon.rp does not call ``RSAPublicKey.verify``: it recovers the encoded message with the public key
and compares it with the one it builds (RFC 8017 8.2.2). These tests forge encoded messages with
the private key, one defect at a time, to show that nothing but the exact encoding passes.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from rp_fakes import CLIENT_ID, FakeIdp, b64url, google_claims, test_key

from signon.rp import IdToken, InvalidSignature, Malformed
from signon.rp import jwt as rp_jwt

SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
SHA1_PREFIX = bytes.fromhex("3021300906052b0e03021a05000414")
SHA256_PREFIX_NO_NULL = bytes.fromhex("302f300b06096086480165030402010420")  # params absent


def signing_input(claims: dict[str, Any] | None = None, kid: str = "k1") -> str:
    head = b64url(json.dumps({"alg": "RS256", "typ": "JWT", "kid": kid}).encode())
    return f"{head}.{b64url(json.dumps(claims or google_claims()).encode())}"


def raw_rsa_sign(key: rsa.RSAPrivateKey, encoded: bytes) -> bytes:
    """The private-key operation on an arbitrary encoded message: any padding, right or wrong."""
    numbers = key.private_numbers()
    n = numbers.public_numbers.n
    k = (n.bit_length() + 7) // 8
    assert len(encoded) == k
    return pow(int.from_bytes(encoded, "big"), numbers.d, n).to_bytes(k, "big")


def emsa(
    digest_info: bytes, *, block_type: int = 1, fill: int = 0xFF, trailer: bytes = b""
) -> bytes:
    """00 || BT || PS || 00 || DigestInfo || trailer, padded to 256 bytes."""
    body = digest_info + trailer
    return bytes([0, block_type]) + bytes([fill]) * (256 - 3 - len(body)) + b"\x00" + body


def forged(encoded_for: Any) -> str:
    data = signing_input()
    digest = hashlib.sha256(data.encode()).digest()
    return f"{data}.{b64url(raw_rsa_sign(test_key('k1'), encoded_for(digest, data)))}"


def test_hand_built_encoding_verifies(idp: FakeIdp) -> None:
    """The forging helper is right: the exact RFC 8017 encoding verifies like key.sign's does."""
    token = forged(lambda digest, _: emsa(SHA256_PREFIX + digest))
    assert idp.verifier().verify(token).sub == "110169484474386276334"


@pytest.mark.parametrize(
    "encoded_for",
    [
        # Bleichenbacher 2006: right DigestInfo and hash, garbage after it, short padding.
        pytest.param(lambda d, _: emsa(SHA256_PREFIX + d, trailer=b"\x01" * 40), id="trailing"),
        pytest.param(lambda d, _: emsa(SHA256_PREFIX_NO_NULL + d), id="digestinfo-no-null"),
        pytest.param(lambda d, _: emsa(SHA256_PREFIX + d, block_type=2), id="block-type-2"),
        pytest.param(lambda d, _: emsa(SHA256_PREFIX + d, fill=0xFE), id="padding-not-ff"),
        pytest.param(lambda d, _: emsa(d), id="bare-digest"),
        pytest.param(
            lambda _, data: emsa(SHA1_PREFIX + hashlib.sha1(data.encode()).digest()),  # noqa: S324
            id="sha1",
        ),
        pytest.param(lambda d, _: emsa(SHA256_PREFIX + d[:-1] + b"\x00"), id="wrong-hash"),
    ],
)
def test_encodings_other_than_the_exact_one_are_refused(idp: FakeIdp, encoded_for: Any) -> None:
    with pytest.raises(InvalidSignature, match="does not verify with key 'k1'"):
        idp.verifier().verify(forged(encoded_for))


def test_signature_by_another_hash_algorithm_is_refused(idp: FakeIdp) -> None:
    data = signing_input()
    for algorithm in (hashes.SHA512(), hashes.SHA1()):  # noqa: S303 - a forgery on purpose
        signature = test_key("k1").sign(data.encode(), padding.PKCS1v15(), algorithm)
        with pytest.raises(InvalidSignature):
            idp.verifier().verify(f"{data}.{b64url(signature)}")


def leading_zero_signature() -> tuple[str, bytes]:
    """A genuine signature whose first byte is 0 (about one in 256)."""
    for i in range(4096):
        data = signing_input(google_claims(jti=str(i)))
        signature = test_key("k1").sign(data.encode(), padding.PKCS1v15(), hashes.SHA256())
        if signature[0] == 0:
            return data, signature
    raise AssertionError("no signature with a leading zero byte in 4096 tries")


def test_signature_must_be_exactly_the_modulus_length(idp: FakeIdp) -> None:
    data, signature = leading_zero_signature()
    assert idp.verifier().verify(f"{data}.{b64url(signature)}").sub
    # The same integer without its leading zero byte: RFC 8017 8.2.2 step 1 says invalid.
    with pytest.raises(InvalidSignature):
        idp.verifier().verify(f"{data}.{b64url(signature[1:])}")
    with pytest.raises(InvalidSignature):
        idp.verifier().verify(data + "." + b64url(bytes(1) + signature))


# --- base64url: one spelling per token ------------------------------------------------------


def respell(token: str, segment: int, old: str, new: str) -> str:
    parts = token.split(".")
    assert old in parts[segment], f"{old!r} not in segment {segment}"
    parts[segment] = parts[segment].replace(old, new, 1)
    return ".".join(parts)


def token_with(idp: FakeIdp, needed: str) -> str:
    """A valid token whose signature segment contains ``needed``."""
    for i in range(200):
        token = idp.mint(jti=str(i))
        if needed in token.rsplit(".", 1)[1][:-1]:
            return token
    raise AssertionError(f"no signature containing {needed!r}")


# --- base64url: pybase64 (SIMD) and the binascii fallback refuse the same things --------------


@pytest.fixture(params=["pybase64", "binascii"])
def b64_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "binascii":
        monkeypatch.setattr(rp_jwt, "_std_b64_decode", rp_jwt._binascii_b64_decode)
    else:
        assert rp_jwt._std_b64_decode is rp_jwt._simd_b64_decode, "pybase64 should be installed"
    yield request.param


def test_both_base64_decoders_agree_on_every_kind_of_input() -> None:
    """Differential: random strings over the standard alphabet with a few foreign bytes ('!',
    '.', whitespace, NUL, high bytes) at random places, short and long enough for the SIMD loops.
    Same bytes out, or both refuse. (What reaches them has passed through ``_TO_STD``: no '=',
    '-' or '_'. binascii would take 'QUJD=', a stray pad after a whole quad; pybase64 not.)"""
    rng = random.Random(20261122)
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    foreign = b"!. \n\r\t\x00\x80\xff"
    samples = [b"", b"A", b"AA", b"AAA", b"AAAA", b"QQ", b"QR", b"QUJ", b"QUI", b"QUJD!"]
    for _ in range(4000):
        length = rng.choice((rng.randrange(0, 12), rng.randrange(0, 700)))
        sample = bytearray(rng.choice(alphabet) for _ in range(length))
        for _ in range(rng.choice((0, 0, 1, 2))):
            if sample:
                sample[rng.randrange(len(sample))] = rng.choice(foreign)
        samples.append(bytes(sample))
    refused = 0
    for sample in samples:
        outcomes: list[bytes | str] = []
        for decode in (rp_jwt._simd_b64_decode, rp_jwt._binascii_b64_decode):
            try:
                outcomes.append(decode(sample))
            except binascii.Error:
                outcomes.append("refused")
        assert outcomes[0] == outcomes[1], sample
        refused += outcomes[0] == "refused"
    assert 1000 < refused < len(samples) - 1000  # both kinds of outcome were exercised


@pytest.mark.parametrize(("old", "new"), [("-", "+"), ("_", "/")])
def test_standard_base64_alphabet_is_refused(
    idp: FakeIdp, b64_backend: str, old: str, new: str
) -> None:
    token = token_with(idp, old)
    assert idp.verifier().verify(token).sub
    with pytest.raises(Malformed, match="signature is not base64url"):
        idp.verifier().verify(respell(token, 2, old, new))


def test_padding_is_refused(idp: FakeIdp, b64_backend: str) -> None:
    token = idp.mint()
    with pytest.raises(Malformed, match="signature is not base64url"):
        idp.verifier().verify(token + "==")
    head, body, sig = token.split(".")
    padded_body = body + "=" * (-len(body) % 4) if len(body) % 4 else body + "===="
    with pytest.raises(Malformed, match="payload is not base64url"):
        idp.verifier().verify(f"{head}.{padded_body}.{sig}")


def test_signature_with_unused_bits_set_is_refused(idp: FakeIdp, b64_backend: str) -> None:
    """342 characters carry 2052 bits for a 2048-bit signature: 16 spellings of the last one
    decode to the same bytes. Only the canonical one (low bits zero) is accepted."""
    token = idp.mint()
    assert len(token.rsplit(".", 1)[1]) == 342
    last = token[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    index = alphabet.index(last)
    assert index % 16 == 0
    for low_bits in range(1, 16):
        respelled = token[:-1] + alphabet[index + low_bits]
        with pytest.raises(Malformed, match="not canonical base64url"):
            idp.verifier().verify(respelled)


def test_empty_signature_is_refused(idp: FakeIdp, b64_backend: str) -> None:
    head, body, _ = idp.mint().split(".")
    with pytest.raises(InvalidSignature):
        idp.verifier().verify(f"{head}.{body}.")


# --- JSON: orjson and the standard-library fallback refuse the same things -------------------


@pytest.fixture(params=["orjson", "stdlib"])
def json_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "stdlib":
        monkeypatch.setattr(rp_jwt, "loads", rp_jwt.stdlib_loads)
    else:
        assert rp_jwt.loads is not rp_jwt.stdlib_loads, "orjson should be installed"
    yield request.param


def with_payload(idp: FakeIdp, payload: bytes) -> str:
    head = idp.mint().split(".")[0]
    return f"{head}.{b64url(payload)}.{'A' * 342}"


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"[" * 5000 + b"]" * 5000, id="nested-arrays"),
        pytest.param(b'{"a":' * 1500 + b"1" + b"}" * 1500, id="nested-objects"),
        pytest.param(b'{"exp": 1e400, "iat": 0}', id="float-overflow"),
        pytest.param(b'{"exp": -Infinity}', id="infinity"),
        pytest.param(b'{"exp": NaN}', id="nan"),
        pytest.param(b'{"sub": "\xff"}', id="invalid-utf8"),
        pytest.param(b'{"sub": "1"} {}', id="trailing-document"),
        pytest.param(b"", id="empty"),
    ],
)
def test_hostile_payloads_are_malformed(idp: FakeIdp, json_backend: str, payload: bytes) -> None:
    with pytest.raises(Malformed, match="payload is not base64url-encoded JSON"):
        idp.verifier().verify(with_payload(idp, payload))


def test_both_parsers_read_a_google_token_alike(idp: FakeIdp, json_backend: str) -> None:
    token = idp.verifier().verify(idp.mint(extra={"list": [1, 2.5, None, "é"]}))
    assert dict(token.claims) == google_claims(extra={"list": [1, 2.5, None, "é"]})
    assert token == IdToken(google_claims(extra={"list": [1, 2.5, None, "é"]}), CLIENT_ID)

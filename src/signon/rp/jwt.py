"""Compact JWS parsing and RS256 signature checking, written out by hand.

Why not a JOSE library: verifying Google ID tokens is a hot path in a relying party, and generic
decoders spend more time in option handling, header validation tables and claim machinery than in
RSA itself. The format is small and fixed (three base64url segments, RS256, a ``kid``), so we parse
it here with the checks that matter for security made explicit and tested:

* the algorithm is taken from an allow-list *before* any key is touched, so ``alg: none``, HS256
  (including HS256 keyed with the RSA public key bytes) and every other algorithm are refused;
* base64url is decoded strictly: no padding, no characters outside the alphabet (``+``, ``/`` and
  ``=`` of standard base64 included), and the signature's unused trailing bits must be zero, so
  one signature has exactly one spelling (a replay cache keyed on the token string stays sound);
* the signature is checked by encoding and comparing, as RFC 8017 (8.2.2) specifies: the RSA
  public operation and the PKCS #1 v1.5 block-type-1 padding check are ``cryptography``'s, and the
  recovered ``DigestInfo`` must equal, byte for byte, the one we build from SHA-256 of the signing
  input. Nothing in the signature is parsed, so there is no ASN.1 leniency to exploit
  (Bleichenbacher 2006), and other digest algorithms (SHA-1, MD5) cannot match. This does exactly
  what ``RSAPublicKey.verify`` does, ~15% faster: ``verify`` fetches a digest implementation from
  OpenSSL's provider on every call, ``hashlib`` does not (measured in ``bench/rp_verify.py``).
"""

from __future__ import annotations

import binascii
import hmac
import json
import json.scanner
import math
from collections.abc import Callable
from hashlib import sha256
from typing import Any, Final, NamedTuple

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from signon.rp.errors import InvalidSignature, Malformed, UnsupportedAlgorithm

try:  # A compiled, strict JSON parser: a third of the Python time of a verification.
    import orjson
except ImportError:  # pragma: no cover - signon depends on it; vendored copies may not have it
    orjson = None  # type: ignore[assignment]
try:  # A SIMD base64 decoder: ~4x faster than binascii on a token's payload and signature.
    import pybase64
except ImportError:  # pragma: no cover - signon depends on it; vendored copies may not have it
    pybase64 = None  # type: ignore[assignment]

ALLOWED_ALGORITHMS: Final = frozenset({"RS256"})
MAX_TOKEN_LENGTH: Final = 16 * 1024  # Google ID tokens are ~1.2 KB; refuse absurd input early.

_PADDING: Final = PKCS1v15()
# DER of DigestInfo{AlgorithmIdentifier{id-sha256, NULL}, OCTET STRING(32)}: RFC 8017 9.2 note 1.
_SHA256_DIGEST_INFO: Final = bytes.fromhex("3031300d060960864801650304020105000420")
# base64url to standard base64, over the whole token in one pass (bytes.translate is ~10x faster
# than str's); what is standard base64 but not base64url ('+', '/', '=') becomes '!', which the
# strict decoder refuses. '.' is kept for the split.
_TO_STD: Final = bytes.maketrans(b"-_+/=", b"+/!!!")
# The last character of a canonical encoding leaves no unused bits set (RFC 4648 3.5), by length
# mod 4 (standard alphabet): 2 chars hold 1 byte + 4 zero bits, 3 chars hold 2 bytes + 2 zero bits;
# a whole quad has no unused bits (and 1 is not a valid length, refused by the decoder before this).
# (Indexing bytes gives an int, and `int in bytes` is a byte search: 4x cheaper than a slice.)
_ALPHABET: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_CANONICAL_LAST: Final = (_ALPHABET, _ALPHABET, b"AQgw", b"AEIMQUYcgkosw048")


class JwtParts(NamedTuple):  # a tuple: ~5x cheaper to build than a frozen dataclass
    """A parsed, not yet verified, compact JWS."""

    kid: str
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


_new_parts: Final = tuple.__new__
_PAD: Final = (b"", b"", b"==", b"=")


def b64url_decode(segment: bytes) -> bytes:
    """Strict RFC 7515 base64url: raises ``binascii.Error`` outside the alphabet."""
    return _std_b64_decode(segment.translate(_TO_STD))


def _binascii_b64_decode(segment: bytes) -> bytes:
    """Unpadded standard base64 (a segment already passed through ``_TO_STD``), strictly."""
    return binascii.a2b_base64(segment + _PAD[len(segment) % 4], strict_mode=True)


def _simd_b64_decode(segment: bytes) -> bytes:
    """The same with pybase64: ``validate=True`` refuses what ``strict_mode`` refuses (anything
    outside the standard alphabet, misplaced or missing padding, a length of 1 mod 4, whitespace;
    a test compares the two on every kind of input). ``altchars``, which would let '+' and '/'
    through beside '-' and '_', is not used; nor are ``padded=``/``canonical=``, which cost more
    as keyword arguments than the padding and the one-byte check in :func:`parse_jwt`."""
    return pybase64.b64decode(segment + _PAD[len(segment) % 4], None, True)


_std_b64_decode: Callable[[bytes], bytes] = (
    _simd_b64_decode if pybase64 is not None else _binascii_b64_decode
)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # json accepts NaN/Infinity; an `exp` of Infinity


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 parses to inf: an `exp` that never comes
        raise ValueError(f"{text} is out of range")
    return value


# The C scanner behind json.loads, called directly: skips two Python layers (~40% of the parse).
_scan_json: Final[Callable[[str, int], tuple[Any, int]]] = json.scanner.make_scanner(
    json.JSONDecoder(  # type: ignore[arg-type]  # typeshed: make_scanner takes a class
        parse_constant=_reject_constant, parse_float=_finite_float
    )
)


def stdlib_loads(data: bytes) -> Any:
    """Strict JSON with the standard library, refusing what orjson refuses: non-finite numbers,
    invalid UTF-8 and trailing data; nesting too deep for the stack is a ``ValueError`` too."""
    try:
        text = data.decode("utf-8")
        value, end = _scan_json(text, 0)
    except StopIteration as exc:
        raise ValueError("not JSON") from exc
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
    if end != len(text):
        raise ValueError("trailing data")
    return value


# orjson.loads: strict RFC 8259 (no NaN/Infinity, 1e400 refused, UTF-8 validated, depth-limited),
# ~3x faster than the standard library on an ID token payload. Its errors are ValueErrors.
loads: Callable[[bytes], Any] = orjson.loads if orjson is not None else stdlib_loads


def _json_object(segment: bytes, what: str) -> dict[str, Any]:
    try:
        value = loads(_std_b64_decode(segment))
    except ValueError as exc:  # binascii.Error, UnicodeDecodeError, JSONDecodeError: ValueErrors
        raise Malformed(
            f"The ID token {what} is not base64url-encoded JSON; "
            "pass the raw `credential` / `id_token` string unchanged"
        ) from exc
    if not isinstance(value, dict):
        raise Malformed(f"The ID token {what} is not a JSON object")
    return value


# The header of every token an issuer signs with one key is byte-for-byte the same, so the parsed
# (kid) of a header segment is memoised; the cache is bounded so hostile headers cannot grow it.
_header_cache: dict[bytes, str] = {}
_HEADER_CACHE_SIZE: Final = 64


def _kid_from_header(segment: bytes) -> str:
    header = _json_object(segment, "header")
    alg = header.get("alg")
    if alg not in ALLOWED_ALGORITHMS:
        raise UnsupportedAlgorithm(
            f"ID token algorithm {str(alg)[:32]!r} is not accepted; only RS256 is. "
            "The token was not issued by a Google-compatible identity provider"
        )
    if "crit" in header:  # RFC 7515 4.1.11: we understand no extensions.
        raise Malformed("ID token header has a 'crit' parameter; no extensions are supported")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise Malformed("ID token header has no 'kid'; Google and signon always set one")
    if len(_header_cache) >= _HEADER_CACHE_SIZE:
        _header_cache.clear()
    _header_cache[segment] = kid
    return kid


def parse_jwt(token: str) -> JwtParts:
    """Split and decode a compact JWS; checks the header (RS256, ``kid``) but not the signature."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise Malformed("The ID token must be a string of at most 16 KiB")
    try:
        raw = token.encode("ascii")
    except UnicodeEncodeError:
        raise Malformed("The ID token contains non-ASCII characters; it is not a JWT") from None
    parts = raw.translate(_TO_STD).split(b".")
    if len(parts) != 3:
        raise Malformed(
            f"An ID token has 3 dot-separated segments, this one has {len(parts)}; "
            "check that the whole token was sent"
        )
    header_seg, payload_seg, sig_seg = parts  # in the standard alphabet; `raw` is what was signed
    kid = _header_cache.get(header_seg) or _kid_from_header(header_seg)
    claims = _json_object(payload_seg, "payload")
    try:
        signature = _std_b64_decode(sig_seg)
    except binascii.Error as exc:
        raise Malformed("The ID token signature is not base64url") from exc
    if sig_seg and sig_seg[-1] not in _CANONICAL_LAST[len(sig_seg) % 4]:  # (empty: wrong length)
        raise Malformed("The ID token signature is not canonical base64url (trailing bits set)")
    # tuple.__new__ is JwtParts(...) without the NamedTuple's Python-level __new__.
    return _new_parts(
        JwtParts, (kid, claims, raw[: len(header_seg) + 1 + len(payload_seg)], signature)
    )


def check_signature(parts: JwtParts, key: RSAPublicKey) -> None:
    """RS256 (RSASSA-PKCS1-v1_5 with SHA-256) over ``header.payload``, by encode-and-compare.

    The signature must be exactly as long as the modulus (RFC 8017 8.2.2 step 1):
    ``recover_data_from_signature``, unlike ``verify``, would accept one with a leading zero byte
    dropped. It then runs the RSA public operation and strips the block-type-1 padding
    (00 01 FF..FF 00, at least eight FF), raising on anything else; what it returns must be
    exactly our DigestInfo.
    """
    signature = parts.signature
    try:
        recovered = (
            key.recover_data_from_signature(signature, _PADDING, None)
            if len(signature) == (key.key_size + 7) // 8
            else b""
        )
    except (_CryptoInvalidSignature, ValueError):
        recovered = b""
    if not hmac.compare_digest(
        recovered, _SHA256_DIGEST_INFO + sha256(parts.signing_input).digest()
    ):
        raise InvalidSignature(
            f"ID token signature does not verify with key {parts.kid!r}; the token was altered "
            "or signed by another issuer (check certs_url and issuer)"
        )

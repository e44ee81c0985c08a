"""ID token claim checks (OIDC Core 3.1.3.7) and the typed result, separate from signatures."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType
from typing import Any, Final, Literal

from signon.rp.errors import (
    Expired,
    Malformed,
    NotYetValid,
    WrongAudience,
    WrongAuthorizedParty,
    WrongHostedDomain,
    WrongIssuer,
    WrongNonce,
)


class _AnyHostedDomain(Enum):
    ANY_HOSTED_DOMAIN = "ANY_HOSTED_DOMAIN"


ANY_HOSTED_DOMAIN: Final = _AnyHostedDomain.ANY_HOSTED_DOMAIN
"""Pass as ``hd=`` to accept any Google Workspace account (an ``hd`` claim is present)."""

HostedDomain = str | Literal[_AnyHostedDomain.ANY_HOSTED_DOMAIN] | None


def _text(name: str, doc: str) -> property:
    def get(self: IdToken) -> str | None:
        value = self.claims.get(name)
        return value if type(value) is str else None

    return property(get, doc=doc)


class IdToken:
    """A verified ID token: typed views of its claims, and ``claims``, the read-only payload.

    ``aud`` is the accepted client ID the token was issued to. ``sub``, ``iss``, ``iat`` and
    ``exp`` were checked; the profile fields are ``None`` when the claim is absent or not a
    string. They are read from the payload on access instead of copied out at verification: a
    backend reads two or three of them, and copying all sixteen cost ~15% of a verification.
    Immutable; equal when the payloads and ``aud`` are equal.
    """

    __slots__ = ("aud", "claims")
    aud: str
    claims: Mapping[str, Any]

    def __init__(self, claims: Mapping[str, Any], aud: str | None = None) -> None:
        """``aud`` defaults to the ``aud`` claim when it is a string."""
        if aud is None:
            aud = claims.get("aud")
            if type(aud) is not str:
                raise ValueError("aud= is required when the 'aud' claim is not a string")
        _set_claims(self, MappingProxyType(dict(claims)))
        _set_aud(self, aud)

    @property
    def sub(self) -> str:
        """The user's stable ID (never the email: an email can move to another account)."""
        sub: str = self.claims["sub"]
        return sub

    @property
    def iss(self) -> str:
        iss: str = self.claims["iss"]
        return iss

    @property
    def iat(self) -> int:
        return int(self.claims["iat"])

    @property
    def exp(self) -> int:
        return int(self.claims["exp"])

    @property
    def email_verified(self) -> bool:
        verified = self.claims.get("email_verified")
        return verified is True or verified == "true"  # Google's tokeninfo says "true"

    email = _text("email", "The account's email address, if the `email` scope was granted.")
    hd = _text("hd", "The Google Workspace domain of the account; None for consumer accounts.")
    name = _text("name", "The full name, if the `profile` scope was granted.")
    given_name = _text("given_name", "The given name, if the `profile` scope was granted.")
    family_name = _text("family_name", "The family name, if the `profile` scope was granted.")
    picture = _text("picture", "The profile picture URL, if the `profile` scope was granted.")
    locale = _text("locale", "The account's locale (BCP 47), when the provider sends one.")
    azp = _text("azp", "The client ID that requested the token (authorized party).")
    nonce = _text("nonce", "The nonce of the sign-in, if one was sent.")

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"IdToken is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"IdToken is immutable; cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if type(other) is not IdToken:
            return NotImplemented
        return self.aud == other.aud and self.claims == other.claims

    def __hash__(self) -> int:
        return hash((self.aud, self.claims.get("sub"), self.claims.get("iat")))

    def __repr__(self) -> str:
        return (
            f"IdToken(sub={self.sub!r}, email={self.email!r}, aud={self.aud!r}, "
            f"iss={self.iss!r}, exp={self.exp!r})"
        )

    def __reduce__(self) -> tuple[object, ...]:  # pickling (e.g. into a server-side session)
        return (IdToken, (dict(self.claims), self.aud))


# The slots' own descriptors: they set a slot without going through the refusing __setattr__.
_set_claims = IdToken.__dict__["claims"].__set__
_set_aud = IdToken.__dict__["aud"].__set__
_new_id_token = object.__new__


_NUMBER: Final = (int, float)  # exact types: json gives bool for true/false, which must not pass


def _number(claims: Mapping[str, Any], name: str) -> float:
    value: float = claims.get(name)  # type: ignore[assignment]  # checked on the next line
    if type(value) not in _NUMBER:
        raise Malformed(f"ID token claim {name!r} is missing or not a number of seconds")
    return value


def check_claims(
    claims: dict[str, Any],
    *,
    issuers: frozenset[str],
    audiences: frozenset[str],
    now: float,
    leeway: float,
    nonce: str | None = None,
    hd: HostedDomain = None,
    azp: str | frozenset[str] | None = None,
) -> IdToken:
    """Check a signature-verified payload: raise the specific ``IdTokenError`` or return it.

    Written flat on purpose: it runs once per verification, and the function calls it avoids are
    a measurable share of the time left over after RSA. ``claims`` is owned by the result.
    """
    iss = claims.get("iss")
    if type(iss) is not str or iss not in issuers:
        raise WrongIssuer(
            f"ID token issuer {iss!r} is not one of {sorted(issuers)}; "
            "set issuer= to the identity provider that signed in the user"
        )
    aud = claims.get("aud")
    if type(aud) is not str or aud not in audiences:
        aud = _accepted_audience(aud, audiences)
    exp = _number(claims, "exp")
    if now >= exp + leeway:
        raise Expired(
            f"ID token expired at {int(exp)} (now {int(now)}, leeway {leeway:g} s); "
            "ask the user to sign in again, and check this server's clock"
        )
    iat = _number(claims, "iat")
    if iat > now + leeway:
        raise NotYetValid(
            f"ID token issued in the future (iat {int(iat)}, now {int(now)}, leeway "
            f"{leeway:g} s); this server's clock is behind the identity provider's: sync it (NTP)"
        )
    if "nbf" in claims and _number(claims, "nbf") > now + leeway:
        raise NotYetValid(
            f"ID token not valid before {int(claims['nbf'])} (now {int(now)}); sync this clock"
        )
    sub = claims.get("sub")
    if type(sub) is not str or not sub:
        raise Malformed("ID token has no 'sub' (user ID) claim")
    if azp is not None:
        _check_azp(claims.get("azp"), azp)
    if hd is not None:
        _check_hd(claims.get("hd"), hd)
    if nonce is not None:
        _check_nonce(claims.get("nonce"), nonce)
    token: IdToken = _new_id_token(IdToken)  # IdToken(claims, aud) without the copy and checks
    _set_claims(token, MappingProxyType(claims))
    _set_aud(token, aud)
    return token


def _check_azp(token_azp: object, azp: str | frozenset[str]) -> None:
    expected = frozenset((azp,)) if isinstance(azp, str) else azp
    if type(token_azp) is not str or token_azp not in expected:
        raise WrongAuthorizedParty(
            f"ID token authorized party (azp) {token_azp!r} is not {sorted(expected)}; "
            "the token was obtained by a different client app"
        )


def _check_nonce(token_nonce: object, nonce: str) -> None:
    if type(token_nonce) is not str or not hmac.compare_digest(
        token_nonce.encode("utf-8"), nonce.encode("utf-8")
    ):
        raise WrongNonce(
            "ID token nonce is missing or differs from the nonce of this sign-in; "
            "the token may be replayed: start a new sign-in"
        )


def _accepted_audience(aud: object, audiences: frozenset[str]) -> str:
    if isinstance(aud, str):
        if aud in audiences:
            return aud
    elif isinstance(aud, list):  # OIDC allows an array; Google sends a string.
        for item in aud:
            if isinstance(item, str) and item in audiences:
                return item
    raise WrongAudience(
        f"ID token audience {aud!r} is not one of the accepted client IDs {sorted(audiences)}; "
        "check the client_id your front end uses"
    )


def _check_hd(token_hd: object, hd: str | _AnyHostedDomain) -> None:
    if type(token_hd) is not str:
        token_hd = None
    if hd is ANY_HOSTED_DOMAIN:
        if not token_hd:
            raise WrongHostedDomain(
                "ID token has no 'hd' claim: the account is a consumer Google account, "
                "not a Google Workspace account"
            )
    elif token_hd is None or token_hd.lower() != str(hd).lower():
        raise WrongHostedDomain(
            f"ID token hosted domain {token_hd!r} is not {hd!r}; "
            "sign in with an account of that Workspace domain"
        )

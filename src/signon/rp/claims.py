"""ID token claim checks (OIDC Core 3.1.3.7) and the typed result, separate from signatures."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class IdToken:
    """A verified ID token. ``aud`` is the accepted client ID the token was issued to."""

    sub: str
    email: str | None
    email_verified: bool
    hd: str | None
    name: str | None
    given_name: str | None
    family_name: str | None
    picture: str | None
    locale: str | None
    aud: str
    azp: str | None
    iss: str
    iat: int
    exp: int
    nonce: str | None
    claims: Mapping[str, Any] = field(compare=False, repr=False)


_NUMBER: Final = (int, float)  # exact types: json gives bool for true/false, which must not pass
_PROFILE: Final = ("email", "hd", "name", "given_name", "family_name", "picture", "locale", "nonce")


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
    a measurable share of the time left over after RSA.
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
    token_azp = claims.get("azp")
    if type(token_azp) is not str:
        token_azp = None
    if azp is not None:
        _check_azp(token_azp, azp)
    email, token_hd, name, given, family, picture, locale, token_nonce = (
        value if type(value := claims.get(key)) is str else None for key in _PROFILE
    )
    if hd is not None:
        _check_hd(token_hd, hd)
    if nonce is not None:
        _check_nonce(token_nonce, nonce)
    verified = claims.get("email_verified")
    # Equivalent to IdToken(...), in one step instead of 16 frozen-attribute sets (~1.5 us, a few
    # percent of a verification). Every field must appear here: the tests compare with IdToken(...).
    token = object.__new__(IdToken)
    object.__setattr__(
        token,
        "__dict__",
        {
            "sub": sub,
            "email": email,
            "email_verified": verified is True or verified == "true",
            "hd": token_hd,
            "name": name,
            "given_name": given,
            "family_name": family,
            "picture": picture,
            "locale": locale,
            "aud": aud,
            "azp": token_azp,
            "iss": iss,
            "iat": int(iat),
            "exp": int(exp),
            "nonce": token_nonce,
            "claims": MappingProxyType(claims),
        },
    )
    return token


def _check_azp(token_azp: str | None, azp: str | frozenset[str]) -> None:
    expected = frozenset((azp,)) if isinstance(azp, str) else azp
    if token_azp not in expected:
        raise WrongAuthorizedParty(
            f"ID token authorized party (azp) {token_azp!r} is not {sorted(expected)}; "
            "the token was obtained by a different client app"
        )


def _check_nonce(token_nonce: str | None, nonce: str) -> None:
    if token_nonce is None or not hmac.compare_digest(
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


def _check_hd(token_hd: str | None, hd: str | _AnyHostedDomain) -> None:
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

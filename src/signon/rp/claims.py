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


@dataclass(frozen=True, slots=True)
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


def _opt_str(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    return value if isinstance(value, str) else None


def _number(claims: Mapping[str, Any], name: str) -> int | float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
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
    """Check a signature-verified payload: raise the specific ``IdTokenError`` or return it."""
    iss = claims.get("iss")
    if not isinstance(iss, str) or iss not in issuers:
        raise WrongIssuer(
            f"ID token issuer {iss!r} is not one of {sorted(issuers)}; "
            "set issuer= to the identity provider that signed in the user"
        )
    aud = _accepted_audience(claims.get("aud"), audiences)
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
    if not isinstance(sub, str) or not sub:
        raise Malformed("ID token has no 'sub' (user ID) claim")
    token_azp = _opt_str(claims, "azp")
    if azp is not None:
        expected = frozenset((azp,)) if isinstance(azp, str) else azp
        if token_azp not in expected:
            raise WrongAuthorizedParty(
                f"ID token authorized party (azp) {token_azp!r} is not {sorted(expected)}; "
                "the token was obtained by a different client app"
            )
    token_hd = _opt_str(claims, "hd")
    if hd is not None:
        _check_hd(token_hd, hd)
    token_nonce = _opt_str(claims, "nonce")
    if nonce is not None and (
        token_nonce is None
        or not hmac.compare_digest(token_nonce.encode("utf-8"), nonce.encode("utf-8"))
    ):
        raise WrongNonce(
            "ID token nonce is missing or differs from the nonce of this sign-in; "
            "the token may be replayed: start a new sign-in"
        )
    verified = claims.get("email_verified")
    return IdToken(
        sub,
        _opt_str(claims, "email"),
        verified is True or verified == "true",
        token_hd,
        _opt_str(claims, "name"),
        _opt_str(claims, "given_name"),
        _opt_str(claims, "family_name"),
        _opt_str(claims, "picture"),
        _opt_str(claims, "locale"),
        aud,
        token_azp,
        iss,
        int(iat),
        int(exp),
        token_nonce,
        MappingProxyType(claims),
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

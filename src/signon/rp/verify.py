"""``IdTokenVerifier``: verify Google (or signon) ID tokens against the issuer's published keys."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Final

import httpx

from signon.rp.claims import HostedDomain, IdToken, check_claims
from signon.rp.jwt import check_signature, parse_jwt
from signon.rp.keycache import KeyCache

GOOGLE_ISSUERS: Final = ("https://accounts.google.com", "accounts.google.com")
GOOGLE_CERTS_URL: Final = "https://www.googleapis.com/oauth2/v3/certs"


def _as_set(value: str | Iterable[str], what: str) -> frozenset[str]:
    items = frozenset((value,)) if isinstance(value, str) else frozenset(value)
    if not items or not all(isinstance(item, str) and item for item in items):
        raise ValueError(f"{what} must be a non-empty string or a non-empty list of strings")
    return items


class IdTokenVerifier:
    """Verifies RS256 ID tokens: signature by a published key, then iss, aud, exp, iat, nbf.

    Defaults are Google's. For signon, pass ``issuer="http://127.0.0.1:8080"`` and
    ``certs_url="http://127.0.0.1:8080/oauth2/v3/certs"``. One instance is meant to live for the
    whole process: it caches the keys (see :mod:`signon.rp.keycache`) and is safe to share between
    threads and event loops.
    """

    def __init__(
        self,
        audience: str | Iterable[str],
        *,
        issuer: str | Iterable[str] = GOOGLE_ISSUERS,
        certs_url: str = GOOGLE_CERTS_URL,
        leeway: float = 60.0,
        clock: Callable[[], float] = time.time,
        http: httpx.Client | None = None,
        async_http: httpx.AsyncClient | None = None,
        min_refetch_interval: float = 30.0,
        keys: KeyCache | None = None,
    ) -> None:
        self.audiences = _as_set(audience, "audience")
        self.issuers = _as_set(issuer, "issuer")
        if leeway < 0:
            raise ValueError("leeway must be >= 0 seconds")
        self.leeway = leeway
        self._clock = clock
        self.keys = keys or KeyCache(
            certs_url,
            clock=clock,
            http=http,
            async_http=async_http,
            min_refetch_interval=min_refetch_interval,
        )

    def verify(
        self,
        token: str,
        *,
        nonce: str | None = None,
        hd: HostedDomain = None,
        azp: str | Iterable[str] | None = None,
    ) -> IdToken:
        """Return the verified token, or raise the ``IdTokenError`` subclass naming the problem.

        ``hd`` is a Workspace domain or ``ANY_HOSTED_DOMAIN``; ``azp`` the expected authorized
        party (e.g. your Android client ID for cross-client tokens); ``nonce`` the sign-in nonce.
        """
        parts = parse_jwt(token)
        check_signature(parts, self.keys.get(parts.kid))
        return self._check(parts.claims, nonce, hd, azp)

    async def averify(
        self,
        token: str,
        *,
        nonce: str | None = None,
        hd: HostedDomain = None,
        azp: str | Iterable[str] | None = None,
    ) -> IdToken:
        """:meth:`verify` for async code: a key fetch, if needed, does not block the event loop."""
        parts = parse_jwt(token)
        check_signature(parts, await self.keys.aget(parts.kid))
        return self._check(parts.claims, nonce, hd, azp)

    def _check(
        self,
        claims: dict[str, object],
        nonce: str | None,
        hd: HostedDomain,
        azp: str | Iterable[str] | None,
    ) -> IdToken:
        return check_claims(
            claims,
            issuers=self.issuers,
            audiences=self.audiences,
            now=self._clock(),
            leeway=self.leeway,
            nonce=nonce,
            hd=hd,
            azp=azp if azp is None or isinstance(azp, str) else _as_set(azp, "azp"),
        )


_verifiers: dict[tuple[object, ...], IdTokenVerifier] = {}


def verify_id_token(
    token: str,
    audience: str | Iterable[str],
    *,
    issuer: str | Iterable[str] = GOOGLE_ISSUERS,
    certs_url: str = GOOGLE_CERTS_URL,
    leeway: float = 60.0,
    nonce: str | None = None,
    hd: HostedDomain = None,
    azp: str | Iterable[str] | None = None,
    http: httpx.Client | None = None,
) -> IdToken:
    """One call: verify ``token`` for ``audience``. Verifiers (and their key caches) are reused
    per (audience, issuer, certs_url, leeway, http), so calling this per request does not refetch
    keys. Long-lived code should rather keep its own :class:`IdTokenVerifier`.
    """
    audiences = _as_set(audience, "audience")
    issuers = _as_set(issuer, "issuer")
    cache_key = (audiences, issuers, certs_url, leeway, http)
    verifier = _verifiers.get(cache_key)
    if verifier is None:
        if len(_verifiers) >= 32:  # Bounded: a caller varying arguments must not leak memory.
            _verifiers.clear()
        verifier = IdTokenVerifier(
            audiences, issuer=issuers, certs_url=certs_url, leeway=leeway, http=http
        )
        _verifiers[cache_key] = verifier
    return verifier.verify(token, nonce=nonce, hd=hd, azp=azp)

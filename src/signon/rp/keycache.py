"""A cached, self-refreshing view of an issuer's signing keys (thread-safe; async without blocking).

Policy, in the order it is applied:

* fresh keys are served from memory with no lock (the dict is replaced, never mutated);
* keys are fresh for ``Cache-Control: max-age`` minus ``Age`` (capped at ``max_cache_ttl``, 1 day);
  with no header, ``no-store``/``no-cache`` or ``max-age=0`` they are fresh for ``default_ttl``
  (300 s), so a misconfigured IdP costs one fetch per five minutes, not one per verification;
* stale keys trigger a refetch; if it fails (network error, non-200, bad JSON) the stale keys keep
  being served and the next attempt waits ``retry_after_failure`` seconds;
* at most one fetch per verification; an unknown ``kid`` triggers one refetch (key rotation), but
  at most one such refetch per ``min_refetch_interval`` (30 s), so a flood of tokens with bogus
  kids cannot hammer the IdP.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Final

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from signon.rp.errors import CertsUnavailable, UnknownKey
from signon.rp.jwt import loads
from signon.rp.keyset import KeySetError, max_age, parse_key_set

FETCH_TIMEOUT: Final = 10.0
_FetchResult = tuple[dict[str, RSAPublicKey] | None, float | None]  # keys (None: failed), max-age


class KeyCache:
    """The signing keys published at ``certs_url``, fetched lazily, refreshed per the policy."""

    def __init__(
        self,
        certs_url: str,
        *,
        clock: Callable[[], float] = time.time,
        http: httpx.Client | None = None,
        async_http: httpx.AsyncClient | None = None,
        default_ttl: float = 300.0,
        max_cache_ttl: float = 86400.0,
        min_refetch_interval: float = 30.0,
        retry_after_failure: float = 5.0,
    ) -> None:
        self.certs_url = certs_url
        self._clock = clock
        self._http = http
        self._async_http = async_http
        self._default_ttl = default_ttl
        self._max_cache_ttl = max_cache_ttl
        self._min_refetch_interval = min_refetch_interval
        self._retry_after_failure = retry_after_failure
        self._keys: dict[str, RSAPublicKey] = {}
        self._fresh_until = float("-inf")
        self._next_kid_refetch = float("-inf")
        self._last_error: str | None = None
        self._lock = threading.Lock()
        self._alocks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}

    def get(self, kid: str) -> RSAPublicKey:
        """The key named ``kid``, fetching or refetching only as the policy allows."""
        if self._clock() < self._fresh_until:
            key = self._keys.get(kid)
            if key is not None:
                return key
        with self._lock:
            plan = self._plan(kid)  # Re-checked under the lock: another thread may have fetched.
            if plan is not None:
                self._store(*self._fetch_sync(), plan=plan)
            return self._lookup(kid)

    async def aget(self, kid: str) -> RSAPublicKey:
        """Like :meth:`get`, fetching with ``httpx.AsyncClient`` so the event loop never blocks."""
        if self._clock() < self._fresh_until:
            key = self._keys.get(kid)
            if key is not None:
                return key
        async with self._alock():
            plan = self._plan(kid)
            if plan is not None:
                self._store(*(await self._fetch_async()), plan=plan)
            return self._lookup(kid)

    def _alock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._alocks.get(loop)
        if lock is None:
            self._alocks = {k: v for k, v in self._alocks.items() if not k.is_closed()}
            lock = self._alocks[loop] = asyncio.Lock()
        return lock

    def _plan(self, kid: str) -> str | None:
        """Why to fetch now ("stale" or "unknown-kid"), or None to answer from the cache."""
        now = self._clock()
        if now >= self._fresh_until:
            return "stale"
        if kid not in self._keys and now >= self._next_kid_refetch:
            return "unknown-kid"
        return None

    def _store(self, keys: dict[str, RSAPublicKey] | None, ttl: float | None, *, plan: str) -> None:
        now = self._clock()
        if plan == "unknown-kid" or keys is None:
            self._next_kid_refetch = now + self._min_refetch_interval
        if keys is None:
            self._fresh_until = now + self._retry_after_failure
            return
        self._keys = keys
        self._last_error = None
        lifetime = self._default_ttl if ttl is None else min(ttl, self._max_cache_ttl)
        self._fresh_until = now + lifetime

    def _lookup(self, kid: str) -> RSAPublicKey:
        key = self._keys.get(kid)
        if key is not None:
            return key
        if not self._keys:
            raise CertsUnavailable(
                f"No signing keys could be fetched from {self.certs_url} ({self._last_error}); "
                "check certs_url and that the identity provider is reachable"
            )
        raise UnknownKey(
            f"ID token key id {kid[:64]!r} is not among the keys published at {self.certs_url} "
            f"({', '.join(sorted(self._keys))}); the token is from another issuer or forged"
        )

    def _fetch_sync(self) -> _FetchResult:
        try:
            if self._http is not None:
                response = self._http.get(self.certs_url)
            else:
                with httpx.Client(timeout=FETCH_TIMEOUT) as client:
                    response = client.get(self.certs_url)
        except httpx.HTTPError as exc:
            return self._failed(f"{type(exc).__name__}: {exc}")
        return self._parse(response)

    async def _fetch_async(self) -> _FetchResult:
        try:
            if self._async_http is not None:
                response = await self._async_http.get(self.certs_url)
            else:
                async with httpx.AsyncClient(timeout=FETCH_TIMEOUT) as client:
                    response = await client.get(self.certs_url)
        except httpx.HTTPError as exc:
            return self._failed(f"{type(exc).__name__}: {exc}")
        return self._parse(response)

    def _parse(self, response: httpx.Response) -> _FetchResult:
        if response.status_code != 200:
            return self._failed(f"HTTP {response.status_code}")
        try:  # strict, depth-limited JSON: a hostile document is a failed fetch, nothing more
            keys = parse_key_set(loads(response.content))
            ttl = max_age(response.headers.get("cache-control"), response.headers.get("age"))
        except (ValueError, KeySetError) as exc:
            return self._failed(f"unusable key document: {exc}")
        if not keys:
            return self._failed("the key document holds no RS256 keys")
        return keys, ttl

    def _failed(self, reason: str) -> tuple[None, None]:
        self._last_error = reason
        return None, None

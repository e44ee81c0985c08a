"""The keyring: which key signs now, which keys are published, and rotation.

Rotation schedule (docs/keys.md):
- `rotate` adds a key that is published at once but signs only `jwks_max_age` plus
  `reload_interval` seconds later, so every process publishes it and every relying party that
  honours our Cache-Control has fetched it before it sees a token signed by it;
- from that moment the older keys stop signing and stay published for one ID-token lifetime plus
  a margin, so every token they signed can still be verified until it expires.
Which key signs is a function of the stored dates and the clock, so processes sharing one
database agree without talking to each other; each re-reads the key table at most every
`reload_interval` seconds, which is shorter than the pending period of a new key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey

from signon.keys.material import (
    generate_private_key,
    kid_for,
    open_private_key,
    public_jwk,
    seal_private_key,
    self_signed_certificate,
)
from signon.storage.records import SigningKey
from signon.storage.store import Store, StoreUnavailable

__all__ = ["ID_TOKEN_LIFETIME", "RETIRE_MARGIN", "KeyState", "Keyring", "LoadedKey"]

ID_TOKEN_LIFETIME = 3600
RETIRE_MARGIN = 600  # beyond a token's expiry: relying parties' clock leeway (Node allows 300 s)
CERT_LIFETIME = 400 * 24 * 3600
KeyState = Literal["pending", "active", "retired", "expired"]


@dataclass(frozen=True, slots=True)
class LoadedKey:
    record: SigningKey
    private_key: rsa.RSAPrivateKey
    jwk: RSAKey  # joserfc key used to sign


class Keyring:
    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], float],
        secret_key: str | None,
        jwks_max_age: int,
        reload_interval: int = 60,
    ) -> None:
        self.store = store
        self.clock = clock
        self.secret_key = secret_key
        self.jwks_max_age = jwks_max_age
        self.reload_interval = min(reload_interval, jwks_max_age)
        self._keys: list[SigningKey] = []
        self._loaded: dict[str, LoadedKey] = {}
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    def _now(self) -> int:
        return int(self.clock())

    # loading -----------------------------------------------------------------------------
    async def load(self) -> None:
        """Read the key table; create the first key if there is none."""
        async with self._lock:
            keys = await self.store.list_signing_keys()
            if not keys:
                await self.store.add_signing_key(self._new_key(activates_at=self._now()), None)
                keys = await self.store.list_signing_keys()
            now = self._now()
            for key in keys:
                if key.kid not in self._loaded and self.state(key, keys, now) != "expired":
                    private = open_private_key(key.private_key, self.secret_key, key.kid)
                    self._loaded[key.kid] = LoadedKey(key, private, RSAKey.import_key(private))
            self._keys = keys
            self._loaded_at = self.clock()

    async def fresh(self) -> Keyring:
        if self.clock() - self._loaded_at >= self.reload_interval:
            try:
                await self.load()
            except StoreUnavailable:
                # The keys in memory stay right (their states follow the clock): keep signing
                # and publishing them while the database is down, and try again later, rather
                # than leave relying parties unable to fetch the keys of valid tokens.
                if not self._keys:
                    raise
                self._loaded_at = self.clock()
        return self

    def _new_key(self, activates_at: int) -> SigningKey:
        private = generate_private_key()
        kid = kid_for(private.public_key())
        now = self._now()
        return SigningKey(
            kid=kid,
            private_key=seal_private_key(private, self.secret_key, kid),
            certificate_pem=self_signed_certificate(private, now, CERT_LIFETIME),
            created_at=now,
            activates_at=activates_at,
        )

    # state -------------------------------------------------------------------------------
    @staticmethod
    def state(key: SigningKey, keys: list[SigningKey], now: int) -> KeyState:
        if key.publish_until is not None and key.publish_until <= now:
            return "expired"
        if key.activates_at > now:
            return "pending"
        newer_active = any(
            k.activates_at > key.activates_at and k.activates_at <= now for k in keys
        )
        return "retired" if newer_active else "active"

    def keys(self) -> list[SigningKey]:
        return list(self._keys)

    def published(self) -> list[SigningKey]:
        now = self._now()
        return [k for k in self._keys if self.state(k, self._keys, now) != "expired"]

    def signer(self) -> LoadedKey:
        """The key that signs now: the newest one whose activation time has passed."""
        now = self._now()
        active = [k for k in self._keys if self.state(k, self._keys, now) == "active"]
        if not active:
            raise RuntimeError("no active signing key; run `signon keys rotate`")
        return self._loaded[max(active, key=lambda k: k.activates_at).kid]

    def public_key(self, kid: str) -> rsa.RSAPublicKey | None:
        loaded = self._loaded.get(kid)
        if loaded is None or kid not in {k.kid for k in self.published()}:
            return None
        return loaded.private_key.public_key()

    # views -------------------------------------------------------------------------------
    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {
            "keys": [
                public_jwk(self._loaded[k.kid].private_key.public_key(), k.kid)
                for k in self.published()
            ]
        }

    def pem_certificates(self) -> dict[str, str]:
        return {k.kid: k.certificate_pem for k in self.published()}

    # rotation ----------------------------------------------------------------------------
    @property
    def pending_period(self) -> int:
        """How long a new key is published before it signs: another process may take up to
        `reload_interval` to publish it, and a relying party may then cache the JWKS without it
        for `jwks_max_age`."""
        return self.jwks_max_age + self.reload_interval

    async def rotate(self) -> SigningKey:
        now = self._now()
        activates_at = now + self.pending_period
        new = self._new_key(activates_at=activates_at)
        await self.store.add_signing_key(
            new, older_publish_until=activates_at + ID_TOKEN_LIFETIME + RETIRE_MARGIN
        )
        await self.load()
        return new

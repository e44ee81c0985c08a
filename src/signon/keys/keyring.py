"""The keyring: which key signs now, which keys are published, and rotation.

Rotation schedule (docs/decisions.md, "Keys"):
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
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey

from signon.keys.material import (
    generate_private_key,
    is_sealed,
    kid_for,
    open_private_key,
    public_jwk,
    seal_private_key,
    self_signed_certificate,
)
from signon.storage.records import SigningKey
from signon.storage.store import Store, StoreUnavailable

__all__ = [
    "ADVERTISED_MAX_AGE",
    "ID_TOKEN_LIFETIME",
    "RETIRE_MARGIN",
    "KeyState",
    "Keyring",
    "LoadedKey",
]

log = logging.getLogger("signon")

# The JWKS max-age the server advertises, kept in the database (instance_secrets, not secret) so
# that `signon keys rotate`, run from a shell that may not have the server's settings, waits at
# least as long as relying parties may cache the keys.
ADVERTISED_MAX_AGE = "jwks_max_age"

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
        seal_plain_keys: bool = False,
    ) -> None:
        """`seal_plain_keys`: the server's keyring seals keys stored in the clear with the
        secret key it runs with; the CLI's (whose shell may hold another secret, or a typo)
        leaves the table as it is."""
        self.store = store
        self.seal_plain_keys = seal_plain_keys
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
    async def load(self, *, create: bool = True) -> None:
        """Read the key table; create the first key if there is none (and `create`). Several
        processes starting on an empty database create one key between them, not one each."""
        async with self._lock:
            keys = await self.store.list_signing_keys()
            if not keys and create:
                await self.store.add_first_signing_key(self._new_key(activates_at=self._now()))
                keys = await self.store.list_signing_keys()
            now = self._now()
            for key in keys:
                if key.kid not in self._loaded and self.state(key, keys, now) != "expired":
                    private = open_private_key(key.private_key, self.secret_key, key.kid)
                    if self.seal_plain_keys and self.secret_key and not is_sealed(key.private_key):
                        await self._seal(key, private)
                    self._loaded[key.kid] = LoadedKey(key, private, RSAKey.import_key(private))
            self._keys = keys
            self._loaded_at = self.clock()

    async def _seal(self, key: SigningKey, private: rsa.RSAPrivateKey) -> None:
        """A key stored in the clear (created or imported without SIGNON_SECRET_KEY) is sealed
        as soon as a process that has the secret loads it."""
        sealed = seal_private_key(private, self.secret_key, key.kid)
        if await self.store.replace_signing_key_private(key.kid, key.private_key, sealed):
            log.warning(
                "signing key %s was stored unencrypted; sealed it with the secret key", key.kid
            )

    async def advertise_max_age(self) -> None:
        """Record the max-age this server's JWKS responses carry (see ADVERTISED_MAX_AGE)."""
        await self.store.set_secret(ADVERTISED_MAX_AGE, str(self.jwks_max_age))

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
        newer_active = any(  # an expired newer key (unpublished) cannot have replaced it
            key.activates_at < k.activates_at <= now
            and (k.publish_until is None or k.publish_until > now)
            for k in keys
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
        """Add a key that signs after the pending period, computed with the larger of our own
        and the advertised JWKS max-age, and never before a key added earlier: keys sign in the
        order they were added, so retiring "every older key" never retires one still to come."""
        now = self._now()
        advertised = await self.store.find_secret(ADVERTISED_MAX_AGE)
        max_age = max(
            self.jwks_max_age, int(advertised) if advertised and advertised.isdigit() else 0
        )
        activates_at = now + max_age + self.reload_interval
        latest = max((k.activates_at for k in await self.store.list_signing_keys()), default=0)
        activates_at = max(activates_at, latest + 1)
        new = self._new_key(activates_at=activates_at)
        await self.store.add_signing_key(
            new, older_publish_until=activates_at + ID_TOKEN_LIFETIME + RETIRE_MARGIN
        )
        await self.load()
        return new

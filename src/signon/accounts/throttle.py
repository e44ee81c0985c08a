"""The sign-in throttle: a limit on failed password checks, checked before any is attempted.

Two counters per failure, each over a sliding window (default 15 minutes):

* one per (account, client IP): 10 failures and that account is refused *from that address*
  until the window runs out. Keyed by the pair, not the account alone, so that an attacker
  cannot lock a person out of their own account from the person's own network;
* one per client IP: 100 failures (any accounts) and the address is refused, which stops one
  machine from spraying many accounts.

A refused attempt never reaches argon2, so the throttle also bounds the CPU and memory an
attacker can make the password hashing spend. A successful sign-in clears its (account, IP)
counter. Counters live in the database, so every worker process and a restart see the same
counts; the keys are SHA-256 digests, so the table holds no email or address. The client IP is
Starlette's `request.client.host`: behind a reverse proxy, run uvicorn with the proxy's
address in `--forwarded-allow-ips` (its default trusts 127.0.0.1) so it is the person's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from signon.storage.store import Store

__all__ = ["SignInThrottle"]


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SignInThrottle:
    store: Store
    clock: Callable[[], float]
    window: int = 15 * 60
    per_account: int = 10
    per_address: int = 100

    def _open_since(self, now: int) -> int:
        """The earliest start of a window still open at `now` (a window is [start, start+N))."""
        return now - self.window + 1

    def _keys(self, email: str, address: str) -> tuple[str, str]:
        return _key("account", email.strip().lower(), address), _key("address", address)

    async def retry_after(self, email: str, address: str) -> int | None:
        """Seconds until another attempt is allowed, or None if one is allowed now."""
        now = int(self.clock())
        account, everyone = self._keys(email, address)
        counts = await self.store.sign_in_failures((account, everyone), self._open_since(now))
        waits = [
            first_at + self.window - now
            for key, limit in ((account, self.per_account), (everyone, self.per_address))
            if key in counts
            for failures, first_at in [counts[key]]
            if failures >= limit
        ]
        return max(1, max(waits)) if waits else None

    async def failed(self, email: str, address: str) -> None:
        now = int(self.clock())
        await self.store.record_sign_in_failure(
            self._keys(email, address), now, self._open_since(now)
        )

    async def succeeded(self, email: str, address: str) -> None:
        await self.store.clear_sign_in_failures(self._keys(email, address)[:1])


def minutes(seconds: int) -> str:
    """ "1 minute", "15 minutes": how long to wait, for people."""
    count = max(1, -(-seconds // 60))
    return f"{count} minute" if count == 1 else f"{count} minutes"

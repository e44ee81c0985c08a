"""The sign-in throttle: a limit on failed password checks, checked before any is attempted.

Two counters per failure, each over a sliding window (default 15 minutes):

* one per (account, client IP): 10 failures and that account is refused *from that address*
  until the window runs out. Keyed by the pair, not the account alone, so that an attacker
  cannot lock a person out of their own account from the person's own network;
* one per client IP: 100 failures (any accounts) and the address is refused, which stops one
  machine from spraying many accounts.

Every attempt is charged as a failure *before* its password is checked (`claim`), in one
transaction that returns the new counts; one over a limit is refused and never reaches argon2.
Checking first and counting after the check would let concurrent attempts all pass the check
before any was counted (a review measured 38 checks against a limit of 10). A right password
then clears its (account, IP) counter and gives the address counter its failure back.

So the throttle also bounds the CPU and memory an attacker can make the password hashing
spend. Counters live in the database, so every worker process and a restart see the same
counts; the keys are SHA-256 digests, so the table holds no email or address. The client IP is
Starlette's `request.client.host`, which `signon serve` takes from `X-Forwarded-For` when the
peer is in `--forwarded-allow-ips` (default 127.0.0.1). IPv6 addresses count by their /64: one
machine usually has a whole /64 to pick addresses from.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

from signon.storage.store import Store

__all__ = ["SignInThrottle"]


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _network(address: str) -> str:
    """The address, or for IPv6 its /64 (what one host or one customer of an ISP gets)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address  # not an IP (a test client's "testclient", a unix socket): as it is
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


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
        network = _network(address)
        return _key("account", email.strip().lower(), network), _key("address", network)

    async def claim(self, email: str, address: str) -> int | None:
        """Charge one attempt as a failure, before its password is checked. Returns None if the
        check may run, else the seconds until the window that refuses it ends (do not check)."""
        now = int(self.clock())
        account, everyone = self._keys(email, address)
        counts = await self.store.record_sign_in_failure(
            (account, everyone), now, self._open_since(now)
        )
        waits = [
            first_at + self.window - now
            for key, limit in ((account, self.per_account), (everyone, self.per_address))
            if key in counts
            for failures, first_at in [counts[key]]
            if failures > limit
        ]
        if not waits:
            return None
        # Refused: no password is checked, so nothing is charged. (Charged, one person's retries
        # on a locked account would run up the address's count and lock out everyone there.)
        await self.store.clear_sign_in_failures((), refund=(account, everyone))
        return max(1, max(waits))

    async def succeeded(self, email: str, address: str) -> None:
        """The claimed attempt was right: the (account, address) counter starts over, and the
        address counter gets back the failure it was charged."""
        account, everyone = self._keys(email, address)
        await self.store.clear_sign_in_failures((account,), refund=(everyone,))


def minutes(seconds: int) -> str:
    """ "1 minute", "15 minutes": how long to wait, for people."""
    count = max(1, -(-seconds // 60))
    return f"{count} minute" if count == 1 else f"{count} minutes"

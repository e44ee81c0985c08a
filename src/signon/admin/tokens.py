"""The admin API's bearer token: issued by `signon admin token` (only its hash is stored) or
given as SIGNON_ADMIN_TOKEN. Either one is accepted."""

from __future__ import annotations

import hmac
import secrets

from signon.protocol.ids import hash_secret
from signon.storage.store import Store

__all__ = ["ADMIN_TOKEN_SECRET", "is_admin_token", "issue_admin_token"]

ADMIN_TOKEN_SECRET = "admin_token_sha256"  # noqa: S105 - the name of a stored hash
_PREFIX = "signon-admin-"


async def issue_admin_token(store: Store) -> str:
    """A new token, replacing the previous one; shown once."""
    token = _PREFIX + secrets.token_urlsafe(32)
    await store.set_secret(ADMIN_TOKEN_SECRET, hash_secret(token))
    return token


async def is_admin_token(store: Store, configured: str | None, presented: str) -> bool:
    presented_hash = hash_secret(presented).encode("ascii")
    candidates = [hash_secret(configured)] if configured else []
    stored = await store.find_secret(ADMIN_TOKEN_SECRET)
    if stored:
        candidates.append(stored)
    # Compare against every candidate so the time taken does not say which one matched.
    matches = [hmac.compare_digest(presented_hash, c.encode("ascii")) for c in candidates]
    return any(matches)

"""Server-side browser sessions. The cookie holds only a random ID; the store holds its hash.

One browser may be signed in to several accounts at once; their order is Google's `authuser`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from signon.protocol.ids import hash_secret
from signon.storage.records import BrowserSession
from signon.storage.store import Store

__all__ = ["Sessions"]

_TOUCH_EVERY = 300  # seconds; sliding expiry without a write on every request


class Sessions:
    def __init__(self, store: Store, clock: Callable[[], float], idle_seconds: int) -> None:
        self.store = store
        self.clock = clock
        self.idle_seconds = idle_seconds

    async def load(self, cookie_value: str | None) -> BrowserSession | None:
        if not cookie_value or len(cookie_value) > 128:
            return None
        now = int(self.clock())
        session = await self.store.find_session(hash_secret(cookie_value), now)
        if session is not None and now - session.last_seen_at >= _TOUCH_EVERY:
            await self.store.touch_session(session.id_hash, now, now + self.idle_seconds)
        return session

    async def sign_in(
        self, current: BrowserSession | None, user_sub: str, user_agent: str
    ) -> tuple[BrowserSession, str]:
        """Add the account to a new session (a fresh ID on every sign-in: no session fixation),
        keeping the accounts already signed in. Returns the session and its cookie value."""
        now = int(self.clock())
        cookie_value = secrets.token_urlsafe(32)
        id_hash = hash_secret(cookie_value)
        new = BrowserSession(
            id_hash=id_hash,
            created_at=now,
            last_seen_at=now,
            expires_at=now + self.idle_seconds,
            user_agent=user_agent[:300],
        )
        await self.store.replace_session(new, current.id_hash if current else None, user_sub)
        session = await self.store.find_session(id_hash, now)
        assert session is not None
        return session, cookie_value

    async def sign_out(self, session: BrowserSession, user_sub: str | None = None) -> None:
        """Sign one account out of this browser, or all of them (user_sub None)."""
        if user_sub is None or session.accounts == (user_sub,):
            await self.store.delete_session(session.id_hash)
        else:
            await self.store.remove_session_account(session.id_hash, user_sub)

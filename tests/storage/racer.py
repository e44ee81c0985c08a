"""Run in a separate OS process (multiprocessing, spawn) by test_store_races.py.

Each racer opens its own store, waits at a barrier shared with the other process, then fires all
its operations at once and sends back what the store answered.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

from signon.storage import open_store
from signon.storage.records import AuthCode, Token
from tests.storage.records import NOW, sha, tokens_for


def issue_slowly(tag: str) -> Any:
    def issue(code: AuthCode) -> tuple[Token, ...]:
        # Signing an ID token takes about a millisecond; widen the window between claiming the
        # code and committing its tokens so the other process has a chance to interleave.
        time.sleep(0.002)
        return tokens_for(code, tag)

    return issue


async def _refresh(store: Any, parent_hash: str, tag: str) -> str:
    """What the refresh grant does: read the refresh token, then save an access token from it."""
    parent = await store.find_token(parent_hash)
    if parent is None or parent.revoked_at is not None:
        return "refused"
    child = replace(parent, token_hash=sha(f"{tag}child:{parent_hash}"), kind="access")
    return "saved" if await store.save_tokens([child], parent=parent_hash) else "refused"


async def _race(url: str, action: str, keys: list[str], tag: str, barrier: Any) -> list[str]:
    store = open_store(url)
    try:
        await store.ping()  # connect before the start line, not after it
        barrier.wait(timeout=60)
        if action == "consume":
            done = await asyncio.gather(
                *(store.consume_code(k, NOW, issue_slowly(tag)) for k in keys)
            )
            return [d.status for d in done]
        if action == "refresh":
            return list(await asyncio.gather(*(_refresh(store, k, tag) for k in keys)))
        revoked = await asyncio.gather(*(store.revoke_grant(k, NOW) for k in keys))
        return ["revoked" if r else "not revoked" for r in revoked]
    finally:
        await store.close()


def race(url: str, action: str, keys: list[str], tag: str, barrier: Any, results: Any) -> None:
    """Process entry point: `action` ("consume" codes, "refresh" from refresh tokens, or
    "revoke" grants) on every key."""
    try:
        results.put((tag, asyncio.run(_race(url, action, keys, tag, barrier))))
    except BaseException as exc:
        results.put((tag, f"{type(exc).__name__}: {exc}"))
        raise

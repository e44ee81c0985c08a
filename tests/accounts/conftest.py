"""A migrated SQLite store for the accounts tests (the store itself is tested on both backends)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from signon.storage import SqlStore, open_store, upgrade


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[SqlStore]:
    upgrade(sqlite_url)
    s = open_store(sqlite_url)
    try:
        yield s
    finally:
        await s.close()

"""Storage fixtures: one migrated database per backend and module, emptied before each test.

Creating and migrating a PostgreSQL database costs most of a second, so the contract tests share
one per module and start from `Store.reset()` (itself part of the contract) instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from signon.storage import SqlStore, open_store, upgrade
from tests.conftest import temporary_pg_database


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('store')}/signon.db"
        upgrade(url)
        yield url
    else:
        with temporary_pg_database() as url:
            upgrade(url)
            yield url


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[SqlStore]:
    s = open_store(store_url)
    try:
        await s.reset()
        yield s
    finally:
        await s.close()

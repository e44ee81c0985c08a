"""Storage: the Store protocol and its SQL implementation (SQLite default, PostgreSQL by URL)."""

from __future__ import annotations

from signon.storage.migrate import upgrade
from signon.storage.sql import SqlStore, create_engine_for
from signon.storage.store import CodeConsumption, Conflict, Store, StoreUnavailable

__all__ = [
    "CodeConsumption",
    "Conflict",
    "SqlStore",
    "Store",
    "StoreUnavailable",
    "open_store",
    "upgrade",
]


def open_store(database_url: str) -> SqlStore:
    """Open (without migrating) the store behind a signon database URL."""
    from signon.settings import database_url_for_sqlalchemy

    return SqlStore(create_engine_for(database_url_for_sqlalchemy(database_url)))

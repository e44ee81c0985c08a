"""Migrations: the schema they build is the one the code declares, and upgrades keep data."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, insert, select

from signon.settings import database_url_for_sqlalchemy
from signon.storage import schema
from signon.storage.migrate import _config, head_revision, upgrade

# `database_url` (tests/conftest.py) runs each test on SQLite and on PostgreSQL.


def migrate_to(url: str, revision: str) -> None:
    engine = create_engine(database_url_for_sqlalchemy(url))
    try:
        with engine.begin() as conn:
            cfg = _config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def test_migrations_at_head_build_the_declared_schema(database_url: str) -> None:
    assert upgrade(database_url) == head_revision()
    engine = create_engine(database_url_for_sqlalchemy(database_url))
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_upgrade_from_0001_keeps_tokens_and_adds_last_use(database_url: str) -> None:
    migrate_to(database_url, "0001")
    row: dict[str, Any] = {
        "token_hash": "a" * 64,
        "kind": "refresh",
        "client_id": "c.apps.googleusercontent.com",
        "user_sub": "1" * 21,
        "grant_id": "g",
        "family_id": "f",
        "scopes": "openid",
        "offline": True,
        "azp": None,
        "created_at": 1_790_000_000,
        "expires_at": None,
        "revoked_at": None,
    }
    engine = create_engine(database_url_for_sqlalchemy(database_url))
    try:
        with engine.begin() as conn:  # names only the columns given: 0001 has no last_used_at
            conn.execute(insert(schema.tokens).values(row))
    finally:
        engine.dispose()
    assert upgrade(database_url) == head_revision()
    engine = create_engine(database_url_for_sqlalchemy(database_url))
    try:
        with engine.connect() as conn:
            stored = conn.execute(select(schema.tokens)).one()._asdict()
    finally:
        engine.dispose()
    assert stored == {**row, "last_used_at": None}

"""Schema migrations (alembic), run on start and by `signon db upgrade`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from signon.settings import database_url_for_sqlalchemy
from signon.storage.store import StoreUnavailable

__all__ = ["current_revision", "head_revision", "upgrade"]

_HERE = Path(__file__).parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def upgrade(database_url: str) -> str:
    """Bring the schema to the newest revision; returns it. Safe to run concurrently."""
    url = database_url_for_sqlalchemy(database_url)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    try:
        with engine.begin() as conn:
            if url.startswith("sqlite"):
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            else:
                # Two instances starting at once against one PostgreSQL must not both migrate.
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7215841)")
            cfg = _config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            return MigrationContext.configure(conn).get_current_revision() or ""
    except OperationalError as exc:
        raise StoreUnavailable(f"cannot reach the database: {exc.orig}") from exc
    finally:
        engine.dispose()


def current_revision(database_url: str) -> str | None:
    url = database_url_for_sqlalchemy(database_url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()

"""Schema migrations (alembic), run on start and by `signon db upgrade`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.exc import DatabaseError, OperationalError

from signon import __version__
from signon.settings import database_url_for_sqlalchemy
from signon.storage.store import StoreUnavailable

__all__ = ["UnusableDatabase", "current_revision", "head_revision", "upgrade"]

_HERE = Path(__file__).parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    return cfg


class UnusableDatabase(Exception):
    """The database answers but signon cannot use it: not a database, made by a newer signon,
    or a SQLite path that cannot be created. Retrying does not help (unlike StoreUnavailable)."""


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def upgrade(database_url: str) -> str:
    """Bring the schema to the newest revision; returns it. Safe to run concurrently."""
    url = database_url_for_sqlalchemy(database_url)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        _make_folder(Path(url[len("sqlite:///") :]))
    engine = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    try:
        with engine.begin() as conn:
            if url.startswith("sqlite"):
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            else:
                # Two instances starting at once against one PostgreSQL must not both migrate.
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7215841)")
            cfg = _config()
            _check_known_revision(cfg, MigrationContext.configure(conn).get_current_revision())
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            return MigrationContext.configure(conn).get_current_revision() or ""
    except OperationalError as exc:
        raise StoreUnavailable(f"cannot reach the database: {exc.orig}") from exc
    except DatabaseError as exc:  # SQLite's "file is not a database", among others
        where = url[len("sqlite:///") :] if url.startswith("sqlite") else "the database"
        raise UnusableDatabase(f"cannot use {where}: {exc.orig}") from exc
    finally:
        engine.dispose()


def _make_folder(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:  # a parent is a regular file
        raise UnusableDatabase(
            f"cannot create the database {path}: {exc.filename} is not a folder"
        ) from exc
    except OSError as exc:
        raise UnusableDatabase(
            f"cannot create the database {path}: {exc.filename}: {exc.strerror}"
        ) from exc


def _check_known_revision(cfg: Config, revision: str | None) -> None:
    known = {script.revision for script in ScriptDirectory.from_config(cfg).walk_revisions()}
    if revision is not None and revision not in known:
        raise UnusableDatabase(
            f"the database is at schema revision {revision!r}, which signon {__version__} does "
            "not know: it was made by a newer signon (upgrade signon) or is not a signon database"
        )


def current_revision(database_url: str) -> str | None:
    url = database_url_for_sqlalchemy(database_url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()

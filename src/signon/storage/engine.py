"""The SQL engine under the store: SQLite set-up, transactions, writer queueing, threads."""

from __future__ import annotations

import fcntl
import functools
import os
import random
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

import anyio.to_thread
from sqlalchemy import Table, create_engine, event, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.pool import QueuePool

from signon.storage import schema as t
from signon.storage.store import Conflict, InvalidData, StoreUnavailable

__all__ = ["ATTEMPTS", "RolledBack", "SqlBase", "create_engine_for", "threaded"]

# PostgreSQL's deadlock_detected and serialization_failure: the transaction was rolled back as a
# whole and running it again is the documented answer (PostgreSQL manual, "Serialization Failure
# Handling"). Every store operation is one transaction, so the operation is what gets re-run.
_RETRY_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 3


class RolledBack(StoreUnavailable):
    """The database rolled the transaction back to break a deadlock or a serialization
    conflict: nothing was written. `threaded` runs the operation again."""


P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S", bound="SqlBase")


def create_engine_for(sqlalchemy_url: str) -> Engine:
    if sqlalchemy_url.startswith("sqlite"):
        engine = create_engine(
            sqlalchemy_url,
            connect_args={"timeout": 30, "check_same_thread": False},
            poolclass=QueuePool,
            # Enough connections for every worker thread (anyio's default limiter is 40): an
            # overflow connection would be opened (PRAGMAs and all) and closed per operation.
            pool_size=40,
            max_overflow=0,
            pool_timeout=30,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        sqlalchemy_url, pool_pre_ping=True, pool_size=10, max_overflow=10, pool_timeout=10
    )


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling begins lazily and cannot take the write lock up front.
    # We emit BEGIN ourselves: BEGIN IMMEDIATE for writes, so two processes racing to consume
    # the same code queue on the lock instead of failing with SQLITE_BUSY_SNAPSHOT.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Reads run in autocommit: each SELECT is its own consistent snapshot, and a read
        # transaction's BEGIN/COMMIT round trips cost a fifth of a token lookup.
        options = conn.get_execution_options()
        if options.get("signon_write", False):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif options.get("signon_snapshot", False):  # several reads that must agree (an export)
            conn.exec_driver_sql("BEGIN")


def threaded(
    fn: Callable[Concatenate[S, P], R],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    """Run a store operation in a worker thread: one thread hop per operation, where an async
    driver would hop per statement (measured: 16x the throughput of aiosqlite on SQLite).
    Not cancellable once started, so a cancelled request never leaves half an operation.
    An operation PostgreSQL rolled back for a deadlock or a serialization conflict runs again,
    up to ATTEMPTS times in all: each operation is one transaction, so nothing of a rolled-back
    run was written. A callable an operation takes (consume_code's `issue`) runs again too and
    must start afresh each time: it may only compute, never keep state from an earlier run."""

    def attempts(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, ATTEMPTS):
            try:
                return fn(self, *args, **kwargs)
            except RolledBack:
                time.sleep(random.uniform(0, 0.01 * attempt))  # noqa: S311 (jitter, not a secret)
        return fn(self, *args, **kwargs)  # the last attempt: RolledBack goes to the caller

    async def run(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return await anyio.to_thread.run_sync(functools.partial(attempts, self, *args, **kwargs))

    run.__name__, run.__doc__ = fn.__name__, fn.__doc__
    return run


@contextmanager
def _file_lock(path: str | None) -> Iterator[None]:
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


class SqlBase:
    """Transactions and the locks every part of the store shares."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite has one writer at a time. Writers queue on a lock instead: this process's on a
        # thread lock, other processes' (`--workers`, the CLI) on an flock of a file beside the
        # database. Left to SQLite's busy handler they would poll with sleeps of up to 100 ms
        # and the token endpoint's p99 would be seconds. busy_timeout remains the backstop.
        self._writer = threading.Lock() if engine.dialect.name == "sqlite" else None
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self._writer_file = f"{database}-writer" if database and database != ":memory:" else None

    def upsert(self, table: Table) -> Any:
        """INSERT that can say ON CONFLICT (the two dialects spell it alike, typed apart)."""
        insert_ = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        return insert_(table)

    @contextmanager
    def _tx(self, write: bool = False, snapshot: bool = False) -> Iterator[Connection]:
        """A transaction. `snapshot`: every read in it sees the same moment (PostgreSQL's
        REPEATABLE READ; on SQLite, whose reads otherwise run in autocommit, a deferred BEGIN)."""
        if write and self._writer is not None:
            with self._writer, _file_lock(self._writer_file), self._tx_unlocked(write) as conn:
                yield conn
        else:
            with self._tx_unlocked(write, snapshot) as conn:
                yield conn

    @contextmanager
    def _tx_unlocked(self, write: bool, snapshot: bool = False) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                if write:
                    conn.execution_options(signon_write=True)
                if snapshot and self.engine.dialect.name == "postgresql":
                    conn.execution_options(isolation_level="REPEATABLE READ")
                elif snapshot:
                    conn.execution_options(signon_snapshot=True)
                with conn.begin():
                    yield conn
        except IntegrityError as exc:
            raise Conflict(str(exc.orig)) from exc
        except DataError as exc:  # the transaction rolled back: nothing half-written
            raise InvalidData(str(exc.orig)) from exc
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) in _RETRY_SQLSTATES:
                raise RolledBack("the database kept rolling the transaction back") from exc
            raise StoreUnavailable("the database is unavailable") from exc
        except (InterfaceError, OSError, TimeoutError) as exc:
            raise StoreUnavailable("the database is unavailable") from exc
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise StoreUnavailable("the database connection was lost") from exc
            raise

    @staticmethod
    def _lock_grant(conn: Connection, grant_id: str) -> bool:
        """Lock the grant's row until commit; True if the grant is live.

        Issuing tokens (code exchange, refresh) and revoking them (revoke_grant, a replayed
        code) all take this lock first, so they run one after another per grant. Under
        PostgreSQL's READ COMMITTED a statement sees rows committed before it started: a
        revocation that waited for an issuer therefore also revokes what the issuer saved.
        SQLite needs no lock: BEGIN IMMEDIATE already serialises writers.
        """
        g = t.grants
        query = select(g.c.revoked_at).where(g.c.grant_id == grant_id).with_for_update()
        row = conn.execute(query).first()
        return row is not None and row.revoked_at is None

    def _lock_tables(self, conn: Connection, *tables: Table) -> None:
        """Serialise check-then-insert transactions on these tables ("insert if there is none
        yet"): on PostgreSQL a table lock that conflicts with itself, so the second transaction
        waits and then sees what the first inserted. SQLite's BEGIN IMMEDIATE already does."""
        if self.engine.dialect.name == "postgresql":
            names = ", ".join(table.name for table in tables)
            conn.exec_driver_sql(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")

    @staticmethod
    def _lock_grants_where(conn: Connection, condition: Any) -> None:
        """Lock every grant matching `condition` (in one order: no deadlock between deleters),
        before revoking their tokens and deleting what they belong to. An issuer holding a
        grant's lock (a code exchange, a refresh) has then committed its tokens, which the
        revocation's next statement sees; one that comes later finds the grant gone."""
        g = t.grants
        conn.execute(select(g.c.grant_id).where(condition).order_by(g.c.grant_id).with_for_update())

    @staticmethod
    def _revoke_where(conn: Connection, condition: Any, now: int) -> int:
        tk = t.tokens
        result = conn.execute(
            update(tk).where(condition, tk.c.revoked_at.is_(None)).values(revoked_at=now)
        )
        return result.rowcount

"""A store operation PostgreSQL rolls back for a deadlock or a serialization conflict runs again
(each operation is one transaction); other database errors do not, and a lasting conflict ends
as StoreUnavailable (503). The errors are PostgreSQL's own, raised with their SQLSTATE; the
deadlock test makes a real one."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import sqlalchemy
from sqlalchemy import text

from signon.storage.engine import ATTEMPTS, SqlBase, create_engine_for, threaded
from signon.storage.store import StoreUnavailable
from tests.conftest import temporary_pg_database


class Probe(SqlBase):
    """A store with one operation: count the run, then fail the first `failing` runs with
    `sqlstate`, else add one to the counter row, in one transaction."""

    def __init__(self, url: str, sqlstate: str = "", failing: int = 0) -> None:
        super().__init__(create_engine_for(url))
        self.sqlstate, self.failing, self.runs = sqlstate, failing, 0

    @threaded
    def bump(self) -> int:
        self.runs += 1
        with self._tx(write=True) as conn:
            conn.execute(text("UPDATE counter SET n = n + 1"))
            if self.runs <= self.failing:
                conn.exec_driver_sql(
                    f"DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '{self.sqlstate}';"
                    " END $$"
                )
            return int(conn.execute(text("SELECT n FROM counter")).scalar_one())

    @threaded
    def bump_b_then_a(self) -> None:
        self.runs += 1
        with self._tx(write=True) as conn:
            conn.execute(text("UPDATE pair SET n = n + 1 WHERE k = 'b'"))
            conn.execute(text("UPDATE pair SET n = n + 1 WHERE k = 'a'"))


@pytest.fixture
def pg_url() -> Iterator[str]:
    with temporary_pg_database() as url:
        engine = sqlalchemy.create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE counter (n integer NOT NULL)"))
            conn.execute(text("INSERT INTO counter VALUES (0)"))
            conn.execute(text("CREATE TABLE pair (k text PRIMARY KEY, n integer NOT NULL)"))
            conn.execute(text("INSERT INTO pair VALUES ('a', 0), ('b', 0)"))
        engine.dispose()
        yield url


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])  # deadlock, serialization failure
async def test_a_rolled_back_operation_runs_again(pg_url: str, sqlstate: str) -> None:
    probe = Probe(pg_url, sqlstate, failing=ATTEMPTS - 1)
    try:
        assert await probe.bump() == 1  # the rolled-back runs left nothing behind
        assert probe.runs == ATTEMPTS
    finally:
        probe.engine.dispose()


async def test_a_lasting_conflict_is_store_unavailable(pg_url: str) -> None:
    probe = Probe(pg_url, "40P01", failing=ATTEMPTS)
    try:
        with pytest.raises(StoreUnavailable):
            await probe.bump()
        assert probe.runs == ATTEMPTS
        assert await probe.bump() == 1
    finally:
        probe.engine.dispose()


async def test_other_errors_do_not_run_again(pg_url: str) -> None:
    probe = Probe(pg_url, "57P01", failing=1)  # admin_shutdown: the server went away
    try:
        with pytest.raises(StoreUnavailable):
            await probe.bump()
        assert probe.runs == 1
    finally:
        probe.engine.dispose()


async def _blocked_by(engine: sqlalchemy.Engine, pid: int) -> None:
    """Wait until some backend waits for a lock that backend `pid` holds (the operation has
    started and holds "b"): a fixed sleep is too short on a loaded machine."""
    query = text(
        "SELECT count(*) FROM pg_locks WHERE NOT granted AND :pid = ANY(pg_blocking_pids(pid))"
    )
    for _ in range(600):
        with engine.connect() as spy:
            if spy.execute(query, {"pid": pid}).scalar_one():
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the operation never waited for the other transaction")


async def test_the_deadlock_victim_runs_again_and_succeeds(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operation locks "b" then waits for "a", held by another transaction that then wants
    "b": PostgreSQL rolls the operation back (the other side's deadlock_timeout is set long,
    so the operation is always the one that detects it), and a later run succeeds once the
    other transaction commits. (A run may meet the deadlock again if it takes "b" before the
    woken transaction does: the attempts are raised so that cannot fail the test.)"""
    monkeypatch.setattr("signon.storage.engine.ATTEMPTS", 10)
    probe = Probe(pg_url)
    other = sqlalchemy.create_engine(pg_url)
    try:
        with other.connect() as conn, conn.begin():
            conn.execute(text("SET LOCAL deadlock_timeout = '60s'"))
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            conn.execute(text("UPDATE pair SET n = n + 10 WHERE k = 'a'"))
            operation = asyncio.create_task(probe.bump_b_then_a())
            await _blocked_by(other, pid)  # the operation holds "b" and waits for "a"
            conn.execute(text("UPDATE pair SET n = n + 10 WHERE k = 'b'"))
        await asyncio.wait_for(operation, 60)
        assert probe.runs >= 2
        with other.connect() as conn:
            rows = {k: n for k, n in conn.execute(text("SELECT k, n FROM pair"))}
        assert rows == {"a": 11, "b": 11}  # the rolled-back runs left nothing behind
    finally:
        other.dispose()
        probe.engine.dispose()

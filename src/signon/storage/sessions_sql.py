"""Browser sessions in SQL: a session row, and its signed-in accounts in `authuser` order; and
the sign-in throttle's failure counters."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, case, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from signon.storage import rows
from signon.storage import schema as t
from signon.storage.engine import SqlBase, threaded
from signon.storage.records import (
    BrowserSession,
)

__all__ = ["SqlSessions"]


class SqlSessions(SqlBase):
    # browser sessions --------------------------------------------------------------------
    @threaded
    def create_session(self, session: BrowserSession) -> None:
        values = rows.asdict(session)
        del values["accounts"]
        with self._tx(write=True) as conn:
            conn.execute(insert(t.browser_sessions).values(**values))

    @threaded
    def find_session(self, id_hash: str, now: int) -> BrowserSession | None:
        s, a = t.browser_sessions, t.session_accounts
        with self._tx() as conn:
            row = (
                conn.execute(select(s).where(s.c.id_hash == id_hash, s.c.expires_at > now))
            ).first()
            if row is None:
                return None
            subs = conn.execute(
                select(a.c.user_sub).where(a.c.session_hash == id_hash).order_by(a.c.position)
            )
            return BrowserSession(**row._asdict(), accounts=tuple(subs.scalars()))

    @threaded
    def touch_session(self, id_hash: str, now: int, expires_at: int) -> None:
        s = t.browser_sessions
        query = (
            update(s).where(s.c.id_hash == id_hash).values(last_seen_at=now, expires_at=expires_at)
        )
        with self._tx(write=True) as conn:
            conn.execute(query)

    @threaded
    def add_session_account(self, id_hash: str, user_sub: str, now: int) -> None:
        a = t.session_accounts
        with self._tx(write=True) as conn:
            present = conn.execute(
                select(a.c.user_sub).where(a.c.session_hash == id_hash, a.c.user_sub == user_sub)
            )
            if present.first() is not None:
                return
            last = conn.execute(select(func.max(a.c.position)).where(a.c.session_hash == id_hash))
            position = (last.scalar() or 0) + 1
            conn.execute(
                insert(a).values(
                    session_hash=id_hash, user_sub=user_sub, position=position, signed_in_at=now
                )
            )

    @threaded
    def remove_session_account(self, id_hash: str, user_sub: str) -> None:
        a = t.session_accounts
        with self._tx(write=True) as conn:
            conn.execute(delete(a).where(a.c.session_hash == id_hash, a.c.user_sub == user_sub))

    @threaded
    def delete_session(self, id_hash: str) -> None:
        with self._tx(write=True) as conn:
            conn.execute(
                delete(t.session_accounts).where(t.session_accounts.c.session_hash == id_hash)
            )
            conn.execute(delete(t.browser_sessions).where(t.browser_sessions.c.id_hash == id_hash))

    @threaded
    def list_user_sessions(self, user_sub: str, now: int) -> list[BrowserSession]:
        s, a = t.browser_sessions, t.session_accounts
        query = (
            select(s)
            .join(a, a.c.session_hash == s.c.id_hash)
            .where(a.c.user_sub == user_sub, s.c.expires_at > now)
            .order_by(s.c.last_seen_at.desc())
        )
        with self._tx() as conn:
            found = list(conn.execute(query))
        return [BrowserSession(**r._asdict(), accounts=(user_sub,)) for r in found]

    @threaded
    def sign_out_user_everywhere(self, user_sub: str, keep: str | None = None) -> int:
        a = t.session_accounts
        condition = a.c.user_sub == user_sub
        if keep is not None:
            condition = and_(condition, a.c.session_hash != keep)
        with self._tx(write=True) as conn:
            result = conn.execute(delete(a).where(condition))
        return result.rowcount

    # sign-in throttle ----------------------------------------------------------------------
    @threaded
    def sign_in_failures(self, keys: Sequence[str], since: int) -> dict[str, tuple[int, int]]:
        """{key: (failures, first_at)} for the keys whose window began at `since` or later."""
        f = t.sign_in_failures
        with self._tx() as conn:
            found = conn.execute(
                select(f.c.key, f.c.failures, f.c.first_at).where(
                    f.c.key.in_(list(keys)), f.c.first_at >= since
                )
            ).all()
        return {row.key: (row.failures, row.first_at) for row in found}

    @threaded
    def record_sign_in_failure(self, keys: Sequence[str], now: int, since: int) -> None:
        """Count one failure for each key: a window that began before `since` starts over.
        Also drops rows idle since before `since`, so the table holds only live windows."""
        f = t.sign_in_failures
        insert_ = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        fresh = f.c.first_at >= since
        with self._tx(write=True) as conn:
            conn.execute(delete(f).where(f.c.last_at < since))
            for key in sorted(set(keys)):  # a fixed order: two writers never deadlock
                statement = insert_(f).values(key=key, failures=1, first_at=now, last_at=now)
                conn.execute(
                    statement.on_conflict_do_update(
                        index_elements=[f.c.key],
                        set_={
                            "failures": case((fresh, f.c.failures + 1), else_=1),
                            "first_at": case((fresh, f.c.first_at), else_=now),
                            "last_at": now,
                        },
                    )
                )

    @threaded
    def clear_sign_in_failures(self, keys: Sequence[str]) -> None:
        with self._tx(write=True) as conn:
            conn.execute(delete(t.sign_in_failures).where(t.sign_in_failures.c.key.in_(keys)))

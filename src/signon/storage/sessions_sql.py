"""Browser sessions in SQL: a session row, and its signed-in accounts in `authuser` order; and
the sign-in throttle's failure counters."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, case, delete, func, insert, literal, select, update

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
    def replace_session(self, session: BrowserSession, previous: str | None, user_sub: str) -> None:
        """Sign-in in one transaction: create `session`, give it the accounts `previous` holds
        *now* (not as the request read them: one may have been signed out everywhere
        meanwhile) plus `user_sub`, and delete `previous`. The copied accounts' user rows are
        locked (shared) first and `sign_out_user_everywhere` locks its user row, so the two
        run one after the other on PostgreSQL: no signed-out account comes back."""
        s, a, u = t.browser_sessions, t.session_accounts, t.users
        values = rows.asdict(session)
        del values["accounts"]
        with self._tx(write=True) as conn:
            conn.execute(insert(s).values(**values))
            last = 0
            if previous is not None:
                subs = select(a.c.user_sub).where(a.c.session_hash == previous)
                conn.execute(
                    select(u.c.sub)
                    .where(u.c.sub.in_(subs))
                    .order_by(u.c.sub)
                    .with_for_update(read=True)
                )
                conn.execute(
                    insert(a).from_select(
                        ["session_hash", "user_sub", "position", "signed_in_at"],
                        select(
                            literal(session.id_hash), a.c.user_sub, a.c.position, a.c.signed_in_at
                        ).where(a.c.session_hash == previous),
                    )
                )
                last = (
                    conn.execute(
                        select(func.max(a.c.position)).where(a.c.session_hash == session.id_hash)
                    ).scalar()
                    or 0
                )
                conn.execute(delete(a).where(a.c.session_hash == previous))
                conn.execute(delete(s).where(s.c.id_hash == previous))
            present = conn.execute(
                select(a.c.user_sub).where(
                    a.c.session_hash == session.id_hash, a.c.user_sub == user_sub
                )
            ).first()
            if present is None:
                conn.execute(
                    insert(a).values(
                        session_hash=session.id_hash,
                        user_sub=user_sub,
                        position=last + 1,
                        signed_in_at=session.created_at,
                    )
                )

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
        with self._tx(write=True) as conn:  # the user's row first: see replace_session
            conn.execute(select(t.users.c.sub).where(t.users.c.sub == user_sub).with_for_update())
            result = conn.execute(delete(a).where(condition))
        return result.rowcount

    # sign-in throttle ----------------------------------------------------------------------
    @threaded
    def record_sign_in_failure(
        self, keys: Sequence[str], now: int, since: int
    ) -> dict[str, tuple[int, int]]:
        """Count one failure for each key: a window that began before `since` starts over.
        Returns {key: (failures, first_at)} as counted, read in the same transaction (so two
        concurrent callers see different counts). Also drops rows idle since before `since`,
        so the table holds only live windows."""
        f = t.sign_in_failures
        fresh = f.c.first_at >= since
        with self._tx(write=True) as conn:
            for key in sorted(set(keys)):  # every writer locks rows in key order: no deadlock
                statement = self.upsert(f).values(key=key, failures=1, first_at=now, last_at=now)
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
            counted = conn.execute(
                select(f.c.key, f.c.failures, f.c.first_at).where(f.c.key.in_(list(keys)))
            ).all()
            # Last, and never waiting (rows another writer holds are left for the next sweep):
            # waiting here while holding this attempt's rows could close a lock cycle.
            idle = select(f.c.key).where(f.c.last_at < since).with_for_update(skip_locked=True)
            conn.execute(delete(f).where(f.c.key.in_(idle.scalar_subquery())))
        return {row.key: (row.failures, row.first_at) for row in counted}

    @threaded
    def clear_sign_in_failures(self, keys: Sequence[str], refund: Sequence[str] = ()) -> None:
        """Forget the `keys`' failures; take one failure back from each of `refund`."""
        f = t.sign_in_failures
        with self._tx(write=True) as conn:
            # Lock the rows in key order first, as record_sign_in_failure does: an UPDATE or
            # DELETE locks them in the table's order, which can be the reverse (a deadlock).
            touched = sorted({*keys, *refund})
            conn.execute(
                select(f.c.key).where(f.c.key.in_(touched)).order_by(f.c.key).with_for_update()
            )
            conn.execute(delete(f).where(f.c.key.in_(keys)))
            if refund:
                conn.execute(
                    update(f)
                    .where(f.c.key.in_(refund), f.c.failures > 0)
                    .values(failures=f.c.failures - 1)
                )

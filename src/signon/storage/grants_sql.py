"""Grants, authorization codes, access and refresh tokens in SQL. Codes and tokens are stored
as SHA-256 hashes only; consuming a code and revoking a grant are single transactions."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from signon.storage import rows
from signon.storage import schema as t
from signon.storage.engine import SqlBase, threaded
from signon.storage.records import (
    AuthCode,
    Grant,
    Token,
)
from signon.storage.store import CodeConsumption

__all__ = ["LIVE_GRANTS", "SqlGrants"]

LIVE_GRANTS = (
    select(t.grants).where(t.grants.c.revoked_at.is_(None)).order_by(t.grants.c.created_at)
)


class SqlGrants(SqlBase):
    # grants ------------------------------------------------------------------------------
    @threaded
    def find_grant(self, user_sub: str, client_id: str) -> Grant | None:
        g = t.grants
        query = select(g).where(
            g.c.user_sub == user_sub, g.c.client_id == client_id, g.c.revoked_at.is_(None)
        )
        with self._tx() as conn:
            row = (conn.execute(query)).first()
        return rows.grant(row) if row else None

    @threaded
    def find_grant_by_id(self, grant_id: str) -> Grant | None:
        with self._tx() as conn:
            row = (conn.execute(select(t.grants).where(t.grants.c.grant_id == grant_id))).first()
        return rows.grant(row) if row else None

    @threaded
    def save_grant(
        self, user_sub: str, client_id: str, scopes: Sequence[str], now: int, new_id: str
    ) -> Grant:
        """Add `scopes` to the user's grant for the client, creating (or reviving) it. Two first
        consents at once (two tabs, an auto-consent client) make one grant: the insert yields to
        a row another transaction inserted meanwhile (FOR UPDATE locks no row that is not there
        yet), and the scopes are then merged into that one."""
        g = t.grants
        with self._tx(write=True) as conn:
            query = select(g).where(g.c.user_sub == user_sub, g.c.client_id == client_id)
            inserted = conn.execute(
                self.upsert(g)
                .values(
                    grant_id=new_id,
                    user_sub=user_sub,
                    client_id=client_id,
                    scopes=" ".join(sorted(set(scopes))),
                    created_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing(index_elements=[g.c.user_sub, g.c.client_id])
            )
            if inserted.rowcount != 1:  # there is one: revive or extend it
                row = conn.execute(query.with_for_update()).one()
                if row.revoked_at is not None:
                    # A revoked grant is gone for good; a new consent starts a new grant ID.
                    conn.execute(
                        update(g)
                        .where(g.c.grant_id == row.grant_id)
                        .values(
                            grant_id=new_id,
                            scopes=" ".join(sorted(set(scopes))),
                            created_at=now,
                            updated_at=now,
                            revoked_at=None,
                        )
                    )
                else:
                    merged = " ".join(sorted(set(rows.scopes(row.scopes)) | set(scopes)))
                    conn.execute(
                        update(g)
                        .where(g.c.grant_id == row.grant_id)
                        .values(scopes=merged, updated_at=now)
                    )
            result = (conn.execute(query)).one()
        return rows.grant(result)

    @threaded
    def list_grants(self, user_sub: str | None = None) -> list[Grant]:
        query = LIVE_GRANTS
        if user_sub is not None:
            query = query.where(t.grants.c.user_sub == user_sub)
        with self._tx() as conn:
            found = conn.execute(query)
        return [rows.grant(r) for r in found]

    @threaded
    def revoke_grant(self, grant_id: str, now: int) -> bool:
        g, c = t.grants, t.auth_codes
        with self._tx(write=True) as conn:
            # The grant row first, as every operation that issues or revokes its tokens does
            # (see _lock_grant): later statements then see whatever they committed.
            result = conn.execute(
                update(g)
                .where(g.c.grant_id == grant_id, g.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            conn.execute(
                update(c)
                .where(c.c.grant_id == grant_id, c.c.consumed_at.is_(None))
                .values(consumed_at=now)
            )
            self._revoke_where(conn, t.tokens.c.grant_id == grant_id, now)
        return result.rowcount > 0

    # codes and tokens --------------------------------------------------------------------
    @threaded
    def save_code(self, code: AuthCode) -> None:
        with self._tx(write=True) as conn:
            conn.execute(insert(t.auth_codes).values(**rows.code_values(code)))

    @threaded
    def consume_code(
        self,
        code_hash: str,
        now: int,
        issue: Callable[[AuthCode], Sequence[Token | AuthCode]],
        refresh_cap: int | None = None,
    ) -> CodeConsumption:
        """Claim the code and save what `issue` mints from it (tokens, and the codes issued with
        them: a native exchange's server code), in one transaction under the grant's lock. With
        `refresh_cap`, the user's oldest live refresh tokens for the client beyond that many are
        revoked (Google: "the oldest is invalidated without warning")."""
        c = t.auth_codes
        with self._tx(write=True) as conn:
            row = conn.execute(select(c).where(c.c.code_hash == code_hash)).first()
            if row is None:
                return CodeConsumption("unknown")
            if not self._lock_grant(conn, row.grant_id):
                # Its grant was revoked (which also consumed the code) or deleted. Read the
                # code again: the first read may predate the revocation we just waited for.
                again = conn.execute(select(c).where(c.c.code_hash == code_hash)).first()
                if again is None:  # deleted with its client meanwhile
                    return CodeConsumption("unknown")
                code = rows.code(again)
                return CodeConsumption("replayed" if code.consumed_at else "unknown", code)
            claimed = conn.execute(
                update(c)
                .where(c.c.code_hash == code_hash, c.c.consumed_at.is_(None), c.c.expires_at > now)
                .values(consumed_at=now)
                .returning(*c.c)
            ).first()
            if claimed is not None:
                code = rows.code(claimed)
                issued = tuple(issue(code))
                tokens = tuple(x for x in issued if isinstance(x, Token))
                if tokens:
                    conn.execute(insert(t.tokens), [rows.token_values(x) for x in tokens])
                for child in (x for x in issued if isinstance(x, AuthCode)):
                    conn.execute(insert(c).values(**rows.code_values(child)))
                if refresh_cap is not None and any(x.kind == "refresh" for x in tokens):
                    self._cap_refresh_tokens(conn, code.user_sub, code.client_id, refresh_cap, now)
                return CodeConsumption("ok", code, tokens)
            again = conn.execute(select(c).where(c.c.code_hash == code_hash)).first()
            if again is None:  # deleted with its client while we waited for the grant's lock
                return CodeConsumption("unknown")
            code = rows.code(again)
            if code.consumed_at is None:
                return CodeConsumption("expired", code)
            # RFC 6749 4.1.2: a replayed code revokes the tokens issued from it, and the codes
            # issued with them (a native exchange's server code) can no longer be redeemed.
            self._revoke_where(conn, t.tokens.c.family_id == code.family, now)
            conn.execute(
                update(c)
                .where(c.c.family_id == code.family, c.c.consumed_at.is_(None))
                .values(consumed_at=now)
            )
            return CodeConsumption("replayed", code)

    @threaded
    def save_tokens(
        self, tokens: Sequence[Token], parent: str | None = None, live_grant: bool = False
    ) -> bool:
        """Save tokens. With `parent` (the hash of the token they are issued from, e.g. the
        refresh token), only while that token and its grant are live; False then, and nothing
        is saved, so a refresh racing a revocation cannot leave a live token behind. The parent's
        `last_used_at` becomes the new tokens' `created_at` (refresh token idle expiry).
        With `live_grant` (tokens issued straight from an authorization, the implicit flow),
        only while their grant is live."""
        if not tokens:
            return True
        tk = t.tokens
        with self._tx(write=True) as conn:
            if (parent is not None or live_grant) and not self._lock_grant(
                conn, tokens[0].grant_id
            ):
                return False
            if parent is not None:
                used = conn.execute(
                    update(tk)
                    .where(tk.c.token_hash == parent, tk.c.revoked_at.is_(None))
                    .values(last_used_at=tokens[0].created_at)
                )
                if used.rowcount != 1:
                    return False
            conn.execute(insert(tk), [rows.token_values(x) for x in tokens])
        return True

    @staticmethod
    def _cap_refresh_tokens(
        conn: Connection, user_sub: str, client_id: str, cap: int, now: int
    ) -> None:
        tk = t.tokens
        excess = (
            select(tk.c.token_hash)
            .where(
                tk.c.user_sub == user_sub,
                tk.c.client_id == client_id,
                tk.c.kind == "refresh",
                tk.c.revoked_at.is_(None),
            )
            .order_by(tk.c.created_at.desc(), tk.c.token_hash.desc())
            .offset(cap)
        )
        doomed = list(conn.execute(excess).scalars())
        if doomed:
            conn.execute(update(tk).where(tk.c.token_hash.in_(doomed)).values(revoked_at=now))

    @threaded
    def find_token(self, token_hash: str) -> Token | None:
        with self._tx() as conn:
            row = (
                conn.execute(select(t.tokens).where(t.tokens.c.token_hash == token_hash))
            ).first()
        return rows.token(row) if row else None

    @threaded
    def revoke_family(self, family_id: str, now: int) -> int:
        tk = t.tokens
        with self._tx(write=True) as conn:
            grants = conn.execute(
                select(tk.c.grant_id).where(tk.c.family_id == family_id).distinct()
            ).scalars()
            for grant_id in sorted(grants):
                self._lock_grant(conn, grant_id)
            return self._revoke_where(conn, tk.c.family_id == family_id, now)

"""The one Store implementation: SQLAlchemy Core on SQLite (embedded default) or PostgreSQL.

Split by record family: engine.py (transactions, locks, threads), sessions_sql.py, grants_sql.py
(grants, codes and tokens: their storage), rows.py (row <-> record); users, projects, clients,
signing keys and instance secrets are here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update

from signon.storage import rows
from signon.storage import schema as t
from signon.storage.engine import create_engine_for, threaded
from signon.storage.grants_sql import LIVE_GRANTS, SqlGrants
from signon.storage.records import (
    Client,
    Grant,
    Project,
    SigningKey,
    User,
)
from signon.storage.sessions_sql import SqlSessions
from signon.storage.store import Conflict

__all__ = ["SqlStore", "create_engine_for"]


class SqlStore(SqlSessions, SqlGrants):
    # lifecycle ---------------------------------------------------------------------------
    @threaded
    def ping(self) -> None:
        with self._tx() as conn:
            conn.execute(select(1))

    @threaded
    def close(self) -> None:
        self.engine.dispose()

    @threaded
    def reset(self) -> None:
        with self._tx(write=True) as conn:
            for table in reversed(t.metadata.sorted_tables):
                conn.execute(delete(table))

    # users -------------------------------------------------------------------------------
    @threaded
    def create_user(self, user: User) -> None:
        with self._tx(write=True) as conn:
            conn.execute(insert(t.users).values(**rows.user_values(user)))

    @threaded
    def find_user(self, sub: str) -> User | None:
        with self._tx() as conn:
            row = (conn.execute(select(t.users).where(t.users.c.sub == sub))).first()
        return rows.user(row) if row else None

    @threaded
    def find_user_by_email(self, email: str) -> User | None:
        query = select(t.users).where(t.users.c.email == email.lower())
        with self._tx() as conn:
            row = (conn.execute(query)).first()
        return rows.user(row) if row else None

    @threaded
    def list_users(self) -> list[User]:
        with self._tx() as conn:
            found = conn.execute(_USERS)
        return [rows.user(r) for r in found]

    @threaded
    def update_user(self, user: User, before: User) -> None:
        """Write the fields in which `user` differs from `before` (the record the change was
        made to), and only those: two requests changing different fields of one account (a
        profile edit, an admin's demotion, a password change) must not undo each other."""
        values = _changed(rows.user_values(user), rows.user_values(before), ("sub", "created_at"))
        if values:
            with self._tx(write=True) as conn:
                conn.execute(update(t.users).where(t.users.c.sub == user.sub).values(**values))

    @threaded
    def delete_user(self, sub: str) -> bool:
        with self._tx(write=True) as conn:
            self._lock_grants_where(conn, t.grants.c.user_sub == sub)
            self._revoke_where(conn, t.tokens.c.user_sub == sub, 0)
            result = conn.execute(delete(t.users).where(t.users.c.sub == sub))
        return result.rowcount > 0

    # projects and clients ----------------------------------------------------------------
    @threaded
    def create_project(self, project: Project) -> None:
        with self._tx(write=True) as conn:
            conn.execute(insert(t.projects).values(**rows.asdict(project)))

    @threaded
    def find_project(self, name: str) -> Project | None:
        with self._tx() as conn:
            row = (conn.execute(select(t.projects).where(t.projects.c.name == name))).first()
        return rows.project(row) if row else None

    @threaded
    def list_projects(self) -> list[Project]:
        with self._tx() as conn:
            found = conn.execute(_PROJECTS)
        return [rows.project(r) for r in found]

    @threaded
    def update_project(self, project: Project) -> None:
        values = rows.asdict(project)
        del values["name"], values["number"], values["created_at"]
        query = update(t.projects).where(t.projects.c.name == project.name).values(**values)
        with self._tx(write=True) as conn:
            conn.execute(query)

    @threaded
    def delete_project(self, name: str) -> bool:
        with self._tx(write=True) as conn:
            ids = select(t.clients.c.client_id).where(t.clients.c.project == name)
            self._lock_grants_where(conn, t.grants.c.client_id.in_(ids))
            self._revoke_where(conn, t.tokens.c.client_id.in_(ids), 0)
            conn.execute(delete(t.clients).where(t.clients.c.project == name))
            result = conn.execute(delete(t.projects).where(t.projects.c.name == name))
        return result.rowcount > 0

    @threaded
    def create_client(self, client: Client, project: Project | None = None) -> None:
        """Insert `client`, and first `project` (its project, when that is new) in the same
        transaction: a refused client (its ID taken) leaves no empty project behind."""
        with self._tx(write=True) as conn:
            if project is not None:
                conn.execute(insert(t.projects).values(**rows.asdict(project)))
            conn.execute(insert(t.clients).values(**rows.client_values(client)))

    @threaded
    def find_client(self, client_id: str) -> Client | None:
        query = select(t.clients).where(t.clients.c.client_id == client_id)
        with self._tx() as conn:
            row = (conn.execute(query)).first()
        return rows.client(row) if row else None

    @threaded
    def list_clients(self, project: str | None = None) -> list[Client]:
        query = _CLIENTS
        if project is not None:
            query = query.where(t.clients.c.project == project)
        with self._tx() as conn:
            found = conn.execute(query)
        return [rows.client(r) for r in found]

    @threaded
    def update_client(self, client: Client, before: Client) -> None:
        """Write the fields in which `client` differs from `before`, and only those (see
        `update_user`): a secret reset and a rename at once both stay."""
        values = _changed(
            rows.client_values(client), rows.client_values(before), ("client_id", "created_at")
        )
        if values:
            c = t.clients
            with self._tx(write=True) as conn:
                conn.execute(update(c).where(c.c.client_id == client.client_id).values(**values))

    @threaded
    def replace_client_secret(self, client_id: str, expected_hash: str, new_hash: str) -> bool:
        """Compare-and-set of a client's secret hash: False if it was no longer `expected_hash`."""
        c = t.clients
        query = (
            update(c)
            .where(c.c.client_id == client_id, c.c.secret_hash == expected_hash)
            .values(secret_hash=new_hash)
        )
        with self._tx(write=True) as conn:
            return conn.execute(query).rowcount == 1

    @threaded
    def delete_client(self, client_id: str) -> bool:
        g, c = t.grants, t.auth_codes
        with self._tx(write=True) as conn:
            # Tokens outlive nothing: a deleted client's tokens stop working at once. Its own
            # grants are locked, and the grants its unredeemed codes sit on: a server code
            # (seed 003) sits on the native app's grant, which is what its exchange locks.
            codes = select(c.c.grant_id).where(
                c.c.client_id == client_id, c.c.consumed_at.is_(None)
            )
            self._lock_grants_where(conn, or_(g.c.client_id == client_id, g.c.grant_id.in_(codes)))
            self._revoke_where(conn, t.tokens.c.client_id == client_id, 0)
            conn.execute(delete(c).where(c.c.client_id == client_id))
            query = delete(t.clients).where(t.clients.c.client_id == client_id)
            result = conn.execute(query)
        return result.rowcount > 0

    # signing keys ------------------------------------------------------------------------
    @threaded
    def list_signing_keys(self) -> list[SigningKey]:
        with self._tx() as conn:
            found = conn.execute(_SIGNING_KEYS)
        return [SigningKey(**r._asdict()) for r in found]

    @threaded
    def add_signing_key(self, key: SigningKey, older_publish_until: int | None) -> None:
        with self._tx(write=True) as conn:
            if older_publish_until is not None:
                conn.execute(
                    update(t.signing_keys)
                    .where(t.signing_keys.c.publish_until.is_(None))
                    .values(publish_until=older_publish_until)
                )
            conn.execute(insert(t.signing_keys).values(**rows.asdict(key)))

    @threaded
    def add_first_signing_key(self, key: SigningKey) -> bool:
        """Add `key` only if there is no signing key at all; False if there was one. Processes
        starting together on an empty database must agree on one first key, not add one each
        (each would sign with its own while relying parties cache a JWKS without the others).
        SQLite's BEGIN IMMEDIATE serialises this; PostgreSQL needs the table lock."""
        sk = t.signing_keys
        with self._tx(write=True) as conn:
            self._lock_tables(conn, t.signing_keys)
            if conn.execute(select(sk.c.kid).limit(1)).first() is not None:
                return False
            conn.execute(insert(sk).values(**rows.asdict(key)))
        return True

    @threaded
    def replace_signing_key_private(self, kid: str, old: str, new: str) -> bool:
        """Compare-and-set a key's stored private key (sealing a key stored in the clear)."""
        sk = t.signing_keys
        with self._tx(write=True) as conn:
            result = conn.execute(
                update(sk).where(sk.c.kid == kid, sk.c.private_key == old).values(private_key=new)
            )
        return result.rowcount == 1

    @threaded
    def delete_signing_key(self, kid: str) -> bool:
        with self._tx(write=True) as conn:
            result = conn.execute(delete(t.signing_keys).where(t.signing_keys.c.kid == kid))
        return result.rowcount > 0

    @threaded
    def get_or_create_secret(self, name: str, value: str) -> str:
        """The stored value, or `value` stored now. One statement that cannot conflict: every
        worker of a server calls this at start, at the same moment."""
        s = t.instance_secrets
        with self._tx(write=True) as conn:
            conn.execute(self.upsert(s).values(name=name, value=value).on_conflict_do_nothing())
            stored = conn.execute(select(s.c.value).where(s.c.name == name)).scalar_one()
        return str(stored)

    @threaded
    def find_secret(self, name: str) -> str | None:
        query = select(t.instance_secrets.c.value).where(t.instance_secrets.c.name == name)
        with self._tx() as conn:
            value = conn.execute(query).scalar()
        return None if value is None else str(value)

    @threaded
    def set_secret(self, name: str, value: str) -> None:
        """Create or replace an instance secret (e.g. the admin token's hash)."""
        s = t.instance_secrets
        statement = self.upsert(s).values(name=name, value=value)
        with self._tx(write=True) as conn:
            conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[s.c.name], set_={"value": statement.excluded.value}
                )
            )

    @threaded
    def dump_state(
        self,
    ) -> tuple[list[User], list[Project], list[Client], list[SigningKey], list[Grant]]:
        """Everything an export holds, read at one moment: a client and its grant created
        between two separate reads made an export that its own import refused."""
        with self._tx(snapshot=True) as conn:
            return (
                [rows.user(r) for r in conn.execute(_USERS)],
                [rows.project(r) for r in conn.execute(_PROJECTS)],
                [rows.client(r) for r in conn.execute(_CLIENTS)],
                [SigningKey(**r._asdict()) for r in conn.execute(_SIGNING_KEYS)],
                [rows.grant(r) for r in conn.execute(LIVE_GRANTS)],
            )

    @threaded
    def load_state(
        self,
        users: Sequence[User],
        projects: Sequence[Project],
        clients: Sequence[Client],
        keys: Sequence[SigningKey],
        grants: Sequence[Grant],
    ) -> None:
        """Import records into an instance that has no users, projects or clients, in one
        transaction: all of it lands or none of it. Given keys replace the instance's own."""
        with self._tx(write=True) as conn:
            self._lock_tables(conn, t.users, t.projects, t.clients)  # two imports: one lands
            for table in (t.users, t.projects, t.clients):
                if conn.execute(select(func.count()).select_from(table)).scalar():
                    raise Conflict("this instance already has data")
            if users:
                conn.execute(insert(t.users), [rows.user_values(u) for u in users])
            if projects:
                conn.execute(insert(t.projects), [rows.asdict(p) for p in projects])
            if clients:
                conn.execute(insert(t.clients), [rows.client_values(c) for c in clients])
            if keys:
                conn.execute(delete(t.signing_keys))
                conn.execute(insert(t.signing_keys), [rows.asdict(k) for k in keys])
            if grants:
                grant_rows = [{**rows.asdict(g), "scopes": " ".join(g.scopes)} for g in grants]
                conn.execute(insert(t.grants), grant_rows)


def _changed(
    after: dict[str, Any], before: dict[str, Any], fixed: tuple[str, ...]
) -> dict[str, Any]:
    """The columns to write: those that differ, except the ones a record never changes."""
    return {k: v for k, v in after.items() if k not in fixed and before.get(k) != v}


_USERS = select(t.users).order_by(t.users.c.created_at, t.users.c.email)
_PROJECTS = select(t.projects).order_by(t.projects.c.name)
_CLIENTS = select(t.clients).order_by(t.clients.c.created_at, t.clients.c.client_id)
_SIGNING_KEYS = select(t.signing_keys).order_by(t.signing_keys.c.activates_at)

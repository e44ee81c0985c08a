"""The one Store implementation: SQLAlchemy Core on SQLite (embedded default) or PostgreSQL."""

from __future__ import annotations

import fcntl
import functools
import json
import os
import threading
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

import anyio.to_thread
from sqlalchemy import and_, create_engine, delete, event, func, insert, select, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.pool import QueuePool

from signon.storage import schema as t
from signon.storage.records import (
    AuthCode,
    BrowserSession,
    Client,
    Grant,
    Project,
    SigningKey,
    Token,
    User,
)
from signon.storage.store import CodeConsumption, Conflict, StoreUnavailable

__all__ = ["SqlStore", "create_engine_for"]

P = ParamSpec("P")
R = TypeVar("R")


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
        if conn.get_execution_options().get("signon_write", False):
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def _threaded(
    fn: Callable[Concatenate[SqlStore, P], R],
) -> Callable[Concatenate[SqlStore, P], Coroutine[Any, Any, R]]:
    """Run a store operation in a worker thread: one thread hop per operation, where an async
    driver would hop per statement (measured: 16x the throughput of aiosqlite on SQLite).
    Not cancellable once started, so a cancelled request never leaves half an operation."""

    async def run(self: SqlStore, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return await anyio.to_thread.run_sync(functools.partial(fn, self, *args, **kwargs))

    run.__name__, run.__doc__ = fn.__name__, fn.__doc__
    return run


def _scopes(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _user(r: Row[Any]) -> User:
    return User(
        sub=r.sub,
        email=r.email,
        email_verified=bool(r.email_verified),
        name=r.name,
        given_name=r.given_name,
        family_name=r.family_name,
        picture=r.picture,
        locale=r.locale,
        hd=r.hd,
        password_hash=r.password_hash,
        is_admin=bool(r.is_admin),
        custom_claims=json.loads(r.custom_claims),
        created_at=r.created_at,
    )


def _user_values(u: User) -> dict[str, Any]:
    return {
        "sub": u.sub,
        "email": u.email.lower(),
        "email_verified": u.email_verified,
        "name": u.name,
        "given_name": u.given_name,
        "family_name": u.family_name,
        "picture": u.picture,
        "locale": u.locale,
        "hd": u.hd,
        "password_hash": u.password_hash,
        "is_admin": u.is_admin,
        "custom_claims": json.dumps(u.custom_claims, sort_keys=True),
        "created_at": u.created_at,
    }


def _project(r: Row[Any]) -> Project:
    return Project(**r._asdict())


def _client(r: Row[Any]) -> Client:
    d = r._asdict()
    d["origins"] = tuple(json.loads(d["origins"]))
    d["redirect_uris"] = tuple(json.loads(d["redirect_uris"]))
    d["auto_consent"] = bool(d["auto_consent"])
    return Client(**d)


def _client_values(c: Client) -> dict[str, Any]:
    return {
        "client_id": c.client_id,
        "project": c.project,
        "name": c.name,
        "type": c.type,
        "secret_hash": c.secret_hash,
        "origins": json.dumps(list(c.origins)),
        "redirect_uris": json.dumps(list(c.redirect_uris)),
        "auto_consent": c.auto_consent,
        "created_at": c.created_at,
    }


def _grant(r: Row[Any]) -> Grant:
    d = r._asdict()
    d["scopes"] = _scopes(d["scopes"])
    return Grant(**d)


def _code(r: Row[Any]) -> AuthCode:
    d = r._asdict()
    d["scopes"] = _scopes(d["scopes"])
    d["offline"], d["issue_refresh"] = bool(d["offline"]), bool(d["issue_refresh"])
    return AuthCode(**d)


def _token(r: Row[Any]) -> Token:
    d = r._asdict()
    d["scopes"] = _scopes(d["scopes"])
    d["offline"] = bool(d["offline"])
    return Token(**d)


def _token_values(tok: Token) -> dict[str, Any]:
    return {
        "token_hash": tok.token_hash,
        "kind": tok.kind,
        "client_id": tok.client_id,
        "user_sub": tok.user_sub,
        "grant_id": tok.grant_id,
        "family_id": tok.family_id,
        "scopes": " ".join(tok.scopes),
        "offline": tok.offline,
        "azp": tok.azp,
        "created_at": tok.created_at,
        "expires_at": tok.expires_at,
        "revoked_at": tok.revoked_at,
    }


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


class SqlStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite has one writer at a time. Writers queue on a lock instead: this process's on a
        # thread lock, other processes' (`--workers`, the CLI) on an flock of a file beside the
        # database. Left to SQLite's busy handler they would poll with sleeps of up to 100 ms
        # and the token endpoint's p99 would be seconds. busy_timeout remains the backstop.
        self._writer = threading.Lock() if engine.dialect.name == "sqlite" else None
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self._writer_file = f"{database}-writer" if database and database != ":memory:" else None

    @contextmanager
    def _tx(self, write: bool = False) -> Iterator[Connection]:
        if write and self._writer is not None:
            with self._writer, _file_lock(self._writer_file), self._tx_unlocked(write) as conn:
                yield conn
        else:
            with self._tx_unlocked(write) as conn:
                yield conn

    @contextmanager
    def _tx_unlocked(self, write: bool) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                if write:
                    conn.execution_options(signon_write=True)
                with conn.begin():
                    yield conn
        except IntegrityError as exc:
            raise Conflict(str(exc.orig)) from exc
        except (OperationalError, InterfaceError, OSError, TimeoutError) as exc:
            raise StoreUnavailable("the database is unavailable") from exc
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise StoreUnavailable("the database connection was lost") from exc
            raise

    # lifecycle ---------------------------------------------------------------------------
    @_threaded
    def ping(self) -> None:
        with self._tx() as conn:
            conn.execute(select(1))

    @_threaded
    def close(self) -> None:
        self.engine.dispose()

    @_threaded
    def reset(self) -> None:
        with self._tx(write=True) as conn:
            for table in reversed(t.metadata.sorted_tables):
                conn.execute(delete(table))

    # users -------------------------------------------------------------------------------
    @_threaded
    def create_user(self, user: User) -> None:
        with self._tx(write=True) as conn:
            conn.execute(insert(t.users).values(**_user_values(user)))

    @_threaded
    def find_user(self, sub: str) -> User | None:
        with self._tx() as conn:
            row = (conn.execute(select(t.users).where(t.users.c.sub == sub))).first()
        return _user(row) if row else None

    @_threaded
    def find_user_by_email(self, email: str) -> User | None:
        query = select(t.users).where(t.users.c.email == email.lower())
        with self._tx() as conn:
            row = (conn.execute(query)).first()
        return _user(row) if row else None

    @_threaded
    def list_users(self) -> list[User]:
        with self._tx() as conn:
            rows = conn.execute(select(t.users).order_by(t.users.c.created_at, t.users.c.email))
        return [_user(r) for r in rows]

    @_threaded
    def update_user(self, user: User) -> None:
        values = _user_values(user)
        del values["sub"], values["created_at"]
        with self._tx(write=True) as conn:
            conn.execute(update(t.users).where(t.users.c.sub == user.sub).values(**values))

    @_threaded
    def delete_user(self, sub: str) -> bool:
        with self._tx(write=True) as conn:
            self._revoke_where(conn, t.tokens.c.user_sub == sub, 0)
            result = conn.execute(delete(t.users).where(t.users.c.sub == sub))
        return result.rowcount > 0

    # projects and clients ----------------------------------------------------------------
    @_threaded
    def create_project(self, project: Project) -> None:
        with self._tx(write=True) as conn:
            conn.execute(insert(t.projects).values(**_asdict(project)))

    @_threaded
    def find_project(self, name: str) -> Project | None:
        with self._tx() as conn:
            row = (conn.execute(select(t.projects).where(t.projects.c.name == name))).first()
        return _project(row) if row else None

    @_threaded
    def list_projects(self) -> list[Project]:
        with self._tx() as conn:
            rows = conn.execute(select(t.projects).order_by(t.projects.c.name))
        return [_project(r) for r in rows]

    @_threaded
    def update_project(self, project: Project) -> None:
        values = _asdict(project)
        del values["name"], values["number"], values["created_at"]
        query = update(t.projects).where(t.projects.c.name == project.name).values(**values)
        with self._tx(write=True) as conn:
            conn.execute(query)

    @_threaded
    def delete_project(self, name: str) -> bool:
        with self._tx(write=True) as conn:
            ids = select(t.clients.c.client_id).where(t.clients.c.project == name)
            self._revoke_where(conn, t.tokens.c.client_id.in_(ids), 0)
            conn.execute(delete(t.clients).where(t.clients.c.project == name))
            result = conn.execute(delete(t.projects).where(t.projects.c.name == name))
        return result.rowcount > 0

    @_threaded
    def create_client(self, client: Client) -> None:
        with self._tx(write=True) as conn:
            conn.execute(insert(t.clients).values(**_client_values(client)))

    @_threaded
    def find_client(self, client_id: str) -> Client | None:
        query = select(t.clients).where(t.clients.c.client_id == client_id)
        with self._tx() as conn:
            row = (conn.execute(query)).first()
        return _client(row) if row else None

    @_threaded
    def list_clients(self, project: str | None = None) -> list[Client]:
        query = select(t.clients).order_by(t.clients.c.created_at, t.clients.c.client_id)
        if project is not None:
            query = query.where(t.clients.c.project == project)
        with self._tx() as conn:
            rows = conn.execute(query)
        return [_client(r) for r in rows]

    @_threaded
    def update_client(self, client: Client) -> None:
        values = _client_values(client)
        del values["client_id"], values["created_at"]
        query = update(t.clients).where(t.clients.c.client_id == client.client_id).values(**values)
        with self._tx(write=True) as conn:
            conn.execute(query)

    @_threaded
    def delete_client(self, client_id: str) -> bool:
        with self._tx(write=True) as conn:
            # Tokens outlive nothing: a deleted client's tokens stop working at once.
            self._revoke_where(conn, t.tokens.c.client_id == client_id, 0)
            query = delete(t.clients).where(t.clients.c.client_id == client_id)
            result = conn.execute(query)
        return result.rowcount > 0

    # signing keys ------------------------------------------------------------------------
    @_threaded
    def list_signing_keys(self) -> list[SigningKey]:
        query = select(t.signing_keys).order_by(t.signing_keys.c.activates_at)
        with self._tx() as conn:
            rows = conn.execute(query)
        return [SigningKey(**r._asdict()) for r in rows]

    @_threaded
    def add_signing_key(self, key: SigningKey, older_publish_until: int | None) -> None:
        with self._tx(write=True) as conn:
            if older_publish_until is not None:
                conn.execute(
                    update(t.signing_keys)
                    .where(t.signing_keys.c.publish_until.is_(None))
                    .values(publish_until=older_publish_until)
                )
            conn.execute(insert(t.signing_keys).values(**_asdict(key)))

    @_threaded
    def delete_signing_key(self, kid: str) -> bool:
        with self._tx(write=True) as conn:
            result = conn.execute(delete(t.signing_keys).where(t.signing_keys.c.kid == kid))
        return result.rowcount > 0

    @_threaded
    def get_or_create_secret(self, name: str, value: str) -> str:
        query = select(t.instance_secrets.c.value).where(t.instance_secrets.c.name == name)
        with self._tx(write=True) as conn:
            existing = (conn.execute(query)).scalar()
            if existing is None:
                conn.execute(insert(t.instance_secrets).values(name=name, value=value))
                return value
        return str(existing)

    @_threaded
    def find_secret(self, name: str) -> str | None:
        query = select(t.instance_secrets.c.value).where(t.instance_secrets.c.name == name)
        with self._tx() as conn:
            value = conn.execute(query).scalar()
        return None if value is None else str(value)

    @_threaded
    def set_secret(self, name: str, value: str) -> None:
        """Create or replace an instance secret (e.g. the admin token's hash)."""
        s = t.instance_secrets
        with self._tx(write=True) as conn:
            conn.execute(delete(s).where(s.c.name == name))
            conn.execute(insert(s).values(name=name, value=value))

    @_threaded
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
            for table in (t.users, t.projects, t.clients):
                if conn.execute(select(func.count()).select_from(table)).scalar():
                    raise Conflict("this instance already has data")
            if users:
                conn.execute(insert(t.users), [_user_values(u) for u in users])
            if projects:
                conn.execute(insert(t.projects), [_asdict(p) for p in projects])
            if clients:
                conn.execute(insert(t.clients), [_client_values(c) for c in clients])
            if keys:
                conn.execute(delete(t.signing_keys))
                conn.execute(insert(t.signing_keys), [_asdict(k) for k in keys])
            if grants:
                rows = [{**_asdict(g), "scopes": " ".join(g.scopes)} for g in grants]
                conn.execute(insert(t.grants), rows)

    # browser sessions --------------------------------------------------------------------
    @_threaded
    def create_session(self, session: BrowserSession) -> None:
        values = _asdict(session)
        del values["accounts"]
        with self._tx(write=True) as conn:
            conn.execute(insert(t.browser_sessions).values(**values))

    @_threaded
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

    @_threaded
    def touch_session(self, id_hash: str, now: int, expires_at: int) -> None:
        s = t.browser_sessions
        query = (
            update(s).where(s.c.id_hash == id_hash).values(last_seen_at=now, expires_at=expires_at)
        )
        with self._tx(write=True) as conn:
            conn.execute(query)

    @_threaded
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

    @_threaded
    def remove_session_account(self, id_hash: str, user_sub: str) -> None:
        a = t.session_accounts
        with self._tx(write=True) as conn:
            conn.execute(delete(a).where(a.c.session_hash == id_hash, a.c.user_sub == user_sub))

    @_threaded
    def delete_session(self, id_hash: str) -> None:
        with self._tx(write=True) as conn:
            conn.execute(
                delete(t.session_accounts).where(t.session_accounts.c.session_hash == id_hash)
            )
            conn.execute(delete(t.browser_sessions).where(t.browser_sessions.c.id_hash == id_hash))

    @_threaded
    def list_user_sessions(self, user_sub: str, now: int) -> list[BrowserSession]:
        s, a = t.browser_sessions, t.session_accounts
        query = (
            select(s)
            .join(a, a.c.session_hash == s.c.id_hash)
            .where(a.c.user_sub == user_sub, s.c.expires_at > now)
            .order_by(s.c.last_seen_at.desc())
        )
        with self._tx() as conn:
            rows = list(conn.execute(query))
        return [BrowserSession(**r._asdict(), accounts=(user_sub,)) for r in rows]

    @_threaded
    def sign_out_user_everywhere(self, user_sub: str, keep: str | None = None) -> int:
        a = t.session_accounts
        condition = a.c.user_sub == user_sub
        if keep is not None:
            condition = and_(condition, a.c.session_hash != keep)
        with self._tx(write=True) as conn:
            result = conn.execute(delete(a).where(condition))
        return result.rowcount

    # grants ------------------------------------------------------------------------------
    @_threaded
    def find_grant(self, user_sub: str, client_id: str) -> Grant | None:
        g = t.grants
        query = select(g).where(
            g.c.user_sub == user_sub, g.c.client_id == client_id, g.c.revoked_at.is_(None)
        )
        with self._tx() as conn:
            row = (conn.execute(query)).first()
        return _grant(row) if row else None

    @_threaded
    def find_grant_by_id(self, grant_id: str) -> Grant | None:
        with self._tx() as conn:
            row = (conn.execute(select(t.grants).where(t.grants.c.grant_id == grant_id))).first()
        return _grant(row) if row else None

    @_threaded
    def save_grant(
        self, user_sub: str, client_id: str, scopes: Sequence[str], now: int, new_id: str
    ) -> Grant:
        """Add `scopes` to the user's grant for the client, creating (or reviving) it."""
        g = t.grants
        with self._tx(write=True) as conn:
            query = select(g).where(g.c.user_sub == user_sub, g.c.client_id == client_id)
            row = (conn.execute(query.with_for_update())).first()
            if row is None:
                values = dict(
                    grant_id=new_id,
                    user_sub=user_sub,
                    client_id=client_id,
                    scopes=" ".join(sorted(set(scopes))),
                    created_at=now,
                    updated_at=now,
                )
                conn.execute(insert(g).values(**values))
            elif row.revoked_at is not None:
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
                merged = " ".join(sorted(set(_scopes(row.scopes)) | set(scopes)))
                conn.execute(
                    update(g)
                    .where(g.c.grant_id == row.grant_id)
                    .values(scopes=merged, updated_at=now)
                )
            result = (conn.execute(query)).one()
        return _grant(result)

    @_threaded
    def list_grants(self, user_sub: str | None = None) -> list[Grant]:
        g = t.grants
        query = select(g).where(g.c.revoked_at.is_(None)).order_by(g.c.created_at)
        if user_sub is not None:
            query = query.where(g.c.user_sub == user_sub)
        with self._tx() as conn:
            rows = conn.execute(query)
        return [_grant(r) for r in rows]

    @_threaded
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

    # codes and tokens --------------------------------------------------------------------
    @_threaded
    def save_code(self, code: AuthCode) -> None:
        values = _asdict(code)
        values["scopes"] = " ".join(code.scopes)
        with self._tx(write=True) as conn:
            conn.execute(insert(t.auth_codes).values(**values))

    @_threaded
    def consume_code(
        self, code_hash: str, now: int, issue: Callable[[AuthCode], Sequence[Token]]
    ) -> CodeConsumption:
        c = t.auth_codes
        with self._tx(write=True) as conn:
            row = conn.execute(select(c).where(c.c.code_hash == code_hash)).first()
            if row is None:
                return CodeConsumption("unknown")
            if not self._lock_grant(conn, row.grant_id):
                # Its grant was revoked (which also consumed the code) or deleted. Read the
                # code again: the first read may predate the revocation we just waited for.
                code = _code(conn.execute(select(c).where(c.c.code_hash == code_hash)).one())
                return CodeConsumption("replayed" if code.consumed_at else "unknown", code)
            claimed = conn.execute(
                update(c)
                .where(c.c.code_hash == code_hash, c.c.consumed_at.is_(None), c.c.expires_at > now)
                .values(consumed_at=now)
                .returning(*c.c)
            ).first()
            if claimed is not None:
                code = _code(claimed)
                tokens = tuple(issue(code))
                if tokens:
                    conn.execute(insert(t.tokens), [_token_values(x) for x in tokens])
                return CodeConsumption("ok", code, tokens)
            code = _code(conn.execute(select(c).where(c.c.code_hash == code_hash)).one())
            if code.consumed_at is None:
                return CodeConsumption("expired", code)
            # RFC 6749 4.1.2: a replayed code revokes the tokens issued from it.
            self._revoke_where(conn, t.tokens.c.family_id == code.code_id, now)
            return CodeConsumption("replayed", code)

    @_threaded
    def save_tokens(self, tokens: Sequence[Token], parent: str | None = None) -> bool:
        """Save tokens. With `parent` (the hash of the token they are issued from, e.g. the
        refresh token), only while that token and its grant are live; False then, and nothing
        is saved, so a refresh racing a revocation cannot leave a live token behind."""
        if not tokens:
            return True
        tk = t.tokens
        with self._tx(write=True) as conn:
            if parent is not None:
                if not self._lock_grant(conn, tokens[0].grant_id):
                    return False
                live = conn.execute(
                    select(tk.c.token_hash).where(
                        tk.c.token_hash == parent, tk.c.revoked_at.is_(None)
                    )
                ).first()
                if live is None:
                    return False
            conn.execute(insert(tk), [_token_values(x) for x in tokens])
        return True

    @_threaded
    def find_token(self, token_hash: str) -> Token | None:
        with self._tx() as conn:
            row = (
                conn.execute(select(t.tokens).where(t.tokens.c.token_hash == token_hash))
            ).first()
        return _token(row) if row else None

    @_threaded
    def revoke_family(self, family_id: str, now: int) -> int:
        tk = t.tokens
        with self._tx(write=True) as conn:
            grants = conn.execute(
                select(tk.c.grant_id).where(tk.c.family_id == family_id).distinct()
            ).scalars()
            for grant_id in sorted(grants):
                self._lock_grant(conn, grant_id)
            return self._revoke_where(conn, tk.c.family_id == family_id, now)

    @staticmethod
    def _revoke_where(conn: Connection, condition: Any, now: int) -> int:
        tk = t.tokens
        result = conn.execute(
            update(tk).where(condition, tk.c.revoked_at.is_(None)).values(revoked_at=now)
        )
        return result.rowcount


def _asdict(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}

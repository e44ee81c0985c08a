"""Shared fixtures: databases on both backends, a controllable clock, an app harness."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from starlette.testclient import TestClient

from signon.accounts.passwords import PasswordHasher
from signon.accounts.users import create_user
from signon.app import create_app
from signon.context import Context
from signon.protocol.clients import NewClient, create_client
from signon.settings import Settings, build_settings
from signon.storage import open_store, upgrade
from signon.storage.records import User

T = TypeVar("T")
PG_ENV = "SIGNON_TEST_DATABASE_URL"
ISSUER = "http://testserver"


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def fast_hasher() -> PasswordHasher:
    # argon2id with small parameters; the OWASP parameters are tested on their own.
    return PasswordHasher(memory_kib=1024, time_cost=1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def pg_admin_url() -> str | None:
    return os.environ.get(PG_ENV) or None


@contextmanager
def temporary_pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database with a random name, dropped afterwards."""
    admin = pg_admin_url()
    if admin is None:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (set by .ci/run)")
    name = "signon_test_" + secrets.token_hex(6)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(admin)
    try:
        yield urlunsplit(parts._replace(path="/" + name))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """Each test using it runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/signon.db"
    else:
        with temporary_pg_database() as url:
            yield url


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    return f"sqlite:///{tmp_path}/signon.db"


def make_settings(database_url: str, **overrides: Any) -> Settings:
    flags: dict[str, Any] = {"issuer": ISSUER, "database_url": database_url}
    flags.update(overrides)
    return build_settings(flags, environ={})


@dataclass
class Harness:
    """A running app (lifespan started) with its context, and helpers to set up data."""

    client: TestClient
    clock: FakeClock

    @property
    def ctx(self) -> Context:
        context: Context = self.client.app.state.ctx  # type: ignore[attr-defined]
        return context

    def run(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Run a coroutine function on the app's event loop (the store is bound to it)."""
        assert self.client.portal is not None

        async def call() -> T:
            return await fn(*args, **kwargs)

        return self.client.portal.call(call)

    def user(self, email: str = "ada@example.com", password: str | None = "correct horse",
             **fields: Any) -> User:  # fmt: skip
        return self.run(create_user, self.ctx.store, self.ctx.hasher, password=password,
                        email=email, now=int(self.clock()), **fields)  # fmt: skip

    def web_client(self, **fields: Any) -> NewClient:
        fields.setdefault("name", "Test app")
        fields.setdefault("origins", ["http://localhost:5000"])
        fields.setdefault("redirect_uris", ["http://localhost:5000/callback"])
        return self.run(create_client, self.ctx.store, now=int(self.clock()), **fields)

    def sign_in(self, email: str = "ada@example.com", password: str = "correct horse") -> Any:
        page = self.client.get("/signin")
        assert page.status_code == 200
        token = csrf_from(page.text)
        return self.client.post(
            "/signin",
            data={"email": email, "password": password, "csrf_token": token, "continue": "/"},
            follow_redirects=False,
        )


def csrf_from(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


@contextmanager
def harness_for(settings: Settings, clock: FakeClock) -> Iterator[Harness]:
    upgrade(settings.database_url)
    app = create_app(settings, open_store(settings.database_url), clock, fast_hasher())
    with TestClient(app, base_url=ISSUER, follow_redirects=False) as client:
        yield Harness(client, clock)


@pytest.fixture
def harness(sqlite_url: str, clock: FakeClock) -> Iterator[Harness]:
    with harness_for(make_settings(sqlite_url), clock) as h:
        yield h


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: they are the slowest, and the rest gives faster feedback."""
    items.sort(key=lambda item: "/tests/browser/" in str(item.path))


def run_async(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]

"""Writes that many requests or processes make at the same moment: one outcome, no Conflict.

Each store below has its own engine and connection pool, so on PostgreSQL the writes really run
at once (on SQLite its writer lock queues them). Found by a review: on PostgreSQL, workers
starting together failed on the instance secrets' primary key (the server exited), and two
first consents at once failed on the grants' unique constraint (a 500)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from signon.storage import SqlStore, open_store, upgrade
from signon.storage.records import AuthCode, Token
from signon.storage.store import CodeConsumption
from tests.storage.records import (
    CLIENT_ID,
    NOW,
    PROJECT,
    client,
    code,
    seed_client,
    sub_for,
    tokens_for,
    user,
)

RACERS = 6


@pytest.fixture
async def stores(database_url: str) -> AsyncIterator[list[SqlStore]]:
    upgrade(database_url)
    opened = [open_store(database_url) for _ in range(RACERS)]
    try:
        yield opened
    finally:
        for store in opened:
            await store.close()


async def test_first_consents_at_once_make_one_grant_with_every_scope(
    stores: list[SqlStore],
) -> None:
    await seed_client(stores[0], *(user(n) for n in range(1, 11)))
    scopes = [f"scope{i}" for i in range(RACERS)]
    for n in range(1, 11):  # ten rounds: the race is lost only some of the time
        grants = await asyncio.gather(
            *(s.save_grant(sub_for(n), CLIENT_ID, [scopes[i]], NOW, f"grant-{n}-{i}")
              for i, s in enumerate(stores))
        )  # fmt: skip
        assert len({g.grant_id for g in grants}) == 1
        stored = await stores[0].find_grant(sub_for(n), CLIENT_ID)
        assert stored is not None and set(stored.scopes) == set(scopes)


async def test_workers_starting_together_agree_on_the_instance_secrets(
    stores: list[SqlStore],
) -> None:
    created = await asyncio.gather(
        *(s.get_or_create_secret("csrf", f"value-{i}") for i, s in enumerate(stores))
    )
    assert len(set(created)) == 1
    assert await stores[0].find_secret("csrf") == created[0]
    await asyncio.gather(*(s.set_secret("jwks_max_age", "3600") for s in stores))
    assert await stores[0].find_secret("jwks_max_age") == "3600"
    await stores[1].set_secret("jwks_max_age", "60")  # replaces
    assert await stores[0].find_secret("jwks_max_age") == "60"


async def _delete_during_exchange(
    exchanging: SqlStore, auth_code: AuthCode, delete: Callable[[], Awaitable[bool]]
) -> CodeConsumption:
    """Exchange `auth_code` on one store while `delete` runs on another: the exchange stops
    inside its transaction (holding the grant's lock, tokens minted but not yet written) until
    the deletion has run as far as it can, then commits. The deletion must report success."""
    inside, release = threading.Event(), threading.Event()

    def issue(c: AuthCode) -> tuple[Token, ...]:
        inside.set()
        release.wait(10)
        return tokens_for(c)

    exchange = asyncio.create_task(exchanging.consume_code(auth_code.code_hash, NOW, issue))
    assert await asyncio.to_thread(inside.wait, 10)
    deleted = asyncio.create_task(delete())
    await asyncio.sleep(0.5)  # the deletion runs as far as it can while the exchange waits
    release.set()
    result = await exchange
    assert await deleted
    return result


async def _assert_not_live(store: SqlStore, result: CodeConsumption) -> None:
    for issued in result.tokens:
        stored = await store.find_token(issued.token_hash)
        assert stored is None or stored.revoked_at is not None, issued.kind


@pytest.mark.parametrize("deletion", ["client", "user", "project"])
async def test_a_deletion_during_a_code_exchange_leaves_no_live_token(
    stores: list[SqlStore], deletion: str
) -> None:
    """The exchange holds the grant's lock while it writes its tokens; a deletion that revoked
    tokens before waiting (PostgreSQL: the grant's cascade waited only after the revoke ran)
    left the exchange's tokens live for a deleted client, user or project."""
    exchanging, deleting = stores[0], stores[1]
    await seed_client(exchanging)
    grant = await exchanging.save_grant(sub_for(1), CLIENT_ID, ["openid"], NOW, "grant-1")
    auth_code = code("c1", grant.grant_id)
    await exchanging.save_code(auth_code)
    delete = {
        "client": lambda: deleting.delete_client(CLIENT_ID),
        "user": lambda: deleting.delete_user(sub_for(1)),
        "project": lambda: deleting.delete_project(PROJECT),
    }[deletion]
    result = await _delete_during_exchange(exchanging, auth_code, delete)
    assert result.status == "ok" and result.tokens
    await _assert_not_live(exchanging, result)


async def test_deleting_the_server_client_during_its_server_code_exchange(
    stores: list[SqlStore],
) -> None:
    """A server code (seed 003) belongs to the server client but sits on the native app's
    grant, which is the lock its exchange takes. Deleting the server client locked only the
    server's own grants, so it did not wait, and the exchange then committed live tokens for
    a client that no longer existed (PostgreSQL)."""
    exchanging, deleting = stores[0], stores[1]
    await seed_client(exchanging)
    await exchanging.create_client(client("server-app", name="Backend"))
    grant = await exchanging.save_grant(sub_for(1), CLIENT_ID, ["openid"], NOW, "grant-1")
    server_code = code("s1", grant.grant_id, client_id="server-app", azp=CLIENT_ID)
    await exchanging.save_code(server_code)
    result = await _delete_during_exchange(
        exchanging, server_code, lambda: deleting.delete_client("server-app")
    )
    await _assert_not_live(exchanging, result)
    # The server code cannot be redeemed afterwards either.
    again = await exchanging.consume_code(server_code.code_hash, NOW, tokens_for)
    assert again.status != "ok"


async def test_two_imports_at_once_one_lands(stores: list[SqlStore]) -> None:
    """Each import checks that the instance is empty; at once, both checks passed and both
    imports landed on PostgreSQL. Now one lands and the other is a Conflict."""
    for _ in range(10):  # the race is lost only some of the time
        await stores[0].reset()
        outcomes = await asyncio.gather(
            *(s.load_state([user(10 + i)], [], [], [], []) for i, s in enumerate(stores)),
            return_exceptions=True,
        )
        assert sorted(type(o).__name__ for o in outcomes) == ["Conflict"] * (RACERS - 1) + [
            "NoneType"
        ]
        assert len(await stores[0].list_users()) == 1


async def test_dump_state_reads_what_the_list_methods_read(stores: list[SqlStore]) -> None:
    store = stores[0]
    await seed_client(store, user(1))
    await store.save_grant(sub_for(1), CLIENT_ID, ["openid"], NOW, "grant-1")
    users, projects, clients, keys, grants = await store.dump_state()
    assert users == await store.list_users()
    assert projects == await store.list_projects()
    assert clients == await store.list_clients()
    assert keys == await store.list_signing_keys()
    assert grants == await store.list_grants()

"""Single use and revoke-by-grant hold when two OS processes race on one database.

Each test runs on SQLite and on PostgreSQL. The racers (racer.py) are separate processes with
their own connections, started together at a barrier, each firing all its operations at once.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from typing import Any

from signon.storage import SqlStore, open_store, upgrade
from signon.storage.records import AuthCode
from tests.storage.racer import race
from tests.storage.records import (
    CLIENT_ID,
    NOW,
    code,
    seed_client,
    sha,
    sub_for,
    tokens_for,
    user,
)

CODES = 24


def run_racers(url: str, *jobs: tuple[str, list[str], str]) -> dict[str, list[str]]:
    """Run each (action, keys, tag) in its own spawned process; their answers by tag."""
    mp = multiprocessing.get_context("spawn")
    barrier = mp.Barrier(len(jobs))
    results = mp.Queue()
    processes = [
        mp.Process(target=race, args=(url, action, keys, tag, barrier, results))
        for action, keys, tag in jobs
    ]
    for p in processes:
        p.start()
    try:
        answers: dict[str, Any] = dict(results.get(timeout=120) for _ in processes)
    finally:
        for p in processes:
            p.join(timeout=30)
    for tag, answer in answers.items():
        assert isinstance(answer, list), f"racer {tag} failed: {answer}"
    assert [p.exitcode for p in processes] == [0] * len(processes)
    return answers


async def prepared_store(url: str, users: int) -> SqlStore:
    upgrade(url)
    store = open_store(url)
    await seed_client(store, *(user(n) for n in range(users)))
    return store


async def test_store_concurrent_consumers_redeem_each_code_once(database_url: str) -> None:
    store = await prepared_store(database_url, users=1)
    try:
        grant = await store.save_grant(sub_for(0), CLIENT_ID, ["openid"], NOW, "grant")
        codes = [code(f"c{i}", grant.grant_id, user_sub=sub_for(0)) for i in range(CODES)]
        for c in codes:
            await store.save_code(c)

        hashes = [c.code_hash for c in codes]
        answers = run_racers(database_url, ("consume", hashes, "a:"), ("consume", hashes, "b:"))

        for i in range(CODES):
            assert sorted([answers["a:"][i], answers["b:"][i]]) == ["ok", "replayed"]
        winners = {
            c.code_id: "a:" if answers["a:"][i] == "ok" else "b:" for i, c in enumerate(codes)
        }
        for c in codes:
            won, lost = winners[c.code_id], "b:" if winners[c.code_id] == "a:" else "a:"
            for t in tokens_for(c, won):
                saved = await store.find_token(t.token_hash)
                # Saved by the winner, then revoked by the loser's replay.
                assert saved is not None
                assert saved.revoked_at == NOW
            for t in tokens_for(c, lost):
                assert await store.find_token(t.token_hash) is None
    finally:
        await store.close()


async def test_store_revoke_grant_racing_consume_leaves_no_live_token(database_url: str) -> None:
    store = await prepared_store(database_url, users=CODES)
    try:
        codes: list[AuthCode] = []
        for n in range(CODES):
            grant = await store.save_grant(sub_for(n), CLIENT_ID, ["openid"], NOW, f"g{n}")
            codes.append(code(f"c{n}", grant.grant_id, user_sub=sub_for(n)))
            await store.save_code(codes[-1])

        answers = run_racers(
            database_url,
            ("consume", [c.code_hash for c in codes], "a:"),
            ("revoke", [c.grant_id for c in codes], "r"),
        )

        assert answers["r"] == ["revoked"] * CODES
        assert set(answers["a:"]) <= {"ok", "replayed"}
        for c, status in zip(codes, answers["a:"], strict=True):
            assert await store.find_grant(c.user_sub, CLIENT_ID) is None
            for t in tokens_for(c, "a:"):
                saved = await store.find_token(t.token_hash)
                if status == "ok":
                    assert saved is not None, f"{c.code_id}: tokens of a redeemed code lost"
                    assert saved.revoked_at == NOW, f"{c.code_id}: token outlived its grant"
                else:
                    assert saved is None
        print("consume outcomes:", Counter(answers["a:"]))
    finally:
        await store.close()


async def test_store_revoke_grant_racing_refresh_leaves_no_live_token(database_url: str) -> None:
    store = await prepared_store(database_url, users=CODES)
    try:
        refresh_hashes: list[str] = []
        grants: list[str] = []
        for n in range(CODES):
            grant = await store.save_grant(sub_for(n), CLIENT_ID, ["openid"], NOW, f"g{n}")
            c = code(f"c{n}", grant.grant_id, user_sub=sub_for(n))
            await store.save_code(c)
            issued = await store.consume_code(c.code_hash, NOW, tokens_for)
            refresh_hashes.append(next(t.token_hash for t in issued.tokens if t.kind == "refresh"))
            grants.append(grant.grant_id)

        answers = run_racers(
            database_url, ("refresh", refresh_hashes, "f:"), ("revoke", grants, "r")
        )

        assert answers["r"] == ["revoked"] * CODES
        for parent, status in zip(refresh_hashes, answers["f:"], strict=True):
            child = await store.find_token(sha(f"f:child:{parent}"))
            if status == "saved":
                assert child is not None and child.revoked_at == NOW, "token outlived its grant"
            else:
                assert child is None
        print("refresh outcomes:", Counter(answers["f:"]))
    finally:
        await store.close()

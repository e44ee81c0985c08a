"""Browser sessions: a random cookie, only its hash stored, several accounts, sliding expiry."""

from __future__ import annotations

import pytest

from signon.accounts.sessions import Sessions
from signon.protocol.ids import hash_secret
from signon.storage import SqlStore
from tests.conftest import FakeClock
from tests.storage.records import sub_for, user

IDLE = 3600


@pytest.fixture
async def sessions(store: SqlStore, clock: FakeClock) -> Sessions:
    for n in (1, 2, 3):
        await store.create_user(user(n))
    return Sessions(store, clock, IDLE)


async def test_session_sign_in_stores_only_the_cookie_hash(
    sessions: Sessions, store: SqlStore
) -> None:
    session, cookie = await sessions.sign_in(None, sub_for(1), "UA")
    assert len(cookie) >= 43  # 256 random bits
    assert session.id_hash == hash_secret(cookie)
    assert await store.find_session(cookie, 0) is None
    assert await store.find_session(hash_secret(cookie), 0) == session


async def test_session_sign_in_records_account_and_times(
    sessions: Sessions, clock: FakeClock
) -> None:
    session, _ = await sessions.sign_in(None, sub_for(1), "Mozilla/5.0 " + "x" * 500)
    now = int(clock())
    assert session.accounts == (sub_for(1),)
    assert (session.created_at, session.last_seen_at, session.expires_at) == (now, now, now + IDLE)
    assert session.user_agent == ("Mozilla/5.0 " + "x" * 500)[:300]


async def test_session_each_sign_in_gets_a_new_id(sessions: Sessions, store: SqlStore) -> None:
    first, first_cookie = await sessions.sign_in(None, sub_for(1), "UA")
    second, second_cookie = await sessions.sign_in(first, sub_for(2), "UA")
    assert second_cookie != first_cookie
    assert second.id_hash != first.id_hash
    assert await sessions.load(first_cookie) is None  # the old ID is dead: no fixation


async def test_session_sign_in_keeps_accounts_in_order(sessions: Sessions) -> None:
    s, _ = await sessions.sign_in(None, sub_for(2), "UA")
    s, _ = await sessions.sign_in(s, sub_for(1), "UA")
    s, _ = await sessions.sign_in(s, sub_for(3), "UA")
    s, _ = await sessions.sign_in(s, sub_for(1), "UA")  # again: keeps its index
    assert s.accounts == (sub_for(2), sub_for(1), sub_for(3))


@pytest.mark.parametrize("cookie", [None, "", "unknown", "x" * 129])
async def test_session_load_unknown_cookie_is_none(sessions: Sessions, cookie: str | None) -> None:
    assert await sessions.load(cookie) is None


async def test_session_load_finds_signed_in_session(sessions: Sessions) -> None:
    session, cookie = await sessions.sign_in(None, sub_for(1), "UA")
    assert await sessions.load(cookie) == session


async def test_session_expires_after_idle_time(sessions: Sessions, clock: FakeClock) -> None:
    _, cookie = await sessions.sign_in(None, sub_for(1), "UA")
    clock.advance(IDLE - 1)
    assert await sessions.load(cookie) is not None
    clock.advance(IDLE)
    assert await sessions.load(cookie) is None


async def test_session_use_slides_expiry(sessions: Sessions, clock: FakeClock) -> None:
    _, cookie = await sessions.sign_in(None, sub_for(1), "UA")
    clock.advance(IDLE - 10)
    assert await sessions.load(cookie) is not None
    clock.advance(IDLE - 10)  # past the first expiry, within IDLE of the last use
    loaded = await sessions.load(cookie)
    assert loaded is not None
    assert loaded.accounts == (sub_for(1),)


async def test_session_recent_use_not_written_again(
    sessions: Sessions, store: SqlStore, clock: FakeClock
) -> None:
    session, cookie = await sessions.sign_in(None, sub_for(1), "UA")
    clock.advance(299)
    await sessions.load(cookie)
    assert await store.find_session(session.id_hash, int(clock())) == session


async def test_session_sign_out_one_account_keeps_the_others(sessions: Sessions) -> None:
    s, _ = await sessions.sign_in(None, sub_for(1), "UA")
    s, cookie = await sessions.sign_in(s, sub_for(2), "UA")
    await sessions.sign_out(s, sub_for(1))
    remaining = await sessions.load(cookie)
    assert remaining is not None
    assert remaining.accounts == (sub_for(2),)


async def test_session_sign_out_last_account_ends_the_session(sessions: Sessions) -> None:
    s, cookie = await sessions.sign_in(None, sub_for(1), "UA")
    await sessions.sign_out(s, sub_for(1))
    assert await sessions.load(cookie) is None


async def test_session_sign_out_all_ends_the_session(sessions: Sessions) -> None:
    s, _ = await sessions.sign_in(None, sub_for(1), "UA")
    s, cookie = await sessions.sign_in(s, sub_for(2), "UA")
    await sessions.sign_out(s)
    assert await sessions.load(cookie) is None


async def test_sign_in_does_not_bring_back_an_account_signed_out_meanwhile(
    sessions: Sessions, store: SqlStore
) -> None:
    """Browser B adds Bob while Ada, on browser A, changes her password (which signs her out
    everywhere else). B's request read its session before that; the new session must still not
    hold Ada: the accounts are copied from the store when the new session is written."""
    before, _ = await sessions.sign_in(None, sub_for(1), "B")
    assert await store.sign_out_user_everywhere(sub_for(1)) == 1
    after, _ = await sessions.sign_in(before, sub_for(2), "B")  # `before` still lists Ada
    assert after.accounts == (sub_for(2),)


async def test_sign_in_keeps_the_order_and_does_not_repeat_an_account(
    sessions: Sessions,
) -> None:
    first, _ = await sessions.sign_in(None, sub_for(1), "UA")
    second, _ = await sessions.sign_in(first, sub_for(2), "UA")
    third, _ = await sessions.sign_in(second, sub_for(3), "UA")
    again, _ = await sessions.sign_in(third, sub_for(1), "UA")  # Ada signs in again
    assert again.accounts == (sub_for(1), sub_for(2), sub_for(3))

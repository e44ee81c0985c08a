"""The sign-in throttle's policy on both databases, with small limits (the HTTP behaviour, with
the defaults, is in tests/http/test_signin_throttle.py).

`claim` charges an attempt before its password is checked and answers None (check it) or the
seconds to wait (do not); `succeeded` says the claimed attempt's password was right."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy

from signon.accounts.throttle import SignInThrottle, minutes
from signon.storage import SqlStore
from tests.conftest import FakeClock
from tests.storage.dump import all_rows_text
from tests.storage.records import NOW

ADA, BOB = "ada@example.com", "bob@example.com"


@pytest.fixture
def throttle(store: SqlStore) -> SignInThrottle:
    return SignInThrottle(store, FakeClock(NOW), window=60, per_account=2, per_address=3)


async def test_throttle_counts_per_account_and_address(throttle: SignInThrottle) -> None:
    assert await throttle.claim(ADA, "10.0.0.1") is None
    assert await throttle.claim(ADA, "10.0.0.1") is None
    assert await throttle.claim(ADA, "10.0.0.1") == 60  # the third, over per_account=2
    assert await throttle.claim(ADA, "10.0.0.2") is None  # another address
    # Another account from the first address: the refused attempt was not charged, so the
    # address has 2 of its 3; Bob's is the third, Carol's the fourth.
    assert await throttle.claim(BOB, "10.0.0.1") is None
    assert await throttle.claim("carol@example.com", "10.0.0.1") == 60


async def test_refused_attempts_do_not_run_up_the_address_count(
    throttle: SignInThrottle,
) -> None:
    """Someone retrying a locked account (a forgotten password, a client retrying by itself)
    must not lock everyone else on that address (an office, a NAT, an IPv6 /64) out."""
    assert await throttle.claim(ADA, "10.0.0.1") is None
    assert await throttle.claim(ADA, "10.0.0.1") is None
    for _ in range(20):
        assert await throttle.claim(ADA, "10.0.0.1") == 60
    assert await throttle.claim(BOB, "10.0.0.1") is None


async def test_throttle_window_slides_and_success_clears(throttle: SignInThrottle) -> None:
    clock: FakeClock = throttle.clock  # type: ignore[assignment]
    assert await throttle.claim(ADA, "10.0.0.1") is None
    clock.advance(61)  # the first window is over: counting starts again
    assert await throttle.claim(ADA, "10.0.0.1") is None
    assert await throttle.claim(ADA, "10.0.0.1") is None
    await throttle.succeeded(ADA, "10.0.0.1")  # the second one was right
    assert await throttle.claim(ADA, "10.0.0.1") is None
    assert await throttle.claim(ADA, "10.0.0.1") is None
    assert await throttle.claim(ADA, "10.0.0.1") == 60


async def test_a_right_password_gives_the_address_its_failure_back(
    throttle: SignInThrottle,
) -> None:
    """Signing in correctly three times in a row must not use up the address's budget of 3."""
    for _ in range(3):
        assert await throttle.claim(ADA, "10.0.0.1") is None
        await throttle.succeeded(ADA, "10.0.0.1")
    assert await throttle.claim(BOB, "10.0.0.1") is None


async def test_concurrent_attempts_cannot_all_pass_the_check(throttle: SignInThrottle) -> None:
    """Twenty attempts at once (a check-then-count throttle let ~all of them through before any
    failure was written): exactly per_account=2 may check a password."""
    answers = await asyncio.gather(*(throttle.claim(ADA, "10.0.0.9") for _ in range(20)))
    assert sorted(answers, key=lambda a: a is not None) == [None, None] + [60] * 18


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", True),  # one /64
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
        ("10.0.0.1", "10.0.0.2", False),
        ("::ffff:10.0.0.1", "10.0.0.1", True),  # an IPv4-mapped address is that IPv4 address
    ],
)
async def test_ipv6_addresses_count_by_their_64(
    throttle: SignInThrottle, first: str, second: str, same: bool
) -> None:
    """One machine usually has a whole /64: rotating addresses inside it gains nothing."""
    assert await throttle.claim(ADA, first) is None
    assert await throttle.claim(ADA, first) is None
    assert (await throttle.claim(ADA, second) is not None) == same


async def test_throttle_stores_no_email_or_address(
    store_url: str, throttle: SignInThrottle
) -> None:
    await throttle.claim(ADA, "10.0.0.1")
    dump = all_rows_text(store_url)
    assert ADA not in dump and "10.0.0.1" not in dump and "ada" not in dump


def test_minutes_rounds_up_for_people() -> None:
    assert [minutes(s) for s in (1, 59, 60, 61, 900)] == [
        "1 minute", "1 minute", "1 minute", "2 minutes", "15 minutes"
    ]  # fmt: skip


async def test_throttle_window_is_half_open(throttle: SignInThrottle) -> None:
    """A window is [start, start + 60): at start + 60 it is over, for counting and for refusing."""
    clock: FakeClock = throttle.clock  # type: ignore[assignment]
    assert await throttle.claim(ADA, "10.0.0.1") is None
    assert await throttle.claim(ADA, "10.0.0.1") is None
    assert await throttle.claim(ADA, "10.0.0.1") == 60
    clock.advance(59)
    assert await throttle.claim(ADA, "10.0.0.1") == 1
    clock.advance(1)
    assert await throttle.claim(ADA, "10.0.0.1") is None  # starts a new window: 1, not 5
    clock.advance(1)
    assert await throttle.claim(ADA, "10.0.0.1") is None  # the second of the new window
    assert await throttle.claim(ADA, "10.0.0.1") == 59  # which began 1 s ago


async def test_a_refund_and_a_claim_lock_rows_in_one_order(
    store: SqlStore, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refund (two rows) while a claim holds one of them and then wants the other: the refund
    must lock in the claims' (sorted) order, not in the table's, or PostgreSQL finds a deadlock.
    "b" was written first (another account's attempt from this address), so a scan of the
    table meets it first. One attempt only: the store's re-run of a deadlocked operation would
    otherwise hide the deadlock this test is here to catch."""
    monkeypatch.setattr("signon.storage.engine.ATTEMPTS", 1)
    await store.record_sign_in_failure(("b",), NOW, NOW - 60)
    await store.record_sign_in_failure(("a",), NOW, NOW - 60)
    engine = sqlalchemy.create_engine(store_url)
    try:
        with engine.connect() as claim, claim.begin():  # a claim, as record_sign_in_failure
            bump = "UPDATE sign_in_failures SET failures = failures + 1 WHERE key = :key"
            claim.execute(sqlalchemy.text(bump), {"key": "a"})
            refund = asyncio.create_task(store.clear_sign_in_failures((), refund=("a", "b")))
            await asyncio.sleep(0.5)  # the refund is now waiting for "a"
            claim.execute(sqlalchemy.text(bump), {"key": "b"})
        await asyncio.wait_for(refund, 10)
    finally:
        engine.dispose()
    counts = await store.record_sign_in_failure((), NOW, NOW - 60)
    assert counts == {}
    rows = await store.record_sign_in_failure(("a", "b"), NOW, NOW - 60)
    assert {key: failures for key, (failures, _) in rows.items()} == {"a": 2, "b": 2}


async def test_idle_counters_are_swept(store: SqlStore, store_url: str) -> None:
    """The table holds only live windows: a counter idle since before the window is dropped by
    the next attempt (any account's)."""
    await store.record_sign_in_failure(("old",), NOW, NOW - 59)
    await store.record_sign_in_failure(("kept",), NOW + 30, NOW - 29)
    await store.record_sign_in_failure(("new",), NOW + 60, NOW + 1)
    engine = sqlalchemy.create_engine(store_url)
    try:
        with engine.connect() as conn:
            keys = conn.execute(sqlalchemy.text("SELECT key FROM sign_in_failures")).scalars()
            assert sorted(keys) == ["kept", "new"]
    finally:
        engine.dispose()

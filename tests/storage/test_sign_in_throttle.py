"""The sign-in throttle's policy on both databases, with small limits (the HTTP behaviour, with
the defaults, is in tests/http/test_signin_throttle.py)."""

from __future__ import annotations

import pytest

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
    assert await throttle.retry_after(ADA, "10.0.0.1") is None
    await throttle.failed(ADA, "10.0.0.1")
    await throttle.failed(ADA, "10.0.0.1")
    assert await throttle.retry_after(ADA, "10.0.0.1") == 60
    assert await throttle.retry_after(ADA, "10.0.0.2") is None  # another address
    assert await throttle.retry_after(BOB, "10.0.0.1") is None  # another account
    await throttle.failed(BOB, "10.0.0.1")  # the address's third failure
    assert await throttle.retry_after("carol@example.com", "10.0.0.1") == 60


async def test_throttle_window_slides_and_success_clears(throttle: SignInThrottle) -> None:
    clock: FakeClock = throttle.clock  # type: ignore[assignment]
    await throttle.failed(ADA, "10.0.0.1")
    clock.advance(61)  # the first window is over: counting starts again
    await throttle.failed(ADA, "10.0.0.1")
    assert await throttle.retry_after(ADA, "10.0.0.1") is None
    await throttle.failed(ADA, "10.0.0.1")
    assert await throttle.retry_after(ADA, "10.0.0.1") == 60
    await throttle.succeeded(ADA, "10.0.0.1")
    assert await throttle.retry_after(ADA, "10.0.0.1") is None


async def test_throttle_stores_no_email_or_address(
    store_url: str, throttle: SignInThrottle
) -> None:
    await throttle.failed(ADA, "10.0.0.1")
    dump = all_rows_text(store_url)
    assert ADA not in dump and "10.0.0.1" not in dump and "ada" not in dump


def test_minutes_rounds_up_for_people() -> None:
    assert [minutes(s) for s in (1, 59, 60, 61, 900)] == [
        "1 minute", "1 minute", "1 minute", "2 minutes", "15 minutes"
    ]  # fmt: skip


async def test_throttle_window_is_half_open(throttle: SignInThrottle) -> None:
    """A window is [start, start + 60): at start + 60 it is over, for counting and for refusing."""
    clock: FakeClock = throttle.clock  # type: ignore[assignment]
    await throttle.failed(ADA, "10.0.0.1")
    await throttle.failed(ADA, "10.0.0.1")
    assert await throttle.retry_after(ADA, "10.0.0.1") == 60
    clock.advance(59)
    assert await throttle.retry_after(ADA, "10.0.0.1") == 1
    clock.advance(1)
    assert await throttle.retry_after(ADA, "10.0.0.1") is None
    await throttle.failed(ADA, "10.0.0.1")  # starts a new window: one failure, not three
    assert await throttle.retry_after(ADA, "10.0.0.1") is None
    clock.advance(1)
    await throttle.failed(ADA, "10.0.0.1")  # the second of the new window, which began 1 s ago
    assert await throttle.retry_after(ADA, "10.0.0.1") == 59

"""The sign-in throttle: failed password checks per (account, address) and per address."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import ISSUER, Harness, csrf_from

ADA, BOB = "ada@example.com", "bob@example.com"
PASSWORD = "correct horse"


def attempt(harness: Harness, email: str, password: str, client: TestClient | None = None) -> Any:
    browser = client or harness.client
    token = csrf_from(browser.get("/signin").text)
    return browser.post("/signin", data={"email": email, "password": password,
                                         "continue": "/", "csrf_token": token})  # fmt: skip


class CountingHasher:
    """Counts password verifications, to show a throttled attempt never reaches argon2."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.verifications = inner, 0

    def verify(self, hashed: str, password: str) -> bool:
        self.verifications += 1
        result: bool = self.inner.verify(hashed, password)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def counted(harness: Harness) -> CountingHasher:
    hasher = CountingHasher(harness.ctx.hasher)
    harness.ctx.hasher = hasher  # type: ignore[assignment]
    return hasher


def test_ten_failures_refuse_the_account_from_that_address_without_hashing(
    harness: Harness, counted: CountingHasher
) -> None:
    harness.user(ADA, PASSWORD)
    for _ in range(10):
        assert attempt(harness, ADA, "wrong password").status_code == 401
    assert counted.verifications == 10
    refused = attempt(harness, ADA, PASSWORD)  # even the right password, for now
    assert refused.status_code == 429
    assert "Too many failed attempts. Try again in 15 minutes." in refused.text
    assert 0 < int(refused.headers["retry-after"]) <= 900
    assert counted.verifications == 10  # refused before argon2 ran
    assert "signon_sid=" not in refused.headers.get("set-cookie", "")


def test_the_refusal_ends_with_the_window(harness: Harness) -> None:
    harness.user(ADA, PASSWORD)
    for _ in range(10):
        attempt(harness, ADA, "wrong password")
    harness.clock.advance(14 * 60)
    refused = attempt(harness, ADA, PASSWORD)
    assert refused.status_code == 429 and "Try again in 1 minute." in refused.text
    harness.clock.advance(60)
    assert attempt(harness, ADA, PASSWORD).status_code == 303


def test_other_accounts_from_the_same_address_are_not_refused(harness: Harness) -> None:
    harness.user(ADA, PASSWORD)
    harness.user(BOB, PASSWORD)
    for _ in range(10):
        attempt(harness, ADA, "wrong password")
    assert attempt(harness, BOB, PASSWORD).status_code == 303


def test_a_success_clears_the_accounts_count(harness: Harness) -> None:
    harness.user(ADA, PASSWORD)
    for _ in range(9):
        attempt(harness, ADA, "wrong password")
    assert attempt(harness, ADA, PASSWORD).status_code == 303
    for _ in range(9):
        assert attempt(harness, ADA, "wrong password").status_code == 401
    assert attempt(harness, ADA, PASSWORD).status_code == 303


def test_unknown_emails_count_too(harness: Harness) -> None:
    for _ in range(10):
        attempt(harness, "nobody@example.com", "guess")
    assert attempt(harness, "NOBODY@example.com", "guess").status_code == 429


def change_password(
    harness: Harness, current: str, new: str = "new password 1", again: str | None = None
) -> Any:
    """Submit the /myaccount password form for the first account."""
    page = harness.client.get("/myaccount").text
    marker = 'name="account" value="'
    account = page[page.index(marker) + len(marker) :].split('"', 1)[0]
    return harness.client.post("/myaccount/password", data={
        "csrf_token": csrf_from(page), "authuser": "0", "account": account,
        "current_password": current, "password": new,
        "password_again": new if again is None else again})  # fmt: skip


def test_the_current_password_check_is_throttled_too(harness: Harness) -> None:
    harness.user(ADA, PASSWORD)
    assert attempt(harness, ADA, PASSWORD).status_code == 303
    for _ in range(10):
        assert change_password(harness, "guess").status_code == 400
    refused = change_password(harness, PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed attempts" in refused.text
    other = TestClient(harness.client.app, base_url=ISSUER, follow_redirects=False)
    assert attempt(harness, ADA, PASSWORD, other).status_code == 429  # same account, address


def test_password_changes_that_fail_for_other_reasons_do_not_count(harness: Harness) -> None:
    """A mismatch checks no password; a too-short new one comes after a right current password
    (its claimed failure is given back). Neither brings the throttle closer."""
    harness.user(ADA, PASSWORD)
    assert attempt(harness, ADA, PASSWORD).status_code == 303
    for new, again in [("new password 1", "new password 2"), ("short", "short")] * 11:
        assert change_password(harness, PASSWORD, new, again).status_code == 400
    assert change_password(harness, PASSWORD).status_code == 303

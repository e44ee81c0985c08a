"""Password hashing: argon2id with OWASP's parameters, and an unknown email as slow as a wrong
password."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable

import pytest

from signon.accounts.passwords import PasswordHasher
from signon.accounts.users import authenticate, create_user
from signon.storage import SqlStore
from tests.conftest import fast_hasher

OWASP_PREFIX = "$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture(scope="module")
def owasp() -> PasswordHasher:
    return PasswordHasher()


def test_password_hash_is_argon2id_with_owasp_parameters(owasp: PasswordHasher) -> None:
    assert owasp.hash("correct horse").startswith(OWASP_PREFIX)


def test_password_hash_is_salted(owasp: PasswordHasher) -> None:
    assert owasp.hash("correct horse") != owasp.hash("correct horse")


def test_password_verify_right_password(owasp: PasswordHasher) -> None:
    assert owasp.verify(owasp.hash("correct horse"), "correct horse") is True


def test_password_verify_wrong_password(owasp: PasswordHasher) -> None:
    assert owasp.verify(owasp.hash("correct horse"), "Correct horse") is False


def test_password_verify_without_stored_hash_is_false(owasp: PasswordHasher) -> None:
    # Not even the dummy hash's own password opens an account that has no password.
    assert owasp.verify(None, "signon: no such account") is False
    assert owasp.verify(None, "") is False


@pytest.mark.parametrize("stored", ["", "not a hash", "$argon2id$v=19$m=1,t=1,p=1$garbage"])
def test_password_verify_malformed_hash_is_false(owasp: PasswordHasher, stored: str) -> None:
    assert owasp.verify(stored, "correct horse") is False


def test_password_weaker_hash_needs_rehash(owasp: PasswordHasher) -> None:
    assert owasp.needs_rehash(fast_hasher().hash("correct horse")) is True
    assert owasp.needs_rehash(owasp.hash("correct horse")) is False


async def test_password_authenticate_upgrades_weaker_hash(
    store: SqlStore, owasp: PasswordHasher
) -> None:
    await create_user(store, fast_hasher(), password="correct horse", email="a@example.com", now=0)
    user = await authenticate(store, owasp, "a@example.com", "correct horse")
    assert user is not None
    stored = await store.find_user(user.sub)
    assert stored is not None
    assert stored.password_hash is not None
    assert stored.password_hash.startswith(OWASP_PREFIX)
    assert owasp.verify(stored.password_hash, "correct horse") is True


async def seconds(attempt: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await attempt()
    return time.perf_counter() - start


async def test_password_unknown_email_costs_as_much_as_wrong_password(
    store: SqlStore, owasp: PasswordHasher
) -> None:
    await create_user(store, owasp, password="correct horse", email="ada@example.com", now=0)

    async def wrong_password() -> None:
        assert await authenticate(store, owasp, "ada@example.com", "wrong horse") is None

    async def unknown_email() -> None:
        assert await authenticate(store, owasp, "nobody@example.com", "wrong horse") is None

    await wrong_password()  # warm up
    await unknown_email()
    wrong: list[float] = []
    unknown: list[float] = []
    for _ in range(7):  # interleaved, so machine load hits both alike
        wrong.append(await seconds(wrong_password))
        unknown.append(await seconds(unknown_email))
    ratio = statistics.median(unknown) / statistics.median(wrong)
    assert 0.5 < ratio < 2.0, (ratio, wrong, unknown)

"""Creating users: checked fields, Google's sub shape, unique emails; authenticating them."""

from __future__ import annotations

import re

import pytest

from signon.accounts.users import AccountError, authenticate, check_email, create_user, new_user
from signon.storage import SqlStore
from tests.conftest import fast_hasher

SUB = "123456789012345678901"


@pytest.mark.parametrize(
    "email",
    [
        "",
        "ada",
        "ada@",
        "@example.com",
        "ada@@example.com",
        "a da@example.com",
        "ada@exa mple.com",
        "ada@-example.com",
        "ada@example..com",
        "x" * 65 + "@example.com",
        "ada@" + "a" * 250 + ".com",
    ],
)
def test_user_bad_email_refused(email: str) -> None:
    with pytest.raises(AccountError) as info:
        check_email(email)
    assert str(info.value) == f"{email.strip()!r} is not an email address"


@pytest.mark.parametrize(
    "email",
    ["ada@example.com", "ada+tag@mail.example.co.uk", "a.b-c@localhost", "ada@xn--bcher-kva.ch"],
)
def test_user_good_email_accepted(email: str) -> None:
    assert check_email(email) == email


def test_user_email_lower_cased_and_trimmed() -> None:
    assert check_email("  Ada@Example.COM ") == "ada@example.com"


def test_user_new_sub_is_21_digits() -> None:
    subs = {new_user(email="ada@example.com", now=0).sub for _ in range(20)}
    assert len(subs) == 20
    assert all(re.fullmatch(r"1[0-9]{20}", s) for s in subs)


@pytest.mark.parametrize(
    "sub", ["12345", "1234567890123456789012", "12345678901234567890a", " " + SUB[1:]]
)
def test_user_bad_sub_refused(sub: str) -> None:
    with pytest.raises(AccountError) as info:
        new_user(email="ada@example.com", sub=sub, now=0)
    assert str(info.value) == f"sub {sub!r} must be 21 digits"


def test_user_given_sub_kept() -> None:
    assert new_user(email="ada@example.com", sub=SUB, now=0).sub == SUB


def test_user_name_composed_from_given_and_family_names() -> None:
    u = new_user(email="ada@example.com", given_name="Ada", family_name="Lovelace", now=0)
    assert u.name == "Ada Lovelace"


def test_user_explicit_name_kept() -> None:
    u = new_user(email="a@example.com", name="Countess", given_name="Ada", now=0)
    assert u.name == "Countess"


def test_user_hosted_domain_lower_cased() -> None:
    assert new_user(email="ada@example.com", hd="Example.COM", now=0).hd == "example.com"


@pytest.mark.parametrize("hd", ["example", "-example.com", "exa mple.com", "https://example.com"])
def test_user_bad_hosted_domain_refused(hd: str) -> None:
    with pytest.raises(AccountError) as info:
        new_user(email="ada@example.com", hd=hd, now=0)
    assert str(info.value) == f"hd {hd.lower()!r} is not a domain name"


@pytest.mark.parametrize("picture", ["javascript:alert(1)", "//example.com/a.png", "a.png"])
def test_user_picture_must_be_http_url(picture: str) -> None:
    with pytest.raises(AccountError) as info:
        new_user(email="ada@example.com", picture=picture, now=0)
    assert str(info.value) == f"picture {picture!r} must be an http(s) URL"


async def test_user_created_with_hashed_password(store: SqlStore) -> None:
    u = await create_user(
        store, fast_hasher(), password="correct horse", email="ada@example.com", now=7
    )
    stored = await store.find_user(u.sub)
    assert stored == u
    assert u.password_hash is not None
    assert u.password_hash.startswith("$argon2id$")
    assert "correct horse" not in u.password_hash
    assert u.created_at == 7


async def test_user_created_without_password(store: SqlStore) -> None:
    u = await create_user(store, fast_hasher(), password=None, email="ada@example.com", now=0)
    assert u.password_hash is None


async def test_user_short_password_refused(store: SqlStore) -> None:
    with pytest.raises(AccountError) as info:
        await create_user(store, fast_hasher(), password="1234567", email="ada@example.com", now=0)
    assert str(info.value) == "the password must have at least 8 characters"
    assert await store.list_users() == []


async def test_user_duplicate_email_refused(store: SqlStore) -> None:
    await create_user(store, fast_hasher(), password=None, email="ada@example.com", now=0)
    with pytest.raises(AccountError) as info:
        await create_user(store, fast_hasher(), password=None, email="ADA@example.com", now=0)
    assert str(info.value) == "a user with email ada@example.com already exists"
    assert len(await store.list_users()) == 1


async def test_user_duplicate_sub_refused(store: SqlStore) -> None:
    await create_user(store, fast_hasher(), password=None, email="ada@example.com", sub=SUB, now=0)
    with pytest.raises(AccountError) as info:
        await create_user(
            store, fast_hasher(), password=None, email="bob@example.com", sub=SUB, now=0
        )
    assert str(info.value) == f"a user with sub {SUB} already exists"


async def test_user_authenticates_with_right_password(store: SqlStore) -> None:
    hasher = fast_hasher()
    u = await create_user(store, hasher, password="correct horse", email="ada@example.com", now=0)
    assert await authenticate(store, hasher, " ADA@example.com ", "correct horse") == u


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ada@example.com", "wrong horse"),
        ("ada@example.com", ""),
        ("bob@example.com", "correct horse"),
        ("ada", "correct horse"),
    ],
)
async def test_user_not_authenticated(store: SqlStore, email: str, password: str) -> None:
    hasher = fast_hasher()
    await create_user(store, hasher, password="correct horse", email="ada@example.com", now=0)
    assert await authenticate(store, hasher, email, password) is None


async def test_user_without_password_never_authenticates(store: SqlStore) -> None:
    hasher = fast_hasher()
    await create_user(store, hasher, password=None, email="ada@example.com", now=0)
    assert await authenticate(store, hasher, "ada@example.com", "signon: no such account") is None

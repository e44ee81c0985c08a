"""Accounts: creating users with checked fields, and authenticating them."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import anyio.to_thread

from signon.accounts.passwords import MIN_PASSWORD_LENGTH, PasswordHasher
from signon.protocol.ids import new_sub
from signon.storage.records import User
from signon.storage.store import Conflict, Store

__all__ = ["AccountError", "authenticate", "check_email", "create_user", "new_user"]

_EMAIL = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_SUB = re.compile(r"^[0-9]{21}$")
_DOMAIN = re.compile(
    r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"
)


class AccountError(ValueError):
    """Bad account input; the message is shown to a person as it is."""


def check_email(email: str) -> str:
    email = email.strip()
    if not _EMAIL.fullmatch(email) or len(email) > 254:
        raise AccountError(f"{email!r} is not an email address")
    return email.lower()


def new_user(
    *,
    email: str,
    now: int,
    sub: str | None = None,
    password_hash: str | None = None,
    email_verified: bool = True,
    name: str | None = None,
    given_name: str | None = None,
    family_name: str | None = None,
    picture: str | None = None,
    locale: str | None = None,
    hd: str | None = None,
    is_admin: bool = False,
    custom_claims: dict[str, Any] | None = None,
) -> User:
    email = check_email(email)
    if sub is not None and not _SUB.fullmatch(sub):
        raise AccountError(f"sub {sub!r} must be 21 digits")
    if hd is not None:
        hd = hd.strip().lower()
        if not _DOMAIN.fullmatch(hd):
            raise AccountError(f"hd {hd!r} is not a domain name")
    if picture is not None and not picture.startswith(("https://", "http://")):
        raise AccountError(f"picture {picture!r} must be an http(s) URL")
    # The same field rules as every other way in (console, admin API, import): a record one
    # database stores must be one the other stores, and one an export can carry back in.
    from signon.accounts.changes import check_user_fields  # it imports this module

    check_user_fields(
        {"name": name, "given_name": given_name, "family_name": family_name, "locale": locale,
         "hd": hd, "picture": picture}
    )  # fmt: skip
    if name is None and (given_name or family_name):
        name = " ".join(p for p in (given_name, family_name) if p)
    return User(
        sub=sub or new_sub(),
        email=email,
        email_verified=email_verified,
        name=name,
        given_name=given_name,
        family_name=family_name,
        picture=picture,
        locale=locale,
        hd=hd,
        password_hash=password_hash,
        is_admin=is_admin,
        custom_claims=dict(custom_claims or {}),
        created_at=now,
    )


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


async def create_user(
    store: Store, hasher: PasswordHasher, *, password: str | None, **fields: Any
) -> User:
    if password is not None:
        check_password(password)
    user = new_user(password_hash=hasher.hash(password) if password else None, **fields)
    if await store.find_user_by_email(user.email) is not None:
        raise AccountError(f"a user with email {user.email} already exists")
    if await store.find_user(user.sub) is not None:
        raise AccountError(f"a user with sub {user.sub} already exists")
    try:
        await store.create_user(user)
    except Conflict:
        raise AccountError(f"a user with email {user.email} already exists") from None
    return user


async def authenticate(
    store: Store, hasher: PasswordHasher, email: str, password: str
) -> User | None:
    """The user if the password is right; None otherwise, in the same time either way."""
    user = await store.find_user_by_email(email.strip()) if "@" in email else None
    stored = user.password_hash if user else None
    # argon2 takes tens of milliseconds: off the event loop (argon2-cffi releases the GIL).
    ok = await anyio.to_thread.run_sync(hasher.verify, stored, password)
    if not ok or user is None:
        return None
    if hasher.needs_rehash(stored or ""):
        await store.update_user(replace(user, password_hash=hasher.hash(password)), before=user)
    return user

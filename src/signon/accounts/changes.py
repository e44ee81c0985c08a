"""Changing accounts after creation: checked field by field (errors name the field), passwords,
and the custom claims an emulator account adds to its ID tokens."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import anyio.to_thread

from signon.accounts.passwords import PasswordHasher
from signon.accounts.users import AccountError, check_email, check_password

# The claims protocol/id_token.py never lets custom claims override (the token's own, and those
# an account field sets): refused up front, which tells the developer instead of silently
# dropping them.
from signon.protocol.id_token import RESERVED_CLAIMS
from signon.storage.records import User
from signon.storage.store import Store

__all__ = [
    "EDITABLE_FIELDS",
    "RESERVED_CLAIMS",
    "FieldError",
    "change_password",
    "changed_user",
    "check_custom_claims",
    "check_new_password",
    "check_user_fields",
]

EDITABLE_FIELDS = (
    "email", "email_verified", "name", "given_name", "family_name", "picture", "locale", "hd",
    "is_admin", "custom_claims",
)  # fmt: skip
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_DOMAIN = re.compile(
    r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"
)
_SUB = re.compile(r"^[0-9]{21}$")


class FieldError(AccountError):
    """One field is wrong: `field` names it, `message` says why (shown next to the field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def check_custom_claims(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FieldError("custom_claims", 'must be a JSON object, e.g. {"role": "admin"}')
    reserved = sorted(set(value) & RESERVED_CLAIMS)
    if reserved:
        raise FieldError(
            "custom_claims",
            f"{', '.join(reserved)} cannot be set: the token or an account field sets it",
        )
    return dict(value)


def check_user_fields(values: Mapping[str, Any]) -> None:
    """FieldError for the first bad value among the given user fields (None = not set). The
    limits are the columns' on both databases: SQLite would store what PostgreSQL refuses, and
    an export from one would not import into the other."""
    for name in ("email", "name", "given_name", "family_name", "picture", "locale", "hd"):
        value = values.get(name)
        if isinstance(value, str) and "\x00" in value:
            raise FieldError(name, "contains a NUL character")
    if values.get("email") is not None:
        try:
            check_email(values["email"])
        except AccountError:
            raise FieldError("email", f"{values['email']!r} is not an email address") from None
    if values.get("sub") is not None and not _SUB.fullmatch(values["sub"]):
        raise FieldError("sub", "must be 21 digits")
    hd = values.get("hd")
    if hd is not None and (len(hd.strip()) > 253 or not _DOMAIN.fullmatch(hd.strip().lower())):
        raise FieldError("hd", f"{hd!r} is not a domain name, e.g. example.com")
    picture = values.get("picture")
    if picture is not None and not picture.startswith(("https://", "http://")):
        raise FieldError("picture", "must be an http(s) URL")
    locale = values.get("locale")
    if locale is not None and (len(locale) > 35 or not _LOCALE.fullmatch(locale)):
        raise FieldError("locale", f"{locale!r} is not a language tag, e.g. en or pt-BR")
    if values.get("custom_claims") is not None:
        check_custom_claims(values["custom_claims"])


def changed_user(user: User, changes: Mapping[str, Any]) -> User:
    """`user` with `changes` (a subset of EDITABLE_FIELDS) applied and checked."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise FieldError(sorted(unknown)[0], "cannot be changed")
    check_user_fields(changes)
    values = dict(changes)
    if "email" in values:
        values["email"] = check_email(values["email"])
    if values.get("hd") is not None:
        values["hd"] = values["hd"].strip().lower()
    for name in ("email_verified", "is_admin"):
        if name in values and values[name] is None:
            raise FieldError(name, "must be true or false")
    if "custom_claims" in values:
        values["custom_claims"] = dict(values["custom_claims"] or {})
    return replace(user, **values)


def check_new_password(password: str) -> None:
    try:
        check_password(password)
    except AccountError as exc:
        raise FieldError("password", str(exc)) from None


async def change_password(
    store: Store, hasher: PasswordHasher, user: User, current: str | None, new: str
) -> User:
    """Set a new password; `current` must match when the account has one (None: an admin)."""
    if current is not None and user.password_hash is not None:
        ok = await anyio.to_thread.run_sync(hasher.verify, user.password_hash, current)
        if not ok:
            raise FieldError("current_password", "Wrong password. Try again.")
    check_new_password(new)
    updated = replace(user, password_hash=await anyio.to_thread.run_sync(hasher.hash, new))
    await store.update_user(updated, before=user)
    return updated

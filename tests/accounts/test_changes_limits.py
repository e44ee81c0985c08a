"""User fields are checked against the columns' limits, the same on SQLite and PostgreSQL:
SQLite stores a 47-character locale, a 300-character domain or a NUL that PostgreSQL refuses,
and an export from one would then not import into the other."""

from __future__ import annotations

import pytest

from signon.accounts.changes import FieldError, check_user_fields


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("locale", "en-" + "-".join(["abcdefgh"] * 5), "is not a language tag"),
        ("hd", ".".join(["a" * 60] * 5) + ".com", "is not a domain name"),
        ("name", "Ada\x00", "contains a NUL character"),
        ("picture", "https://example.com/\x00.png", "contains a NUL character"),
    ],
)
def test_values_the_columns_cannot_hold_are_refused(field: str, value: str, message: str) -> None:
    with pytest.raises(FieldError, match=message) as info:
        check_user_fields({field: value})
    assert info.value.field == field


def test_values_at_the_limits_are_accepted() -> None:
    check_user_fields({"locale": "en" + "-abcdefgh" * 3 + "-abcde"})  # 35 characters
    check_user_fields({"hd": ".".join(["a" * 62] * 4)[:249] + ".com"})  # 253

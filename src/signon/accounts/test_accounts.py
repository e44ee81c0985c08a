"""Emulator test accounts, from the **Add new account** form: every field checked, every error
kept with its field so the page can show it next to the input."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from signon.accounts.changes import FieldError, check_custom_claims, check_user_fields

__all__ = ["TestAccountErrors", "parse_test_account"]


class TestAccountErrors(ValueError):
    """One or more fields are wrong: `errors` maps each field name to its message."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _claims(raw: str) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        value = orjson.loads(raw)  # depth-limited; refuses NaN, which no JWT can carry
    except orjson.JSONDecodeError as exc:
        raise FieldError(
            "custom_claims", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    return check_custom_claims(value)


def parse_test_account(form: Mapping[str, str]) -> dict[str, Any]:
    """Keyword arguments for `create_user` (without a password)."""
    values: dict[str, Any] = {
        "email": form.get("email", "").strip(),
        "name": form.get("name", "").strip() or None,
        "picture": form.get("picture", "").strip() or None,
        "hd": form.get("hd", "").strip().lower() or None,
        "email_verified": form.get("email_verified") == "true",
    }
    errors: dict[str, str] = {}
    if not values["email"]:
        errors["email"] = "Enter an email address."
    for name in ("email", "picture", "hd"):
        if name not in errors and values[name] is not None:
            try:
                check_user_fields({name: values[name]})
            except FieldError as exc:
                errors[name] = exc.message
    try:
        values["custom_claims"] = _claims(form.get("custom_claims", ""))
    except FieldError as exc:
        errors["custom_claims"] = exc.message
    if errors:
        raise TestAccountErrors(errors)
    return values

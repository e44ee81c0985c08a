"""Admin API: users."""

from __future__ import annotations

import pytest

from tests.conftest import Harness
from tests.http.admin_helpers import admin_harness, call, invalid  # noqa: F401 - fixtures

SUB = "100000000000000000042"


def test_admin_create_user_returns_201_without_password_hash(admin: Harness) -> None:
    body = {"email": "Ada@Example.com", "password": "correct horse", "sub": SUB,
            "name": "Ada", "hd": "example.com", "custom_claims": {"role": "admin"}}  # fmt: skip
    response = call(admin, "POST", "/users", body)
    assert response.status_code == 201
    assert response.json() == {
        "sub": SUB, "email": "ada@example.com", "email_verified": True, "name": "Ada",
        "given_name": None, "family_name": None, "picture": None, "locale": None,
        "hd": "example.com", "is_admin": False, "has_password": True,
        "custom_claims": {"role": "admin"}, "created_at": int(admin.clock()),
    }  # fmt: skip


def test_admin_created_user_can_sign_in_with_its_password(admin: Harness) -> None:
    call(admin, "POST", "/users", {"email": "ada@example.com", "password": "correct horse"})
    assert admin.sign_in("ada@example.com", "correct horse").status_code == 303


@pytest.mark.parametrize(
    ("body", "description"),
    [
        ({}, "email: required field is missing"),
        ({"email": 3}, "email: expected a string"),
        ({"email": "nope"}, "email: 'nope' is not an email address"),
        ({"email": "a@b.co", "colour": "red"}, "colour: unknown field (allowed: custom_claims, "
         "email, email_verified, family_name, given_name, hd, is_admin, locale, name, password, "
         "picture, sub)"),
        ({"email": "a@b.co", "email_verified": "yes"}, "email_verified: expected true or false"),
        ({"email": "a@b.co", "custom_claims": []}, "custom_claims: expected a JSON object"),
        ({"email": "a@b.co", "custom_claims": {"sub": "x"}},
         "custom_claims: sub cannot be set: the token or an account field sets it"),
        ({"email": "a@b.co", "custom_claims": {"email": "boss@example.com", "role": "x"}},
         "custom_claims: email cannot be set: the token or an account field sets it"),
        ({"email": "a@b.co", "custom_claims": {"hd": "x", "locale": "x", "name": "x"}},
         "custom_claims: hd, locale, name cannot be set: the token or an account field sets it"),
        ({"email": "a@b.co", "sub": "12"}, "sub: must be 21 digits"),
        ({"email": "a@b.co", "hd": "not a domain"},
         "hd: 'not a domain' is not a domain name, e.g. example.com"),
        ({"email": "a@b.co", "picture": "ftp://x"}, "picture: must be an http(s) URL"),
        ({"email": "a@b.co", "password": "short"},
         "password: the password must have at least 8 characters"),
    ],
)  # fmt: skip
def test_admin_create_user_invalid_body_is_400_naming_the_field(
    admin: Harness, body: dict[str, object], description: str
) -> None:
    response = call(admin, "POST", "/users", body)
    assert (response.status_code, response.json()) == (400, invalid(description))


@pytest.mark.parametrize(
    ("raw", "description"),
    [
        (b"", "the request body is empty; send a JSON object"),
        (b"[1]", "the request body must be a JSON object"),
    ],
)
def test_admin_non_object_body_is_400(admin: Harness, raw: bytes, description: str) -> None:
    response = call(admin, "POST", "/users", content=raw)
    assert (response.status_code, response.json()) == (400, invalid(description))


@pytest.mark.parametrize(
    "raw", [b"{nope", b"[" * 20000 + b"]" * 20000, b'{"a": NaN}', b'{"email": "\xff"}']
)
def test_admin_malformed_json_is_400(admin: Harness, raw: bytes) -> None:
    response = call(admin, "POST", "/users", content=raw)
    assert response.status_code == 400
    assert response.json()["error_description"].startswith("the request body is not valid JSON")


def test_admin_create_user_duplicate_email_is_409(admin: Harness) -> None:
    call(admin, "POST", "/users", {"email": "ada@example.com"})
    response = call(admin, "POST", "/users", {"email": "ADA@example.com"})
    assert response.status_code == 409
    assert response.json() == {
        "error": "conflict",
        "error_description": "a user with email ada@example.com already exists",
    }


def test_admin_list_users_in_creation_order(admin: Harness) -> None:
    call(admin, "POST", "/users", {"email": "b@example.com"})
    admin.clock.advance(1)
    call(admin, "POST", "/users", {"email": "a@example.com"})
    response = call(admin, "GET", "/users")
    assert response.status_code == 200
    assert [u["email"] for u in response.json()] == ["b@example.com", "a@example.com"]


def test_admin_get_user(admin: Harness) -> None:
    call(admin, "POST", "/users", {"email": "ada@example.com", "sub": SUB})
    response = call(admin, "GET", f"/users/{SUB}")
    assert (response.status_code, response.json()["email"]) == (200, "ada@example.com")


def test_admin_get_unknown_user_is_404(admin: Harness) -> None:
    response = call(admin, "GET", f"/users/{SUB}")
    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "error_description": f"user {SUB} was not found",
    }


def test_admin_update_user_changes_only_given_fields(admin: Harness) -> None:
    call(admin, "POST", "/users", {"email": "ada@example.com", "sub": SUB, "name": "Ada"})
    changes = {"locale": "pt-BR", "custom_claims": {"tier": 2}, "is_admin": True}
    response = call(admin, "PATCH", f"/users/{SUB}", changes)
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["locale"], body["custom_claims"], body["is_admin"]) == (
        "Ada",
        "pt-BR",
        {"tier": 2},
        True,
    )
    assert call(admin, "GET", f"/users/{SUB}").json() == body


def test_admin_update_user_sets_and_removes_password(admin: Harness) -> None:
    call(admin, "POST", "/users", {"email": "ada@example.com", "sub": SUB})
    set_ = call(admin, "PATCH", f"/users/{SUB}", {"password": "new password"})
    assert set_.json()["has_password"] is True
    assert admin.sign_in("ada@example.com", "new password").status_code == 303
    removed = call(admin, "PATCH", f"/users/{SUB}", {"password": None})
    assert removed.json()["has_password"] is False


def test_admin_update_user_to_taken_email_is_409(admin: Harness) -> None:
    call(admin, "POST", "/users", {"email": "ada@example.com", "sub": SUB})
    call(admin, "POST", "/users", {"email": "bob@example.com"})
    response = call(admin, "PATCH", f"/users/{SUB}", {"email": "bob@example.com"})
    assert response.status_code == 409


def test_admin_update_user_invalid_body_is_400(admin: Harness) -> None:
    call(admin, "POST", "/users", {"email": "ada@example.com", "sub": SUB})
    response = call(admin, "PATCH", f"/users/{SUB}", {"locale": "not a locale!"})
    assert (response.status_code, response.json()) == (
        400, invalid("locale: 'not a locale!' is not a language tag, e.g. en or pt-BR")
    )  # fmt: skip


@pytest.mark.parametrize(
    "refused",
    [{"password": "short"}, {"email": "bob@example.com"}, {"locale": "not a locale!"}],
)
def test_a_refused_update_changes_nothing(admin: Harness, refused: dict[str, str]) -> None:
    """A short password (or a taken email) beside other changes: 400/409, and none of the
    other changes is written (a failed request used to leave is_admin: true behind)."""
    call(admin, "POST", "/users", {"email": "ada@example.com", "sub": SUB, "name": "Ada"})
    call(admin, "POST", "/users", {"email": "bob@example.com"})
    before = call(admin, "GET", f"/users/{SUB}").json()
    response = call(admin, "PATCH", f"/users/{SUB}", {"name": "New", "is_admin": True, **refused})
    assert response.status_code in (400, 409)
    assert call(admin, "GET", f"/users/{SUB}").json() == before


def test_admin_update_unknown_user_is_404(admin: Harness) -> None:
    assert call(admin, "PATCH", f"/users/{SUB}", {"name": "x"}).status_code == 404


def test_admin_delete_user_is_204_then_404(admin: Harness) -> None:
    call(admin, "POST", "/users", {"email": "ada@example.com", "sub": SUB})
    first = call(admin, "DELETE", f"/users/{SUB}")
    assert (first.status_code, first.content) == (204, b"")
    assert call(admin, "GET", f"/users/{SUB}").status_code == 404
    assert call(admin, "DELETE", f"/users/{SUB}").status_code == 404


@pytest.mark.parametrize("field", [{"sub": SUB + "\n"}, {"locale": "en\n"}])
def test_a_trailing_newline_is_not_part_of_a_valid_value(
    admin: Harness, field: dict[str, str]
) -> None:
    """`re.match` with `$` matches before a final newline: a sub of "<21 digits>\\n" was stored
    and signed into ID tokens. Values must match whole."""
    response = call(admin, "POST", "/users", {"email": "ada@example.com", **field})
    assert response.status_code == 400, response.text
    assert call(admin, "GET", "/users").json() == []


def test_email_and_hd_are_stored_without_surrounding_whitespace(admin: Harness) -> None:
    body = {"email": "Ada@Example.com\n", "hd": "example.com\n"}
    created = call(admin, "POST", "/users", body).json()
    assert (created["email"], created["hd"]) == ("ada@example.com", "example.com")

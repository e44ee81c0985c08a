"""Odd input found by review: Unicode digits and huge numbers where an account index goes, a
non-ASCII Basic header, NUL characters (which PostgreSQL cannot store). Each was a 500 before;
now each is a clear refusal (or is ignored), on both databases, with nothing half-written."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from signon.protocol.authorize import parse_authuser
from signon.protocol.gsi_button import parse_button
from tests.conftest import FakeClock, Harness, csrf_from, harness_for, make_settings
from tests.http.flows import auth_params, authorized, signed_in

ODD_INDEXES = ["²", "٣", "9" * 5000, "-1", " 1", "1000"]


@pytest.fixture
def both(database_url: str, clock: FakeClock) -> Iterator[Harness]:
    """An app on SQLite and, when SIGNON_TEST_DATABASE_URL is set, on PostgreSQL."""
    with harness_for(make_settings(database_url), clock) as h:
        yield h


def test_parse_authuser_takes_only_small_ascii_numbers() -> None:
    assert [parse_authuser(raw) for raw in ("0", "1", "07", "999")] == [0, 1, 7, 999]
    for raw in [None, "", *ODD_INDEXES]:
        assert parse_authuser(raw) is None, raw


def test_button_width_ignores_non_ascii_and_huge_digits() -> None:
    assert parse_button({"width": "250px"}).width == 250
    default = parse_button({}).width
    for raw in ("²⁵⁰", "9" * 5000):
        assert parse_button({"width": raw}).width == default


@pytest.mark.parametrize("authuser", ODD_INDEXES)
def test_odd_authuser_is_ignored_everywhere(harness: Harness, authuser: str) -> None:
    signed_in(harness)
    client = harness.web_client()
    response = harness.client.get(
        "/o/oauth2/v2/auth", params=auth_params(client, authuser=authuser)
    )
    assert response.status_code in (200, 302), response.text  # the chooser or consent
    page = harness.client.get("/myaccount", params={"authuser": authuser})
    assert page.status_code == 200
    assert "ada@example.com" in page.text
    popup = harness.client.get(
        "/gsi/select",
        params={"client_id": client.client.client_id, "origin": "http://localhost:5000",
                "authuser": authuser, "channel": "c1"},
    )  # fmt: skip
    assert popup.status_code < 500
    out = harness.client.post(
        "/signout", data={"authuser": authuser, "csrf_token": csrf_from(page.text)}
    )
    assert out.status_code == 303  # signs the whole session out, as with no authuser


def test_basic_header_with_non_ascii_is_invalid_client(harness: Harness) -> None:
    response = harness.client.post(
        "/token",
        data={"grant_type": "authorization_code", "code": "x", "redirect_uri": "x"},
        headers={"Authorization": "Basic éééé".encode("latin-1")},  # type: ignore[dict-item]
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")


def test_nul_in_oauth_parameters_is_invalid_request(both: Harness) -> None:
    client = both.web_client()
    for name in ("client_id", "code", "redirect_uri"):
        data = {"grant_type": "authorization_code", "client_id": client.client.client_id,
                "client_secret": client.secret, "code": "abc", "redirect_uri": "x"}  # fmt: skip
        data[name] += "\x00"
        response = both.client.post("/token", data=data)
        assert response.status_code == 400, name
        assert response.json() == {
            "error": "invalid_request",
            "error_description": f"Parameter {name!r} contains a NUL character",
        }
    audience = both.client.post(
        "/token",
        data={"grant_type": "authorization_code", "client_id": client.client.client_id,
              "code": "abc", "audience": "\x00"},
    )  # fmt: skip
    assert audience.status_code == 400


def test_nul_in_an_authorization_request_is_refused_before_any_code(both: Harness) -> None:
    """With consent already given, a request issues a code at once, and the code stores the
    nonce: PostgreSQL refused it there (a 500 after the grant was written). Now a 400 first."""
    user = signed_in(both)
    client = both.web_client()
    assert authorized(both, client).params["code"]
    grants = both.run(both.ctx.store.list_grants, user.sub)
    response = both.client.get("/o/oauth2/v2/auth", params=auth_params(client, nonce="a\x00b"))
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "NUL character" in response.text
    assert both.run(both.ctx.store.list_grants, user.sub) == grants


def test_nul_in_a_form_is_a_400_page(both: Harness) -> None:
    page = both.client.get("/signin")
    response = both.client.post(
        "/signin",
        data={"email": "ada\x00@example.com", "password": "x", "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 400
    assert "NUL character" in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_nul_in_admin_api_json_is_refused_on_both_databases(
    database_url: str, clock: FakeClock
) -> None:
    """JSON may carry "\u0000", which PostgreSQL cannot store (SQLite would): refused up front,
    the same way on both, and no user is created. (Behind it, PostgreSQL's refusal of any other
    value is a 400 too: tests/storage/test_store_contract.py.)"""
    token = "test-admin-token-0123456789"
    settings = make_settings(database_url, admin_token=token)
    with harness_for(settings, clock) as h:
        response = h.client.post(
            "/admin/api/users",
            json={"email": "ada@example.com", "name": "Ada\u0000", "password": "correct horse"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 400, response.text
        assert response.json() == {
            "error": "invalid_request",
            "error_description": "name: contains a NUL character",
        }
        assert h.run(h.ctx.store.list_users) == []

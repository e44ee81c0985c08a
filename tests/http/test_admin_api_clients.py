"""Admin API: OAuth clients."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Harness
from tests.http.admin_helpers import admin_harness, call, invalid  # noqa: F401 - fixtures

CLIENT_ID = re.compile(r"^[0-9]{12}-[a-z0-9]{32}\.apps\.googleusercontent\.com$")
ID_RULE = "use letters, digits, '.', '_', '~' and '-' (at most 255)"
WEB = {"name": "Photos", "origins": ["http://localhost:5000"],
       "redirect_uris": ["http://localhost:5000/callback"]}  # fmt: skip


def test_admin_create_client_returns_secret_once(admin: Harness) -> None:
    response = call(admin, "POST", "/clients", WEB)
    assert response.status_code == 201
    body = response.json()
    assert CLIENT_ID.match(body["client_id"])
    assert re.fullmatch(r"GOCSPX-[A-Za-z0-9_-]{28}", body["client_secret"])
    shown = ("name", "type", "project", "public", "origins", "auto_consent")
    assert {k: body[k] for k in shown} == {
        "name": "Photos", "type": "web", "project": "default", "public": False,
        "origins": ["http://localhost:5000"], "auto_consent": False,
    }  # fmt: skip
    again = call(admin, "GET", f"/clients/{body['client_id']}").json()
    assert "client_secret" not in again


def test_admin_create_client_imports_id_and_secret(admin: Harness) -> None:
    body = {**WEB, "client_id": "legacy-id", "client_secret": "legacy-secret"}
    response = call(admin, "POST", "/clients", body)
    assert response.status_code == 201
    assert (response.json()["client_id"], response.json()["client_secret"]) == (
        "legacy-id", "legacy-secret"
    )  # fmt: skip


@pytest.mark.parametrize(
    "client_id",
    [
        "123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com",
        "407408718192.apps.googleusercontent.com",  # Google's older shape
        "legacy_ID~1.0",
        "x" * 255,
    ],
)
def test_admin_imported_client_ids_of_url_safe_characters_work(
    admin: Harness, client_id: str
) -> None:
    created = call(admin, "POST", "/clients", {**WEB, "client_id": client_id})
    assert (created.status_code, created.json()["client_id"]) == (201, client_id)
    assert call(admin, "GET", f"/clients/{client_id}").json()["client_id"] == client_id
    assert call(admin, "DELETE", f"/clients/{client_id}").status_code == 204


def test_admin_create_client_duplicate_id_is_409(admin: Harness) -> None:
    call(admin, "POST", "/clients", {**WEB, "client_id": "legacy-id"})
    response = call(admin, "POST", "/clients", {**WEB, "client_id": "legacy-id"})
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"


def test_admin_create_client_refused_creates_no_project(admin: Harness) -> None:
    call(admin, "POST", "/clients", {**WEB, "client_id": "legacy-id"})
    response = call(admin, "POST", "/clients", {**WEB, "project": "orphan",
                                                "client_id": "legacy-id"})  # fmt: skip
    assert response.status_code == 409
    projects = call(admin, "GET", "/export").json()["projects"]
    assert [p["name"] for p in projects] == ["default"]


@pytest.mark.parametrize(
    ("body", "description"),
    [
        ({}, "name: required field is missing"),
        ({"name": "x", "type": "tv"}, "type: must be one of web, ios, android, desktop"),
        ({"name": "x", "origins": "http://localhost"}, "origins: expected an array"),
        ({"name": "x", "origins": [1]}, "origins[0]: expected a string"),
        ({"name": "x", "origins": ["https://*.example.com"]},
         "origins: 'https://*.example.com': wildcards are not allowed in JavaScript origins"),
        ({"name": "x", "origins": ["https://example.com/app"]},
         "origins: 'https://example.com/app': an origin cannot contain a path or end with '/'"),
        ({"name": "x", "redirect_uris": ["http://example.com/cb"]},
         "redirect_uris: 'http://example.com/cb': must use https (http is allowed only on "
         "localhost, 127.0.0.1, [::1])"),
        ({"name": "x", "redirect_uris": ["https://example.com/cb#x"]},
         "redirect_uris: 'https://example.com/cb#x': a redirect URI cannot contain a fragment (#)"),
        ({"name": "x", "type": "ios", "origins": ["https://example.com"]},
         "origins: only web clients have Authorized JavaScript origins"),
        ({"name": "x", "client_secret": "s"},
         "client_secret: a client secret needs at least 8 characters"),
        ({"name": "x", "origins": ["https://exa;mple.com"]},
         "origins: 'https://exa;mple.com': 'exa;mple.com' is not a host name or IP address"),
        # A pattern ending in "$" matches before a final newline: the whole value must match.
        ({"name": "x", "project": "proj\n"},
         "project: project 'proj\\n': use lower-case letters, digits and '-', starting with a "
         "letter"),
        ({"name": "x", "client_id": "abc\n"}, f"client_id: client ID 'abc\\n': {ID_RULE}"),
        # An imported ID is a URL path segment: "a/b" could never be fetched or deleted.
        *[({"name": "x", "client_id": bad}, f"client_id: client ID {bad!r}: {ID_RULE}")
          for bad in ("a/b", "victim-app?x", "a#b", "a%2Fb", "a b", "é", "x" * 256)],
        # PostgreSQL refuses a NUL (naming no field); SQLite stored it, and the export then
        # did not import into PostgreSQL.
        ({"name": "x\x00"}, "name: a client name cannot contain a NUL character"),
        ({"name": "x" * 256}, "name: a client name has at most 255 characters"),
        # Redirect URIs the docs said were refused, and the authorization endpoint redirects to.
        ({"name": "x", "redirect_uris": ["https://@example.com/cb"]},
         "redirect_uris: 'https://@example.com/cb': a redirect URI cannot contain a user name "
         "or password"),
        ({"name": "x", "origins": ["https://@example.com"]},
         "origins: 'https://@example.com': a JavaScript origin cannot contain a user name or "
         "password"),
        ({"name": "x", "redirect_uris": ["https://example.com/cb\x1b\x07x"]},
         "redirect_uris: 'https://example.com/cb\\x1b\\x07x': redirect URIs cannot contain "
         "control characters"),
        ({"name": "x", "redirect_uris": ["https://example.com/cb\x7f"]},
         "redirect_uris: 'https://example.com/cb\\x7f': redirect URIs cannot contain control "
         "characters"),
        ({"name": "x", "redirect_uris": ["https://ex\u3002ample.com/cb"]},
         "redirect_uris: 'https://ex\u3002ample.com/cb': 'ex\u3002ample.com' is not a host name "
         "or IP address"),
        ({"name": "x", "redirect_uris": ["https://exa;mple.com/cb"]},
         "redirect_uris: 'https://exa;mple.com/cb': 'exa;mple.com' is not a host name or IP "
         "address"),
        ({"name": "x", "redirect_uris": ["https://example.com/" + "a" * 2029]},
         "redirect_uris: a redirect URI has at most 2,048 characters"),
        # urlsplit's own ValueError was a 500.
        ({"name": "x", "redirect_uris": ["https://[::1/cb"]},
         "redirect_uris: 'https://[::1/cb': a redirect URI must be an absolute http(s) URL"),
    ],
)  # fmt: skip
def test_admin_create_client_invalid_body_is_400_naming_the_field(
    admin: Harness, body: dict[str, object], description: str
) -> None:
    response = call(admin, "POST", "/clients", body)
    assert (response.status_code, response.json()) == (400, invalid(description))


def test_admin_create_client_keeps_redirect_uris_up_to_2048_characters(admin: Harness) -> None:
    uris = ["https://example.com/" + "a" * 2028, "http://[::1]:8080/cb",
            "https://Photos.example.com/caf\u00e9?next=%2F"]  # fmt: skip
    response = call(admin, "POST", "/clients", {"name": "x", "redirect_uris": uris})
    assert response.status_code == 201, response.text
    assert response.json()["redirect_uris"] == uris


def test_admin_list_clients_filters_by_project(admin: Harness) -> None:
    call(admin, "POST", "/clients", {**WEB, "project": "photos"})
    admin.clock.advance(1)
    call(admin, "POST", "/clients", {"name": "CLI", "type": "desktop", "project": "tools"})
    everything = call(admin, "GET", "/clients").json()
    tools = call(admin, "GET", "/clients", params={"project": "tools"}).json()
    assert [c["name"] for c in everything] == ["Photos", "CLI"]
    assert [c["name"] for c in tools] == ["CLI"]


def test_admin_get_unknown_client_is_404(admin: Harness) -> None:
    response = call(admin, "GET", "/clients/nope")
    assert (response.status_code, response.json()) == (
        404, {"error": "not_found", "error_description": "client nope was not found"}
    )  # fmt: skip


def test_admin_update_client_replaces_uris(admin: Harness) -> None:
    client_id = call(admin, "POST", "/clients", WEB).json()["client_id"]
    response = call(admin, "PATCH", f"/clients/{client_id}",
                    {"origins": ["https://app.example.com"], "auto_consent": True})  # fmt: skip
    assert response.status_code == 200
    body = response.json()
    assert (body["origins"], body["redirect_uris"], body["auto_consent"]) == (
        ["https://app.example.com"], ["http://localhost:5000/callback"], True
    )  # fmt: skip


def test_admin_update_client_invalid_origin_is_400(admin: Harness) -> None:
    client_id = call(admin, "POST", "/clients", WEB).json()["client_id"]
    response = call(admin, "PATCH", f"/clients/{client_id}", {"origins": ["http://example.com"]})
    assert (response.status_code, response.json()) == (400, invalid(
        "origins: 'http://example.com': must use https (http is allowed only on localhost, "
        "127.0.0.1, [::1])"
    ))  # fmt: skip


@pytest.mark.parametrize(
    ("name", "description"),
    [("Web\x00", "name: a client name cannot contain a NUL character"),
     ("W" * 256, "name: a client name has at most 255 characters")],
)  # fmt: skip
def test_admin_update_client_name_that_cannot_be_stored_everywhere_is_400(
    admin: Harness, name: str, description: str
) -> None:
    client_id = call(admin, "POST", "/clients", WEB).json()["client_id"]
    response = call(admin, "PATCH", f"/clients/{client_id}", {"name": name})
    assert (response.status_code, response.json()) == (400, invalid(description))
    assert call(admin, "GET", f"/clients/{client_id}").json()["name"] == "Photos"


def test_admin_update_client_sets_a_known_secret(admin: Harness) -> None:
    client_id = call(admin, "POST", "/clients", WEB).json()["client_id"]
    call(admin, "PATCH", f"/clients/{client_id}", {"client_secret": "my-apps-secret"})
    client = admin.run(admin.ctx.store.find_client, client_id)
    from signon.protocol.ids import hash_secret

    assert client is not None and client.secret_hash == hash_secret("my-apps-secret")


def test_admin_reset_secret_returns_a_new_one_and_the_old_stops_working(admin: Harness) -> None:
    created = call(admin, "POST", "/clients", WEB).json()
    response = call(admin, "POST", f"/clients/{created['client_id']}/secret")
    assert response.status_code == 200
    secret = response.json()["client_secret"]
    assert secret != created["client_secret"]
    stale = admin.client.post("/token", data={
        "grant_type": "refresh_token", "refresh_token": "1//0x",
        "client_id": created["client_id"], "client_secret": created["client_secret"]})  # fmt: skip
    assert (stale.status_code, stale.json()["error"]) == (401, "invalid_client")


def test_admin_reset_secret_of_public_client_is_400(admin: Harness) -> None:
    client_id = call(admin, "POST", "/clients", {"name": "iOS", "type": "ios"}).json()["client_id"]
    response = call(admin, "POST", f"/clients/{client_id}/secret")
    assert (response.status_code, response.json()) == (
        400, invalid("client_secret: ios clients are public: no secret")
    )  # fmt: skip


def test_admin_delete_client_is_204_then_404(admin: Harness) -> None:
    client_id = call(admin, "POST", "/clients", WEB).json()["client_id"]
    assert call(admin, "DELETE", f"/clients/{client_id}").status_code == 204
    assert call(admin, "GET", f"/clients/{client_id}").status_code == 404
    assert call(admin, "DELETE", f"/clients/{client_id}").status_code == 404

"""Admin API: the bearer admin token (setting or `signon admin token`) and the OpenAPI document."""

from __future__ import annotations

import pytest

from signon.admin.tokens import issue_admin_token
from signon.cli import main
from tests.conftest import Harness, harness_for, make_settings
from tests.http.admin_helpers import AUTH, admin_harness, call  # noqa: F401 - fixtures

PATHS = [
    ("GET", "/admin/api/users"),
    ("POST", "/admin/api/users"),
    ("GET", "/admin/api/users/100000000000000000001"),
    ("PATCH", "/admin/api/users/100000000000000000001"),
    ("DELETE", "/admin/api/users/100000000000000000001"),
    ("GET", "/admin/api/clients"),
    ("POST", "/admin/api/clients"),
    ("GET", "/admin/api/clients/x"),
    ("PATCH", "/admin/api/clients/x"),
    ("POST", "/admin/api/clients/x/secret"),
    ("DELETE", "/admin/api/clients/x"),
    ("GET", "/admin/api/grants"),
    ("DELETE", "/admin/api/grants/g"),
    ("GET", "/admin/api/keys"),
    ("POST", "/admin/api/keys/rotate"),
    ("POST", "/admin/api/reset"),
    ("GET", "/admin/api/export"),
    ("POST", "/admin/api/import"),
]


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_admin_api_without_token_is_401_with_challenge(
    admin: Harness, method: str, path: str
) -> None:
    response = admin.client.request(method, path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="signon admin"'
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "Send the admin token as 'Authorization: Bearer <token>'.",
    }


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_admin_api_wrong_token_is_401_invalid_token(admin: Harness, method: str, path: str) -> None:
    response = admin.client.request(method, path, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == (
        'Bearer realm="signon admin", error="invalid_token"'
    )
    assert response.json() == {
        "error": "invalid_token",
        "error_description": "The admin token is not valid.",
    }


def test_admin_api_basic_auth_is_not_a_bearer_token(admin: Harness) -> None:
    response = admin.client.get("/admin/api/users", auth=("admin", "test-admin-token-0123456789"))
    assert response.status_code == 401


def test_admin_api_refuses_everything_when_no_token_is_configured(harness: Harness) -> None:
    response = harness.client.get("/admin/api/users", headers={"Authorization": "Bearer x"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_admin_api_accepts_issued_token_and_the_next_one_replaces_it(harness: Harness) -> None:
    first = harness.run(issue_admin_token, harness.ctx.store)
    ok = harness.client.get("/admin/api/users", headers={"Authorization": f"Bearer {first}"})
    assert ok.status_code == 200
    second = harness.run(issue_admin_token, harness.ctx.store)
    old = harness.client.get("/admin/api/users", headers={"Authorization": f"Bearer {first}"})
    new = harness.client.get("/admin/api/users", headers={"Authorization": f"Bearer {second}"})
    assert (old.status_code, new.status_code) == (401, 200)


def test_admin_api_token_is_stored_only_as_a_hash(harness: Harness) -> None:
    token = harness.run(issue_admin_token, harness.ctx.store)
    stored = harness.run(harness.ctx.store.find_secret, "admin_token_sha256")
    assert stored is not None and token not in stored and len(stored) == 64


def test_cli_admin_token_prints_a_token_the_server_accepts(
    sqlite_url: str, clock: object, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["admin", "token", "--database", sqlite_url]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("signon-admin-")
    with harness_for(make_settings(sqlite_url), clock) as h:  # type: ignore[arg-type]
        response = h.client.get("/admin/api/users", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_admin_api_responses_are_not_cached(admin: Harness) -> None:
    assert call(admin, "GET", "/users").headers["cache-control"] == "no-store"


def test_openapi_document_lists_every_route_with_its_method(admin: Harness) -> None:
    doc = admin.client.get("/admin/api/openapi.json").json()
    assert doc["openapi"] == "3.1.0"
    listed = {
        (method.upper(), "/admin/api" + path.removeprefix("/admin/api"))
        for path, ops in doc["paths"].items()
        for method in ops
    }
    expected = {(m, p.replace("100000000000000000001", "{sub}")) for m, p in PATHS}
    expected = {
        (
            m,
            p.replace("/clients/x", "/clients/{client_id}").replace(
                "/grants/g", "/grants/{grant_id}"
            ),
        )
        for m, p in expected
    }
    assert listed == expected


def test_openapi_document_describes_bodies_and_bearer_auth(admin: Harness) -> None:
    doc = admin.client.get("/admin/api/openapi.json").json()
    new_user = doc["components"]["schemas"]["NewUser"]
    assert new_user["required"] == ["email"]
    assert new_user["additionalProperties"] is False
    assert doc["components"]["securitySchemes"]["adminToken"] == {
        "type": "http",
        "scheme": "bearer",
    }
    post = doc["paths"]["/admin/api/users"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NewUser"
    }
    assert set(post["responses"]) == {"201", "400", "401", "409"}


def test_openapi_document_lists_the_errors_docs_admin_api_md_lists(admin: Harness) -> None:
    """docs/admin-api.md: 403 for reset outside the emulator; 409 for a duplicate email or
    client ID and for an import into an instance with data."""
    paths = admin.client.get("/admin/api/openapi.json").json()["paths"]
    assert "403" in paths["/admin/api/reset"]["post"]["responses"]
    conflicts = [
        ("/admin/api/users", "post"),
        ("/admin/api/users/{sub}", "patch"),
        ("/admin/api/clients", "post"),
        ("/admin/api/import", "post"),
    ]
    for path, method in conflicts:
        assert "409" in paths[path][method]["responses"], (path, method)

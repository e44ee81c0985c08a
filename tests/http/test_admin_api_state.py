"""Admin API: grants, signing keys, reset, and the export -> reset -> import round trip."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from signon.keys.material import generate_private_key, self_signed_certificate
from tests.conftest import Harness, csrf_from
from tests.http.admin_helpers import admin_harness, call, emulator_admin_harness, invalid  # noqa: F401 - fixtures
from tests.http.flows import (
    auth_params,
    authorize,
    consent_through,
    exchange,
    redirect_of,
    refresh,
    signed_in,
)

ISSUER = "http://testserver"


def _consented(h: Harness) -> tuple[Any, dict[str, Any]]:
    """Ada signed in, a web client, and the token response of an offline code flow."""
    signed_in(h)
    client = h.web_client()
    params = auth_params(client, access_type="offline")
    code = redirect_of(consent_through(h, authorize(h, params))).params["code"]
    response = exchange(h, client, code)
    assert response.status_code == 200, response.text
    return client, response.json()


def test_admin_list_grants_shows_consents(admin: Harness) -> None:
    client, _ = _consented(admin)
    grants = call(admin, "GET", "/grants").json()
    assert len(grants) == 1
    assert grants[0]["client_id"] == client.client.client_id
    assert {
        "https://www.googleapis.com/auth/userinfo.email",
        "https://www.googleapis.com/auth/userinfo.profile",
        "openid",
    } <= set(grants[0]["scopes"])


def test_admin_list_grants_filters_by_user_and_client(admin: Harness) -> None:
    _consented(admin)
    sub = call(admin, "GET", "/grants").json()[0]["user_sub"]
    assert len(call(admin, "GET", "/grants", params={"user_sub": sub}).json()) == 1
    assert call(admin, "GET", "/grants", params={"user_sub": "1" * 21}).json() == []
    assert call(admin, "GET", "/grants", params={"client_id": "other"}).json() == []


def test_admin_revoke_grant_kills_its_refresh_token_at_once(admin: Harness) -> None:
    client, tokens = _consented(admin)
    grant_id = call(admin, "GET", "/grants").json()[0]["grant_id"]
    response = call(admin, "DELETE", f"/grants/{grant_id}")
    assert (response.status_code, response.content) == (204, b"")
    refused = refresh(admin, client, tokens["refresh_token"])
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
    assert call(admin, "GET", "/grants").json() == []


def test_admin_revoke_unknown_grant_is_404(admin: Harness) -> None:
    response = call(admin, "DELETE", "/grants/nope")
    assert (response.status_code, response.json()) == (
        404, {"error": "not_found", "error_description": "grant nope was not found"}
    )  # fmt: skip


def test_admin_list_keys_shows_the_active_key(admin: Harness) -> None:
    keys = call(admin, "GET", "/keys").json()
    assert [k["state"] for k in keys] == ["active"]
    jwks = admin.client.get("/oauth2/v3/certs").json()["keys"]
    assert [k["kid"] for k in jwks] == [keys[0]["kid"]]


def test_admin_rotate_keys_adds_a_pending_published_key(admin: Harness) -> None:
    response = call(admin, "POST", "/keys/rotate")
    assert response.status_code == 201
    new = response.json()
    assert new["state"] == "pending"
    assert new["activates_at"] == int(admin.clock()) + admin.ctx.keyring.pending_period
    assert [k["state"] for k in call(admin, "GET", "/keys").json()] == ["active", "pending"]
    jwks = admin.client.get("/oauth2/v3/certs").json()["keys"]
    assert new["kid"] in [k["kid"] for k in jwks]


def test_admin_reset_outside_emulator_is_403(admin: Harness) -> None:
    admin.user()
    response = call(admin, "POST", "/reset")
    assert (response.status_code, response.json()) == (403, {
        "error": "access_denied",
        "error_description": "reset deletes all data and is only available in emulator mode "
        "(signon serve --emulator)",
    })  # fmt: skip
    assert len(call(admin, "GET", "/users").json()) == 1


def test_admin_reset_in_emulator_deletes_data_and_keeps_working(emulator_admin: Harness) -> None:
    h = emulator_admin
    _consented(h)
    old_kid = call(h, "GET", "/keys").json()[0]["kid"]
    form = h.client.get("/signin/emulator/add")  # a page served before the reset
    assert call(h, "POST", "/reset").status_code == 204
    assert call(h, "GET", "/users").json() == []
    assert call(h, "GET", "/clients").json() == []
    assert call(h, "GET", "/grants").json() == []
    keys = call(h, "GET", "/keys").json()
    assert [k["state"] for k in keys] == ["active"] and keys[0]["kid"] != old_kid
    # The CSRF secret survives the reset: the form served before it still submits.
    fields = {"csrf_token": csrf_from(form.text), "email": "new@example.com", "continue": "/"}
    added = h.client.post("/signin/emulator/add", data=fields)
    assert added.status_code == 303


def test_admin_export_holds_hashes_and_keys_but_no_plain_secrets(admin: Harness) -> None:
    client, _ = _consented(admin)
    doc = call(admin, "GET", "/export").json()
    assert doc["format"] == "signon-export-v1"
    assert {len(doc[k]) for k in ("users", "projects", "clients", "signing_keys", "grants")} == {1}
    assert doc["users"][0]["password_hash"].startswith("$argon2id$")
    assert doc["clients"][0]["secret_hash"] != client.secret
    assert len(doc["clients"][0]["secret_hash"]) == 64
    assert doc["signing_keys"][0]["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    assert "tokens" not in doc and "sessions" not in doc


def test_admin_export_reset_import_round_trip_keeps_users_clients_and_keys(
    emulator_admin: Harness,
) -> None:
    h = emulator_admin
    client, tokens = _consented(h)
    doc = call(h, "GET", "/export").json()
    assert call(h, "POST", "/reset").status_code == 204
    imported = call(h, "POST", "/import", doc)
    assert (imported.status_code, imported.json()) == (200, {
        "users": 1, "projects": 1, "clients": 1, "signing_keys": 1, "grants": 1,
    })  # fmt: skip
    again = call(h, "GET", "/export").json()
    for name in ("users", "projects", "clients", "signing_keys"):
        assert again[name] == doc[name], name
    # The ID token signed before the round trip verifies against the JWKS served after it.
    header = jwt.get_unverified_header(tokens["id_token"])
    jwks = {k["kid"]: k for k in h.client.get("/oauth2/v3/certs").json()["keys"]}
    claims = jwt.decode(tokens["id_token"], key=jwt.PyJWK(jwks[header["kid"]]),
                        algorithms=["RS256"], audience=client.client.client_id, issuer=ISSUER,
                        options={"verify_exp": False, "verify_iat": False})  # fmt: skip
    assert claims["email"] == "ada@example.com"
    # The same people and clients work again: Ada signs in with her password, the client's
    # secret is accepted, and her consent is remembered (no consent page).
    assert h.sign_in().status_code == 303
    code = redirect_of(authorize(h, auth_params(client))).params["code"]
    assert exchange(h, client, code).status_code == 200


def test_admin_import_into_instance_with_data_is_409(admin: Harness) -> None:
    _consented(admin)
    doc = call(admin, "GET", "/export").json()
    response = call(admin, "POST", "/import", doc)
    assert (response.status_code, response.json()) == (409, {
        "error": "conflict",
        "error_description": "this instance already has data; reset it or use an empty database",
    })  # fmt: skip


@pytest.mark.parametrize(
    ("doc", "description"),
    [
        ({}, "format: expected 'signon-export-v1' (a document from /export)"),
        ({"format": "signon-export-v1", "users": {}}, "users: expected an array"),
        ({"format": "signon-export-v1", "users": [{"sub": "1"}]},
         "users[0].email: required field is missing"),
        ({"format": "signon-export-v1", "users": [{"sub": "1" * 21, "email": "a@b.co",
          "is_admin": "no"}]}, "users[0].is_admin: expected bool"),
        ({"format": "signon-export-v1", "users": [{"sub": "1" * 21, "email": "a@b.co",
          "x": 1}]}, "users[0].x: unknown field"),
        ({"format": "signon-export-v1", "clients": [{"client_id": "c", "project": "p",
          "name": "n", "type": "web"}]}, "clients[0].project: no project 'p' in projects"),
        ({"format": "signon-export-v1", "signing_keys": [{"kid": "k", "private_key": "junk"}]},
         "signing_keys[0].private_key: not a PEM private key (nor a sealed one)"),
        # The console's rules hold for imported records too.
        ({"format": "signon-export-v1", "projects": [{"name": "Bad Project!", "number": "1"}]},
         "projects[0].name: 'Bad Project!' is not a project name"),
        ({"format": "signon-export-v1", "projects": [{"name": "p\n", "number": "1"}]},
         "projects[0].name: 'p\\n' is not a project name"),
        ({"format": "signon-export-v1", "projects": [{"name": "p", "number": "1",
          "privacy_url": "javascript:alert(document.domain)"}]},
         "projects[0].privacy_url: Enter an absolute URL, e.g. https://example.com/privacy"),
        ({"format": "signon-export-v1", "projects": [{"name": "p", "number": "1"}],
          "clients": [{"client_id": "c", "project": "p", "name": "n", "type": "web",
                       "origins": ["*"]}]},
         "clients[0].origins: '*': wildcards are not allowed in JavaScript origins"),
        ({"format": "signon-export-v1", "projects": [{"name": "p", "number": "1"}],
          "clients": [{"client_id": "c", "project": "p", "name": "n", "type": "web",
                       "origins": ["https://Example.com:443"]}]},
         "clients[0].origins: 'https://Example.com:443': write it as 'https://example.com'"),
        ({"format": "signon-export-v1", "projects": [{"name": "p", "number": "1"}],
          "clients": [{"client_id": "c", "project": "p", "name": "n", "type": "web",
                       "redirect_uris": ["javascript:alert(1)"]}]},
         "clients[0].redirect_uris: 'javascript:alert(1)': a redirect URI must be an absolute "
         "http(s) URL"),
        ({"format": "signon-export-v1", "projects": [{"name": "p", "number": "1"}],
          "clients": [{"client_id": "evil client\n", "project": "p", "name": "n",
                       "type": "web"}]},
         "clients[0].client_id: client ID 'evil client\\n': use letters, digits, '.', '_', '~' "
         "and '-' (at most 255)"),
        # SQLite stores what PostgreSQL refuses (a NUL, a value longer than its column): such an
        # export must be refused naming the field, whichever database either instance runs on.
        ({"format": "signon-export-v1", "projects": [{"name": "p", "number": "1",
          "app_name": "App\x00"}]}, "projects[0].app_name: contains a NUL character"),
        ({"format": "signon-export-v1", "projects": [{"name": "p", "number": "1" * 21}]},
         "projects[0].number: has more than 20 characters"),
        ({"format": "signon-export-v1", "projects": [{"name": "p", "number": "12/4"}]},
         "projects[0].number: '12/4' is not 1 to 20 digits"),
        ({"format": "signon-export-v1", "projects": [{"name": "p", "number": "1"}],
          "clients": [{"client_id": "c", "project": "p", "name": "n\x00", "type": "web"}]},
         "clients[0].name: contains a NUL character"),
        ({"format": "signon-export-v1", "projects": [{"name": "p", "number": "1"}],
          "clients": [{"client_id": "c", "project": "p", "name": "n" * 256, "type": "web"}]},
         "clients[0].name: a client name has at most 255 characters"),
        ({"format": "signon-export-v1", "projects": [{"name": "p", "number": "1"}],
          "clients": [{"client_id": "c", "project": "p", "name": "n", "type": "web",
                       "secret_hash": "a" * 65}]},
         "clients[0].secret_hash: has more than 64 characters"),
        ({"format": "signon-export-v1", "projects": [{"name": "p", "number": "1"}],
          "clients": [{"client_id": "c", "project": "p", "name": "n", "type": "web",
                       "redirect_uris": ["https://example.com/\x00"]}]},
         "clients[0].redirect_uris: contains a NUL character"),
        ({"format": "signon-export-v1", "grants": [{"grant_id": "g", "user_sub": "1",
          "client_id": "c", "scopes": ["openid\x00"], "created_at": 0, "updated_at": 0}]},
         "grants[0].scopes: contains a NUL character"),
        ({"format": "signon-export-v1", "signing_keys": [{"kid": "k" * 65, "private_key": "x"}]},
         "signing_keys[0].kid: has more than 64 characters"),
        # Integers are times stored as signed 64-bit: a larger one was a 500 on SQLite.
        ({"format": "signon-export-v1", "projects": [{"name": "p", "number": "123456789012",
          "created_at": 2**64 - 1}]},
         f"projects[0].created_at: must be a whole number from 0 to {2**63 - 1}"),
        ({"format": "signon-export-v1", "projects": [{"name": "p", "number": "1",
          "created_at": -1}]},
         f"projects[0].created_at: must be a whole number from 0 to {2**63 - 1}"),
        ({"format": "signon-export-v1", "signing_keys": [{"kid": "k", "private_key": "x",
          "publish_until": 2**63}]},
         f"signing_keys[0].publish_until: must be a whole number from 0 to {2**63 - 1}"),
    ],
)  # fmt: skip
def test_admin_import_invalid_document_is_400_naming_the_field(
    emulator_admin: Harness, doc: dict[str, Any], description: str
) -> None:
    call(emulator_admin, "POST", "/reset")
    response = call(emulator_admin, "POST", "/import", doc)
    assert (response.status_code, response.json()) == (400, invalid(description))


def test_admin_import_keeps_the_largest_64_bit_time(emulator_admin: Harness) -> None:
    call(emulator_admin, "POST", "/reset")
    project = {"name": "p", "number": "123456789012", "created_at": 2**63 - 1}
    response = call(emulator_admin, "POST", "/import",
                    {"format": "signon-export-v1", "projects": [project]})  # fmt: skip
    assert response.status_code == 200, response.text
    assert call(emulator_admin, "GET", "/export").json()["projects"][0]["created_at"] == 2**63 - 1


def _exported_key(h: Harness) -> dict[str, Any]:
    """The instance's own signing key as /export writes it, after a reset (import-ready)."""
    key: dict[str, Any] = call(h, "GET", "/export").json()["signing_keys"][0]
    assert call(h, "POST", "/reset").status_code == 204
    return key


def _other_certificate(h: Harness) -> str:
    return self_signed_certificate(generate_private_key(), int(h.clock()), 3600)


@pytest.mark.parametrize(
    ("certificate", "description"),
    [
        (lambda h, pem: "garbage", "not a PEM certificate"),
        (lambda h, pem: "", "not a PEM certificate"),
        (lambda h, pem: pem + "garbage\n",
         "not exactly one PEM certificate (text around it, or several)"),
        (lambda h, pem: pem + _other_certificate(h),
         "not exactly one PEM certificate (text around it, or several)"),
        (lambda h, pem: _other_certificate(h),
         "the certificate's public key is not the private key's"),
    ],
    ids=["garbage", "empty", "text-after", "two-certificates", "another-keys"],
)  # fmt: skip
def test_admin_import_refuses_a_key_whose_certificate_is_not_its_own(
    emulator_admin: Harness, certificate: Any, description: str
) -> None:
    """/oauth2/v1/certs serves the stored certificate as it is: "garbage" was served."""
    h = emulator_admin
    key = _exported_key(h)
    key["certificate_pem"] = certificate(h, key["certificate_pem"])
    response = call(h, "POST", "/import", {"format": "signon-export-v1", "signing_keys": [key]})
    assert (response.status_code, response.json()) == (
        400, invalid(f"signing_keys[0].certificate_pem: {description}")
    )  # fmt: skip
    assert key["kid"] not in h.client.get("/oauth2/v1/certs").json()  # nothing was written


@pytest.mark.parametrize(
    "dates",
    [
        {"activates_at": "later"},  # pending: it would sign only from then on
        {"activates_at": 0, "publish_until": "now"},  # expired
    ],
    ids=["pending", "expired"],
)
def test_admin_import_refuses_keys_of_which_none_signs_now(
    emulator_admin: Harness, dates: dict[str, Any]
) -> None:
    """Such an import used to land, and every token request then answered 500."""
    h = emulator_admin
    key = _exported_key(h)
    now = int(h.clock())
    key.update({k: {"later": now + 3600, "now": now}.get(v, v) for k, v in dates.items()})
    response = call(h, "POST", "/import", {"format": "signon-export-v1", "signing_keys": [key]})
    assert (response.status_code, response.json()) == (400, invalid(
        "signing_keys: none is active now (activates_at passed, publish_until not yet): the "
        "instance could not sign"
    ))  # fmt: skip
    # Nothing was written: the instance still signs with the key the reset created.
    assert [k["state"] for k in call(h, "GET", "/keys").json()] == ["active"]


def test_admin_import_without_keys_keeps_the_instances_key(emulator_admin: Harness) -> None:
    h = emulator_admin
    client, _ = _consented(h)
    doc = call(h, "GET", "/export").json()
    assert call(h, "POST", "/reset").status_code == 204
    kid = call(h, "GET", "/keys").json()[0]["kid"]
    response = call(h, "POST", "/import", {**doc, "signing_keys": []})
    assert response.status_code == 200, response.text
    assert [(k["kid"], k["state"]) for k in call(h, "GET", "/keys").json()] == [(kid, "active")]
    assert h.sign_in().status_code == 303
    code = redirect_of(authorize(h, auth_params(client))).params["code"]
    assert exchange(h, client, code).status_code == 200

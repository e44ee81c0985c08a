"""FedCM identity-provider endpoints on the wire (spec 6): the well-known and config documents,
the accounts list, client metadata, the ID assertion and disconnect endpoints with their
header, CORS and origin rules, the login popup, and `Set-Login` at sign-in and sign-out."""

from __future__ import annotations

import dataclasses
import json
import struct
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet

from signon.protocol.gsi import GSI_SCOPES
from signon.protocol.ids import new_opaque_id
from signon.storage.records import User
from tests.conftest import ISSUER, Harness
from tests.http.flows import fast_harness  # noqa: F401 - the `harness` fixture for this module

ORIGIN = "http://localhost:5000"
FEDCM = {"Sec-Fetch-Dest": "webidentity"}
ASSERT = {**FEDCM, "Origin": ORIGIN}


def _error(code: str) -> dict[str, Any]:
    return {"error": {"error": code, "url": f"{ISSUER}/fedcm/error?error={code}"}}


def _grant(harness: Harness, user: User, client_id: str) -> None:
    harness.run(harness.ctx.store.save_grant, user.sub, client_id, GSI_SCOPES,
                int(harness.clock()), new_opaque_id())  # fmt: skip


def _cross_site_cookie_only(harness: Harness) -> None:
    """Keep only `signon_sid_x`, as in a cross-site FedCM fetch (the SameSite=Lax cookie stays
    home). The test client speaks http, so the Secure copy is put back into its jar by hand."""
    value = harness.client.cookies.get("signon_sid")
    assert value
    harness.client.cookies.clear()
    harness.client.cookies.set("signon_sid_x", value)


def _claims(harness: Harness, token: str) -> dict[str, Any]:
    keys = harness.client.get("/oauth2/v3/certs").json()
    decoded = jwt.decode(token, KeySet.import_key_set(keys))
    claims: dict[str, Any] = decoded.claims
    return claims


def _assertion(client_id: str, account_id: str, **extra: str) -> dict[str, str]:
    body = {
        "client_id": client_id,
        "account_id": account_id,
        "is_auto_selected": "false",
        "disclosure_text_shown": "true",
        "mode": "passive",
        "fields": "name,email,picture",
        "disclosure_shown_for": "name,email,picture",
    }
    body.update(extra)
    return body


# -- documents ------------------------------------------------------------------------------


def test_well_known_names_the_config_accounts_endpoint_and_login_url(harness: Harness) -> None:
    response = harness.client.get("/.well-known/web-identity", headers=FEDCM)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "provider_urls": [f"{ISSUER}/fedcm/config.json"],
        "accounts_endpoint": f"{ISSUER}/fedcm/accounts",
        "login_url": f"{ISSUER}/fedcm/login",
    }


def test_config_lists_every_endpoint_and_signon_branding(harness: Harness) -> None:
    response = harness.client.get("/fedcm/config.json", headers=FEDCM)
    assert response.status_code == 200
    assert response.json() == {
        "accounts_endpoint": f"{ISSUER}/fedcm/accounts",
        "client_metadata_endpoint": f"{ISSUER}/fedcm/client_metadata",
        "id_assertion_endpoint": f"{ISSUER}/fedcm/assertion",
        "disconnect_endpoint": f"{ISSUER}/fedcm/disconnect",
        "login_url": f"{ISSUER}/fedcm/login",
        "branding": {
            "background_color": "#1a73e8",
            "color": "#ffffff",
            "name": "signon",
            "icons": [{"url": f"{ISSUER}/fedcm/icon.png", "size": 64}],
        },
    }


def test_icon_is_a_square_png(harness: Harness) -> None:
    response = harness.client.get("/fedcm/icon.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", response.content[16:24])
    assert (width, height) == (64, 64)


# -- accounts -------------------------------------------------------------------------------


def test_accounts_without_a_session_is_401_and_logged_out(harness: Harness) -> None:
    response = harness.client.get("/fedcm/accounts", headers=FEDCM)
    assert response.status_code == 401
    assert response.headers["set-login"] == "logged-out"
    assert response.json() == {"error": "not_signed_in"}


def test_accounts_requires_sec_fetch_dest_webidentity(harness: Harness) -> None:
    harness.user()
    harness.sign_in()
    response = harness.client.get("/fedcm/accounts")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request"}
    other = harness.client.get("/fedcm/accounts", headers={"Sec-Fetch-Dest": "document"})
    assert other.status_code == 400


def test_accounts_lists_signed_in_accounts_with_approved_clients_and_hints(
    harness: Harness,
) -> None:
    ada = harness.user(name="Ada Lovelace", given_name="Ada", picture="https://p.test/ada.png")
    grace = harness.user("grace@corp.test", name="Grace Hopper", hd="corp.test")
    approved = harness.web_client().client.client_id
    other = harness.web_client(name="Other").client.client_id
    _grant(harness, ada, approved)
    harness.run(
        harness.ctx.store.save_grant,
        ada.sub,
        other,
        ("openid",),
        int(harness.clock()),
        new_opaque_id(),
    )  # not a GIS grant
    harness.sign_in()
    harness.sign_in("grace@corp.test")
    _cross_site_cookie_only(harness)  # all a cross-site FedCM fetch carries
    response = harness.client.get("/fedcm/accounts", headers=FEDCM)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "accounts": [
            {
                "id": ada.sub,
                "email": "ada@example.com",
                "name": "Ada Lovelace",
                "given_name": "Ada",
                "picture": "https://p.test/ada.png",
                "approved_clients": [approved],
                "login_hints": ["ada@example.com"],
                "domain_hints": [],
            },
            {
                "id": grace.sub,
                "email": "grace@corp.test",
                "name": "Grace Hopper",
                "given_name": "Grace Hopper",
                "approved_clients": [],
                "login_hints": ["grace@corp.test"],
                "domain_hints": ["corp.test"],
            },
        ]
    }


def test_revoked_grant_is_not_an_approved_client(harness: Harness) -> None:
    ada = harness.user()
    client_id = harness.web_client().client.client_id
    _grant(harness, ada, client_id)
    grant = harness.run(harness.ctx.store.find_grant, ada.sub, client_id)
    assert grant is not None
    harness.run(harness.ctx.store.revoke_grant, grant.grant_id, int(harness.clock()))
    harness.sign_in()
    body = harness.client.get("/fedcm/accounts", headers=FEDCM).json()
    assert body["accounts"][0]["approved_clients"] == []


# -- client metadata ------------------------------------------------------------------------


def test_client_metadata_comes_from_the_consent_screen(harness: Harness) -> None:
    client = harness.web_client().client
    store = harness.ctx.store
    project = harness.run(store.find_project, client.project)
    assert project is not None
    harness.run(store.update_project, dataclasses.replace(
        project, privacy_url="https://app.test/privacy", homepage_url="https://app.test/"
    ))  # fmt: skip
    response = harness.client.get(
        f"/fedcm/client_metadata?client_id={client.client_id}", headers=ASSERT
    )
    assert response.status_code == 200
    assert response.json() == {
        "privacy_policy_url": "https://app.test/privacy",
        "terms_of_service_url": "https://app.test/",
    }


def test_client_metadata_for_unknown_client_is_404(harness: Harness) -> None:
    response = harness.client.get("/fedcm/client_metadata?client_id=nope", headers=ASSERT)
    assert response.status_code == 404
    assert response.json() == {"error": "invalid_client"}


# -- ID assertion ---------------------------------------------------------------------------


def test_assertion_issues_a_credential_and_records_the_consent(harness: Harness) -> None:
    ada = harness.user(name="Ada Lovelace")
    client_id = harness.web_client().client.client_id
    harness.sign_in()
    _cross_site_cookie_only(harness)
    body = _assertion(client_id, ada.sub, params=json.dumps({"nonce": "n-42"}))
    response = harness.client.post("/fedcm/assertion", data=body, headers=ASSERT)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["cache-control"] == "no-store"
    assert list(response.json()) == ["token"]
    claims = _claims(harness, response.json()["token"])
    now = int(harness.clock())
    assert claims["iss"] == ISSUER
    assert claims["aud"] == claims["azp"] == client_id
    assert claims["sub"] == ada.sub
    assert claims["email"] == "ada@example.com"
    assert claims["name"] == "Ada Lovelace"
    assert claims["nonce"] == "n-42"
    assert claims["nbf"] == now - 300
    assert claims["exp"] == now + 3600
    grant = harness.run(harness.ctx.store.find_grant, ada.sub, client_id)
    assert grant is not None
    assert set(GSI_SCOPES) <= set(grant.scopes)
    accounts = harness.client.get("/fedcm/accounts", headers=FEDCM).json()["accounts"]
    assert accounts[0]["approved_clients"] == [client_id]


def test_assertion_accepts_the_legacy_nonce_field(harness: Harness) -> None:
    ada = harness.user()
    client_id = harness.web_client().client.client_id
    harness.sign_in()
    body = _assertion(client_id, ada.sub, nonce="old-style")
    response = harness.client.post("/fedcm/assertion", data=body, headers=ASSERT)
    assert _claims(harness, response.json()["token"])["nonce"] == "old-style"
    without = harness.client.post("/fedcm/assertion", data=_assertion(client_id, ada.sub),
                                  headers=ASSERT)  # fmt: skip
    assert "nonce" not in _claims(harness, without.json()["token"])


def test_assertion_rejects_params_that_are_not_a_json_object(harness: Harness) -> None:
    ada = harness.user()
    client_id = harness.web_client().client.client_id
    harness.sign_in()
    for params in ("not json", "[1]", '{"nonce": 5}', "[" * 5000 + "]" * 5000):
        body = _assertion(client_id, ada.sub, params=params)
        response = harness.client.post("/fedcm/assertion", data=body, headers=ASSERT)
        assert response.status_code == 400
        assert response.json() == _error("invalid_request")
        assert response.headers["access-control-allow-origin"] == ORIGIN


def test_assertion_requires_sec_fetch_dest_webidentity(harness: Harness) -> None:
    ada = harness.user()
    client_id = harness.web_client().client.client_id
    harness.sign_in()
    response = harness.client.post(
        "/fedcm/assertion", data=_assertion(client_id, ada.sub), headers={"Origin": ORIGIN}
    )
    assert response.status_code == 400
    assert response.json() == _error("invalid_request")
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert harness.run(harness.ctx.store.find_grant, ada.sub, client_id) is None


def test_assertion_from_an_unregistered_origin_is_unauthorized_client(harness: Harness) -> None:
    ada = harness.user()
    client_id = harness.web_client().client.client_id
    harness.sign_in()
    headers = {**FEDCM, "Origin": "http://localhost:6000"}
    response = harness.client.post(
        "/fedcm/assertion", data=_assertion(client_id, ada.sub), headers=headers
    )
    assert response.status_code == 403
    assert response.json() == _error("unauthorized_client")
    assert response.headers["access-control-allow-origin"] == "http://localhost:6000"
    assert response.headers["access-control-allow-credentials"] == "true"
    no_origin = harness.client.post(
        "/fedcm/assertion", data=_assertion(client_id, ada.sub), headers=FEDCM
    )
    assert no_origin.status_code == 403
    assert "access-control-allow-origin" not in no_origin.headers
    unknown = harness.client.post(
        "/fedcm/assertion", data=_assertion("123-nope", ada.sub), headers=ASSERT
    )
    assert unknown.status_code == 403
    assert unknown.json() == _error("unauthorized_client")


def test_assertion_for_an_account_not_signed_in_is_access_denied(harness: Harness) -> None:
    ada = harness.user()
    grace = harness.user("grace@example.com")
    client_id = harness.web_client().client.client_id
    no_session = harness.client.post(
        "/fedcm/assertion", data=_assertion(client_id, ada.sub), headers=ASSERT
    )
    assert no_session.status_code == 403
    assert no_session.json() == _error("access_denied")
    harness.sign_in()
    other = harness.client.post(
        "/fedcm/assertion", data=_assertion(client_id, grace.sub), headers=ASSERT
    )
    assert other.status_code == 403
    assert other.json() == _error("access_denied")


def test_assertion_without_consent_needs_the_disclosure(harness: Harness) -> None:
    ada = harness.user()
    client_id = harness.web_client().client.client_id
    harness.sign_in()
    silent = _assertion(client_id, ada.sub, disclosure_text_shown="false")
    response = harness.client.post("/fedcm/assertion", data=silent, headers=ASSERT)
    assert response.status_code == 403
    assert response.json() == _error("access_denied")
    auto = _assertion(client_id, ada.sub, is_auto_selected="true")
    assert harness.client.post("/fedcm/assertion", data=auto, headers=ASSERT).status_code == 403
    assert harness.run(harness.ctx.store.find_grant, ada.sub, client_id) is None
    # Once consented, auto re-authentication (no disclosure) issues a credential.
    _grant(harness, ada, client_id)
    again = harness.client.post("/fedcm/assertion", data=auto, headers=ASSERT)
    assert again.status_code == 200
    assert _claims(harness, again.json()["token"])["sub"] == ada.sub


def test_assertion_takes_only_forms(harness: Harness) -> None:
    ada = harness.user()
    client_id = harness.web_client().client.client_id
    harness.sign_in()
    response = harness.client.post(
        "/fedcm/assertion", json=_assertion(client_id, ada.sub), headers=ASSERT
    )
    assert response.status_code == 400
    assert response.json() == _error("invalid_request")


# -- disconnect -----------------------------------------------------------------------------


def test_disconnect_revokes_the_grant_for_that_client(harness: Harness) -> None:
    ada = harness.user()
    client_id = harness.web_client().client.client_id
    other = harness.web_client(name="Other").client.client_id
    _grant(harness, ada, client_id)
    _grant(harness, ada, other)
    harness.sign_in()
    body = {"client_id": client_id, "account_hint": "ADA@example.com"}
    response = harness.client.post("/fedcm/disconnect", data=body, headers=ASSERT)
    assert response.status_code == 200
    assert response.json() == {"account_id": ada.sub}
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert harness.run(harness.ctx.store.find_grant, ada.sub, client_id) is None
    assert harness.run(harness.ctx.store.find_grant, ada.sub, other) is not None
    again = harness.client.post("/fedcm/disconnect", data=body, headers=ASSERT)
    assert again.status_code == 400
    assert again.json() == _error("invalid_request")


def test_disconnect_checks_header_and_origin(harness: Harness) -> None:
    ada = harness.user()
    client_id = harness.web_client().client.client_id
    _grant(harness, ada, client_id)
    harness.sign_in()
    body = {"client_id": client_id, "account_hint": ada.sub}
    plain = harness.client.post("/fedcm/disconnect", data=body, headers={"Origin": ORIGIN})
    assert plain.status_code == 400
    foreign = {**FEDCM, "Origin": "http://evil.test"}
    refused = harness.client.post("/fedcm/disconnect", data=body, headers=foreign)
    assert refused.status_code == 403
    assert refused.json() == _error("unauthorized_client")
    assert harness.run(harness.ctx.store.find_grant, ada.sub, client_id) is not None


# -- login status and the login popup -------------------------------------------------------


def test_sign_in_and_sign_out_set_the_login_status(harness: Harness) -> None:
    harness.user()
    signed_in = harness.sign_in()
    assert signed_in.status_code == 303
    assert signed_in.headers["set-login"] == "logged-in"
    page = harness.client.get("/signout")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    out = harness.client.post("/signout", data={"csrf_token": token})
    assert out.status_code == 303
    assert out.headers["set-login"] == "logged-out"


def test_login_url_signs_in_then_closes_with_logged_in(harness: Harness) -> None:
    harness.user()
    first = harness.client.get("/fedcm/login?login_hint=ada%40example.com&domain_hint=x")
    assert first.status_code == 303
    assert first.headers["location"] == "/signin?continue=%2Ffedcm%2Flogin&Email=ada%40example.com"
    harness.sign_in()
    done = harness.client.get("/fedcm/login")
    assert done.status_code == 200
    assert done.headers["set-login"] == "logged-in"
    assert '<script src="/static/gsi/fedcm_login.js"></script>' in done.text


def test_error_page_explains_the_code(harness: Harness) -> None:
    page = harness.client.get("/fedcm/error?error=unauthorized_client")
    assert page.status_code == 200
    assert "Authorized JavaScript origin" in page.text
    assert harness.client.get("/fedcm/error?error=<b>").text.count("<b>") == 0

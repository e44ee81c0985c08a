"""Emulator mode: the test-account chooser, Add new account, login_hint, register on first use."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from signon.protocol.emulator import EMULATOR_PROJECT
from tests.conftest import FakeClock, Harness, csrf_from, harness_for, make_settings
from tests.http.flows import (
    EMAIL_SCOPE,
    auth_params,
    exchange,
    redirect_of,
    signed_in,
    verify_id_token,
)

AUTH = "/o/oauth2/v2/auth"
UNKNOWN_ID = "123456789012-unknownclientunknownclient123456.apps.googleusercontent.com"
APP_REDIRECT = "http://localhost:3000/callback"


@pytest.fixture(name="emu")
def emulator_harness(sqlite_url: str, clock: FakeClock) -> Iterator[Harness]:
    with harness_for(make_settings(sqlite_url, emulator=True, auto_consent=True), clock) as h:
        yield h


@pytest.fixture(name="registering")
def registering_harness(sqlite_url: str, clock: FakeClock) -> Iterator[Harness]:
    settings = make_settings(
        sqlite_url, emulator=True, auto_consent=True, register_on_first_use=True
    )
    with harness_for(settings, clock) as h:
        yield h


def add_account(h: Harness, continue_url: str = "/", **fields: str) -> Any:
    page = h.client.get("/signin/emulator/add", params={"continue": continue_url})
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.text), "continue": continue_url, **fields}
    return h.client.post("/signin/emulator/add", data=data)


def field_error(page: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="f-{name}-error">([^<]*)</p>', page)
    assert found is not None, f"no error shown for {name}"
    return html.unescape(found.group(1))


def test_emulator_signin_page_lists_every_test_account_without_password_field(
    emu: Harness,
) -> None:
    emu.user("ada@example.com", password=None, name="Ada")
    emu.user("bob@example.com", password=None)
    page = emu.client.get("/signin")
    assert page.status_code == 200
    assert 'name="password"' not in page.text
    assert "ada@example.com" in page.text and "bob@example.com" in page.text
    assert "Add new account" in page.text
    assert "signon emulator: test accounts only" in page.text


def test_emulator_choosing_an_account_signs_in_without_password(emu: Harness) -> None:
    user = emu.user("ada@example.com", password=None)
    page = emu.client.get("/signin", params={"continue": "/"})
    response = emu.client.post("/signin/emulator", data={
        "csrf_token": csrf_from(page.text), "continue": "/", "sub": user.sub})  # fmt: skip
    assert (response.status_code, response.headers["location"]) == (303, "/?authuser=0")
    assert "Signed in as <strong>ada@example.com</strong>" in emu.client.get("/").text


def test_emulator_choose_account_needs_csrf(emu: Harness) -> None:
    user = emu.user("ada@example.com", password=None)
    response = emu.client.post("/signin/emulator", data={"continue": "/", "sub": user.sub})
    assert response.status_code == 403


def test_emulator_add_account_creates_user_with_custom_claims_and_signs_in(
    emu: Harness,
) -> None:
    response = add_account(
        emu, email="Grace@Example.com", name="Grace", hd="example.com",
        email_verified="true", custom_claims='{"role": "admin", "tier": 3}',
    )  # fmt: skip
    assert response.status_code == 303
    user = emu.run(emu.ctx.store.find_user_by_email, "grace@example.com")
    assert user is not None
    assert (user.name, user.hd, user.email_verified, user.password_hash) == (
        "Grace", "example.com", True, None
    )  # fmt: skip
    assert user.custom_claims == {"role": "admin", "tier": 3}


def test_emulator_add_account_unchecked_email_verified_is_false(emu: Harness) -> None:
    add_account(emu, email="grace@example.com")
    user = emu.run(emu.ctx.store.find_user_by_email, "grace@example.com")
    assert user is not None and user.email_verified is False


@pytest.mark.parametrize(
    ("fields", "name", "message"),
    [
        ({"email": ""}, "email", "Enter an email address."),
        ({"email": "grace"}, "email", "'grace' is not an email address"),
        ({"email": "g@example.com", "picture": "file:///etc/passwd"}, "picture",
         "must be an http(s) URL"),
        ({"email": "g@example.com", "hd": "not a domain"}, "hd",
         "'not a domain' is not a domain name, e.g. example.com"),
        ({"email": "g@example.com", "custom_claims": "{role: admin}"}, "custom_claims",
         "not valid JSON: unexpected character, expected a string key (line 1, column 2)"),
        ({"email": "g@example.com", "custom_claims": "[" * 3000 + "]" * 3000}, "custom_claims",
         "not valid JSON: depth limit exceeded (line 1, column 1026)"),
        ({"email": "g@example.com", "custom_claims": "[1, 2]"}, "custom_claims",
         'must be a JSON object, e.g. {"role": "admin"}'),
        ({"email": "g@example.com", "custom_claims": '{"sub": "1", "aud": "x"}'},
         "custom_claims", "aud, sub cannot be set: the token or an account field sets it"),
    ],
)  # fmt: skip
def test_emulator_add_account_invalid_field_shows_error_next_to_it(
    emu: Harness, fields: dict[str, str], name: str, message: str
) -> None:
    response = add_account(emu, **fields)
    assert response.status_code == 400
    assert field_error(response.text, name) == message
    assert f'aria-describedby="f-{name}-error' in response.text
    assert emu.run(emu.ctx.store.list_users) == []


def test_emulator_add_account_keeps_what_was_typed(emu: Harness) -> None:
    response = add_account(emu, email="g@example.com", name="Grace", custom_claims="{oops")
    assert 'value="Grace"' in response.text
    assert "{oops</textarea>" in response.text


def test_emulator_add_account_with_existing_email_is_refused(emu: Harness) -> None:
    emu.user("grace@example.com", password=None)
    response = add_account(emu, email="grace@example.com")
    assert response.status_code == 400
    assert field_error(response.text, "email") == (
        "A user with email grace@example.com already exists."
    )


def test_emulator_pages_are_404_outside_emulator_mode(harness: Harness) -> None:
    assert harness.client.get("/signin/emulator/add").status_code == 404
    page = harness.client.get("/signin")
    assert 'name="password"' in page.text and "Add new account" not in page.text


def test_emulator_login_hint_signs_in_the_matching_account_without_a_click(emu: Harness) -> None:
    emu.user("ada@example.com", password=None)
    client = emu.web_client()
    first = emu.client.get(AUTH, params=auth_params(client, login_hint="ada@example.com"))
    assert first.status_code == 302 and first.headers["location"].startswith("/signin?")
    signin = emu.client.get(first.headers["location"])
    assert signin.status_code == 303
    back = emu.client.get(signin.headers["location"])
    assert "code" in redirect_of(back).params


def test_emulator_login_hint_by_sub_also_matches(emu: Harness) -> None:
    user = emu.user("ada@example.com", password=None)
    continue_url = AUTH + "?" + urlencode({"client_id": "x"})
    response = emu.client.get("/signin", params={"continue": continue_url, "email": user.sub})
    assert response.status_code == 303


def test_emulator_login_hint_without_match_shows_the_chooser(emu: Harness) -> None:
    emu.user("ada@example.com", password=None)
    page = emu.client.get("/signin", params={"email": "nobody@example.com"})
    assert page.status_code == 200 and "Add new account" in page.text


def test_emulator_custom_claims_appear_in_the_id_token(emu: Harness) -> None:
    client = emu.web_client()
    params = auth_params(client)
    add_account(emu, continue_url=AUTH + "?" + urlencode(params), email="grace@example.com",
                custom_claims='{"role": "admin", "groups": ["a", "b"]}')  # fmt: skip
    code = redirect_of(emu.client.get(AUTH, params=params)).params["code"]
    body = exchange(emu, client, code).json()
    claims = verify_id_token(emu, body["id_token"], client.client.client_id)
    assert (claims["email"], claims["role"], claims["groups"]) == (
        "grace@example.com", "admin", ["a", "b"]
    )  # fmt: skip


def test_emulator_chooser_offers_add_new_account(emu: Harness) -> None:
    emu.user("ada@example.com", password=None)
    emu.user("bob@example.com", password=None)
    client = emu.web_client()
    for email in ("ada@example.com", "bob@example.com"):
        user = emu.run(emu.ctx.store.find_user_by_email, email)
        page = emu.client.get("/signin")
        emu.client.post("/signin/emulator", data={
            "csrf_token": csrf_from(page.text), "continue": "/", "sub": user.sub})  # fmt: skip
    chooser = emu.client.get(AUTH, params=auth_params(client))
    assert chooser.status_code == 200
    assert "Add new account" in chooser.text and "Use another account" in chooser.text


# register on first use ---------------------------------------------------------------------


def unknown_client_params(**overrides: str) -> dict[str, str]:
    params = {"client_id": UNKNOWN_ID, "redirect_uri": APP_REDIRECT, "response_type": "code",
              "scope": "openid email", "state": "s"}  # fmt: skip
    params.update(overrides)
    return params


def test_unknown_client_is_refused_without_register_on_first_use(emu: Harness) -> None:
    page = emu.client.get(AUTH, params=unknown_client_params())
    assert page.status_code == 401
    assert "The OAuth client was not found." in page.text
    assert emu.run(emu.ctx.store.find_client, UNKNOWN_ID) is None


def test_register_on_first_use_is_ignored_outside_emulator_mode(
    sqlite_url: str, clock: FakeClock
) -> None:
    with harness_for(make_settings(sqlite_url, register_on_first_use=True), clock) as h:
        assert h.client.get(AUTH, params=unknown_client_params()).status_code == 401


def test_register_on_first_use_registers_client_with_its_redirect_uri(
    registering: Harness,
) -> None:
    registering.user("ada@example.com", password=None)
    response = registering.client.get(
        AUTH, params=unknown_client_params(login_hint="ada@example.com")
    )
    assert response.status_code == 302  # on to sign-in, not an error page
    client = registering.run(registering.ctx.store.find_client, UNKNOWN_ID)
    assert client is not None
    assert (client.type, client.project, client.redirect_uris, client.origins) == (
        "web", EMULATOR_PROJECT, (APP_REDIRECT,), ()
    )  # fmt: skip


def test_register_on_first_use_learns_a_new_origin_for_its_own_clients(
    registering: Harness,
) -> None:
    registering.client.get(AUTH, params=unknown_client_params())
    registering.client.get(AUTH, params=unknown_client_params(
        redirect_uri="postmessage", origin="http://localhost:3000"))  # fmt: skip
    client = registering.run(registering.ctx.store.find_client, UNKNOWN_ID)
    assert client is not None
    assert (client.redirect_uris, client.origins) == ((APP_REDIRECT,), ("http://localhost:3000",))


def test_register_on_first_use_learns_nothing_but_loopback(registering: Harness) -> None:
    """A page elsewhere must not teach a client its origin: the test accounts' browser would
    then hand that site their tokens (platform.js frame, GIS button, postmessage codes)."""
    registering.client.get(AUTH, params=unknown_client_params())
    for origin in ("https://evil.example", "https://app.example.com:8443"):
        registering.client.get(AUTH, params=unknown_client_params(
            redirect_uri="postmessage", origin=origin))  # fmt: skip
        registering.client.get("/gsi/status", params={"client_id": UNKNOWN_ID},
                               headers={"Origin": origin})  # fmt: skip
        frame = registering.client.get("/js/platform/frame", params={
            "client_id": UNKNOWN_ID, "origin": origin, "scope": "openid email"})  # fmt: skip
        assert origin not in frame.headers.get("content-security-policy", "")
    registering.client.get(AUTH, params=unknown_client_params(
        redirect_uri="https://evil.example/cb"))  # fmt: skip
    client = registering.run(registering.ctx.store.find_client, UNKNOWN_ID)
    assert client is not None
    assert (client.redirect_uris, client.origins) == ((APP_REDIRECT,), ())


def test_register_on_first_use_keeps_peoples_clients_strict(registering: Harness) -> None:
    client = registering.web_client()
    page = registering.client.get(
        AUTH, params=auth_params(client, redirect_uri="http://localhost:9999/other")
    )
    assert page.status_code == 400 and "redirect_uri_mismatch" in page.text
    stored = registering.run(registering.ctx.store.find_client, client.client.client_id)
    assert stored is not None and stored.redirect_uris == client.client.redirect_uris


def test_register_on_first_use_does_not_register_an_insecure_redirect(
    registering: Harness,
) -> None:
    page = registering.client.get(
        AUTH, params=unknown_client_params(redirect_uri="http://evil.example/cb")
    )
    assert page.status_code == 400 and "redirect_uri_mismatch" in page.text


def test_register_on_first_use_registers_a_gsi_page_origin(registering: Harness) -> None:
    # google.accounts.id asks /gsi/status first; the page's Origin header is what gets registered.
    status = registering.client.get(
        "/gsi/status", params={"client_id": UNKNOWN_ID}, headers={"Origin": "http://localhost:3000"}
    )
    assert status.json() == {"client": True, "origin": True}
    client = registering.run(registering.ctx.store.find_client, UNKNOWN_ID)
    assert client is not None and client.origins == ("http://localhost:3000",)


def test_gsi_status_does_not_register_without_register_on_first_use(emu: Harness) -> None:
    status = emu.client.get(
        "/gsi/status", params={"client_id": UNKNOWN_ID}, headers={"Origin": "http://localhost:3000"}
    )
    assert status.json() == {"client": False, "origin": False}
    assert emu.run(emu.ctx.store.find_client, UNKNOWN_ID) is None


def _code_for_unknown_client(h: Harness) -> str:
    """Walk the emulator flow (login_hint signs in, auto-consent) to the app's redirect."""
    response = h.client.get(AUTH, params=unknown_client_params(login_hint="ada@example.com"))
    for _ in range(6):
        location = response.headers["location"]
        if location.startswith(APP_REDIRECT):
            return parse_qs(urlsplit(location).query)["code"][0]
        response = h.client.get(location)
    raise AssertionError("no redirect to the app")


def _exchange(h: Harness, code: str, secret: str) -> Any:
    return h.client.post("/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": APP_REDIRECT,
        "client_id": UNKNOWN_ID, "client_secret": secret})  # fmt: skip


def test_register_on_first_use_client_adopts_its_servers_secret(registering: Harness) -> None:
    registering.user("ada@example.com", password=None)
    first = _exchange(registering, _code_for_unknown_client(registering), "GOCSPX-apps-own-secret")
    assert first.status_code == 200 and first.json()["id_token"]
    other = _exchange(registering, _code_for_unknown_client(registering), "GOCSPX-someone-else")
    assert other.status_code == 401
    assert other.json() == {"error": "invalid_client", "error_description": "Unauthorized"}
    again = _exchange(registering, _code_for_unknown_client(registering), "GOCSPX-apps-own-secret")
    assert again.status_code == 200


def test_a_failed_token_request_does_not_claim_a_first_use_client(registering: Harness) -> None:
    """Any page can POST to /token: a made-up code with the attacker's secret must not become
    the client's secret (the app's real exchange would then be refused)."""
    registering.user("ada@example.com", password=None)
    code = _code_for_unknown_client(registering)
    junk = _exchange(registering, "4/0Amade-up", "attacker-secret")
    assert junk.status_code == 400 and junk.json()["error"] == "invalid_grant"
    client = registering.run(registering.ctx.store.find_client, UNKNOWN_ID)
    assert client is not None and client.secret_hash == "unadopted"
    assert _exchange(registering, code, "GOCSPX-apps-own-secret").status_code == 200
    stolen = _exchange(registering, _code_for_unknown_client(registering), "attacker-secret")
    assert stolen.status_code == 401


def test_secret_adoption_is_compare_and_set(registering: Harness) -> None:
    from signon.protocol.emulator import adopt_secret
    from signon.protocol.ids import hash_secret

    registering.client.get(AUTH, params=unknown_client_params())
    store = registering.ctx.store
    client = registering.run(store.find_client, UNKNOWN_ID)
    assert client is not None and client.secret_hash == "unadopted"
    assert registering.run(adopt_secret, store, client, "first-secret") is True
    # A second request that read the client before the first adopted loses the race.
    assert registering.run(adopt_secret, store, client, "second-secret") is False
    stored = registering.run(store.find_client, UNKNOWN_ID)
    assert stored is not None and stored.secret_hash == hash_secret("first-secret")


def test_peoples_clients_never_adopt_a_secret(registering: Harness) -> None:
    client = registering.web_client()
    response = registering.client.post("/token", data={
        "grant_type": "authorization_code", "code": "4/0Anything",
        "redirect_uri": "http://localhost:5000/callback", "client_id": client.client.client_id,
        "client_secret": "GOCSPX-guess"})  # fmt: skip
    assert response.status_code == 401


def test_emulator_grants_google_api_scopes_by_name(emu: Harness) -> None:
    """Seed 001's server sample asks for drive.appdata: in the emulator the app's sign-in works
    (the token names the scope; no Google API accepts it, which the consent page says)."""
    drive = "https://www.googleapis.com/auth/drive.appdata"
    client = emu.web_client()
    params = auth_params(client, scope=f"openid email {drive}", access_type="offline")
    add_account(emu, continue_url=AUTH + "?" + urlencode(params), email="grace@example.com")
    code = redirect_of(emu.client.get(AUTH, params=params)).params["code"]
    body = exchange(emu, client, code).json()
    assert drive in body["scope"].split()
    info = emu.client.get("/oauth2/v3/tokeninfo", params={"access_token": body["access_token"]})
    assert drive in info.json()["scope"].split()
    refreshed = emu.client.post("/token", data={
        "grant_type": "refresh_token", "refresh_token": body["refresh_token"], "scope": drive,
        "client_id": client.client.client_id, "client_secret": client.secret})  # fmt: skip
    assert refreshed.json()["scope"] == drive


def test_outside_the_emulator_google_api_scopes_stay_invalid(harness: Harness) -> None:
    client = harness.web_client()
    scope = "openid https://www.googleapis.com/auth/drive.appdata"
    response = harness.client.get(AUTH, params=auth_params(client, scope=scope))
    assert redirect_of(response).params["error"] == "invalid_scope"


def test_api_scopes_in_a_grant_are_not_issued_outside_the_emulator(harness: Harness) -> None:
    """A grant can hold an API scope from the emulator (the same database used with and
    without --emulator, or an import); include_granted_scopes must not issue it outside."""
    drive = "https://www.googleapis.com/auth/drive.appdata"
    user = signed_in(harness)
    client = harness.web_client()
    granted = ["openid", EMAIL_SCOPE, drive]
    harness.run(harness.ctx.store.save_grant, user.sub, client.client.client_id, granted,
                int(harness.clock()), "grant-from-the-emulator")  # fmt: skip
    params = auth_params(client, scope="email", include_granted_scopes="true")
    code = redirect_of(harness.client.get(AUTH, params=params)).params["code"]
    body = exchange(harness, client, code).json()
    assert body["scope"].split() == [EMAIL_SCOPE, "openid"]

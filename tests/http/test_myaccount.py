"""The account page: profile, password, third-party apps with access, devices."""

from __future__ import annotations

import html
import re
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import ISSUER, Harness, csrf_from
from tests.http.flows import (
    auth_params,
    authorize,
    consent_through,
    exchange,
    redirect_of,
    refresh,
    signed_in,
)

PASSWORD = "correct horse"


def form_fields(page: str) -> dict[str, str]:
    """The hidden fields every form of the account page carries (authuser, account)."""
    return dict(
        re.findall(r'<input type="hidden" name="(authuser|account)" value="([^"]*)">', page)
    )


def post(h: Harness, action: str, client: TestClient | None = None, **fields: str) -> Any:
    browser = client or h.client
    page = browser.get("/myaccount")
    assert page.status_code == 200, page.text[:200]
    return browser.post(action, data={"csrf_token": csrf_from(page.text),
                                      **form_fields(page.text), **fields})  # fmt: skip


def field_error(page: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="f-{name}-error">([^<]*)</p>', page)
    assert found is not None, f"no error shown for {name}"
    return html.unescape(found.group(1))


def other_browser(h: Harness, email: str = "ada@example.com") -> TestClient:
    """A second browser, signed in to the same account."""
    browser = TestClient(h.client.app, base_url=ISSUER, follow_redirects=False)
    page = browser.get("/signin")
    browser.post("/signin", data={"email": email, "password": PASSWORD, "continue": "/",
                                  "csrf_token": csrf_from(page.text)})  # fmt: skip
    assert browser.get("/myaccount").status_code == 200
    return browser


def offline_tokens(h: Harness) -> tuple[Any, dict[str, Any]]:
    client = h.web_client(name="Photo Frame")
    params = auth_params(client, access_type="offline")
    code = redirect_of(consent_through(h, authorize(h, params))).params["code"]
    return client, exchange(h, client, code).json()


def test_myaccount_sends_signed_out_people_to_sign_in(harness: Harness) -> None:
    response = harness.client.get("/myaccount")
    assert (response.status_code, response.headers["location"]) == (
        303, "/signin?continue=%2Fmyaccount"
    )  # fmt: skip


def test_myaccount_shows_the_signed_in_account(harness: Harness) -> None:
    signed_in(harness, name="Ada Lovelace")
    page = harness.client.get("/myaccount")
    assert page.status_code == 200
    assert "Welcome, Ada Lovelace" in page.text and "ada@example.com" in page.text


def test_myaccount_authuser_picks_the_account(harness: Harness) -> None:
    signed_in(harness)
    signed_in(harness, "bob@example.com")
    assert "Welcome, bob@example.com" in harness.client.get("/myaccount?authuser=1").text


def test_myaccount_profile_is_saved(harness: Harness) -> None:
    user = signed_in(harness)
    response = post(harness, "/myaccount/profile", name="Ada L.",
                    picture="https://example.com/ada.png", locale="en-GB")  # fmt: skip
    assert (response.status_code, response.headers["location"]) == (
        303, "/myaccount?authuser=0&done=profile"
    )  # fmt: skip
    stored = harness.run(harness.ctx.store.find_user, user.sub)
    assert stored is not None
    assert (stored.name, stored.picture, stored.locale) == (
        "Ada L.", "https://example.com/ada.png", "en-GB"
    )  # fmt: skip


def test_myaccount_invalid_picture_is_shown_next_to_the_field(harness: Harness) -> None:
    signed_in(harness)
    response = post(harness, "/myaccount/profile", name="Ada", picture="javascript:alert(1)")
    assert response.status_code == 400
    assert field_error(response.text, "picture") == "must be an http(s) URL"


def test_myaccount_forms_need_csrf(harness: Harness) -> None:
    signed_in(harness)
    response = harness.client.post("/myaccount/profile", data={"name": "Mallory"})
    assert response.status_code == 403


def test_myaccount_password_change_needs_the_current_password(harness: Harness) -> None:
    signed_in(harness)
    response = post(harness, "/myaccount/password", current_password="wrong password",
                    password="new password 1", password_again="new password 1")  # fmt: skip
    assert response.status_code == 400
    assert field_error(response.text, "current_password") == "Wrong password. Try again."


def test_myaccount_password_change_refuses_mismatch_and_short(harness: Harness) -> None:
    signed_in(harness)
    mismatch = post(harness, "/myaccount/password", current_password=PASSWORD,
                    password="new password 1", password_again="new password 2")  # fmt: skip
    assert field_error(mismatch.text, "password_again") == "The passwords do not match."
    short = post(harness, "/myaccount/password", current_password=PASSWORD,
                 password="short", password_again="short")  # fmt: skip
    assert field_error(short.text, "password") == ("the password must have at least 8 characters")


def test_myaccount_password_change_ends_other_sessions_only(harness: Harness) -> None:
    signed_in(harness)
    phone = other_browser(harness)
    response = post(harness, "/myaccount/password", current_password=PASSWORD,
                    password="new password 1", password_again="new password 1")  # fmt: skip
    assert response.headers["location"] == "/myaccount?authuser=0&done=password"
    assert harness.client.get("/myaccount").status_code == 200
    assert phone.get("/myaccount").status_code == 303
    assert harness.sign_in(password="new password 1").status_code == 303


def test_myaccount_lists_apps_with_what_they_can_see_and_since_when(harness: Harness) -> None:
    signed_in(harness)
    offline_tokens(harness)
    page = harness.client.get("/myaccount").text
    assert "<h3>Photo Frame</h3>" in page
    assert "Has access since 21 Sep 2026" in page
    assert "<li>See your primary email address</li>" in page
    assert 'aria-label="Remove access for Photo Frame"' in page


def test_myaccount_remove_access_kills_refresh_token_at_once(harness: Harness) -> None:
    signed_in(harness)
    client, tokens = offline_tokens(harness)
    assert refresh(harness, client, tokens["refresh_token"]).status_code == 200
    grant = harness.run(harness.ctx.store.list_grants)[0]
    response = post(harness, f"/myaccount/apps/{grant.grant_id}/remove")
    assert response.headers["location"] == "/myaccount?authuser=0&done=removed"
    refused = refresh(harness, client, tokens["refresh_token"])
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
    assert "No apps have access to your account." in harness.client.get("/myaccount").text


def test_myaccount_cannot_remove_another_users_grant(harness: Harness) -> None:
    signed_in(harness)
    offline_tokens(harness)
    grant = harness.run(harness.ctx.store.list_grants)[0]
    harness.client.cookies.clear()
    signed_in(harness, "mallory@example.com")
    post(harness, f"/myaccount/apps/{grant.grant_id}/remove")
    assert harness.run(harness.ctx.store.list_grants) == [grant]


def test_myaccount_lists_devices_and_signs_out_another_one(harness: Harness) -> None:
    user = signed_in(harness)
    phone = other_browser(harness)
    page = harness.client.get("/myaccount").text
    assert page.count('action="/myaccount/devices/signout"') == 2
    assert "This device" in page
    sessions = harness.run(harness.ctx.store.list_user_sessions, user.sub, int(harness.clock()))
    mine = harness.run(harness.ctx.sessions.load, harness.client.cookies.get("signon_sid"))
    other = next(s for s in sessions if s.id_hash != mine.id_hash)
    response = post(harness, "/myaccount/devices/signout", session=other.id_hash)
    assert response.headers["location"] == "/myaccount?authuser=0&done=signedout"
    assert phone.get("/myaccount").status_code == 303
    assert harness.client.get("/myaccount").status_code == 200


def test_myaccount_sign_out_this_device(harness: Harness) -> None:
    signed_in(harness)
    mine = harness.run(harness.ctx.sessions.load, harness.client.cookies.get("signon_sid"))
    response = post(harness, "/myaccount/devices/signout", session=mine.id_hash)
    assert response.headers["location"] == "/signedout"
    assert harness.client.get("/myaccount").status_code == 303


def test_myaccount_form_applies_to_the_account_it_was_shown_for(harness: Harness) -> None:
    """Ada, Bob and Carol are signed in; Bob's page is open; Ada signs out in another tab, so
    Bob is now authuser 0 and Carol 1. Bob's form must still change Bob, and only Bob."""
    ada = signed_in(harness)
    bob = signed_in(harness, "bob@example.com")
    carol = signed_in(harness, "carol@example.com")
    page = harness.client.get("/myaccount?authuser=1").text
    assert "Welcome, bob@example.com" in page
    fields = {"csrf_token": csrf_from(page), **form_fields(page)}
    assert fields["account"] == bob.sub
    signout = harness.client.get("/signout").text
    harness.client.post("/signout", data={"csrf_token": csrf_from(signout), "authuser": "0",
                                          "account": ada.sub})  # fmt: skip
    response = harness.client.post("/myaccount/profile", data={**fields, "name": "Bob B."})
    assert response.status_code == 303
    store = harness.ctx.store
    assert harness.run(store.find_user, bob.sub).name == "Bob B."  # type: ignore[union-attr]
    assert harness.run(store.find_user, carol.sub).name != "Bob B."  # type: ignore[union-attr]


def test_myaccount_form_for_an_account_no_longer_signed_in_changes_nothing(
    harness: Harness,
) -> None:
    signed_in(harness)
    bob = signed_in(harness, "bob@example.com")
    page = harness.client.get("/myaccount?authuser=1").text
    fields = {"csrf_token": csrf_from(page), **form_fields(page)}
    signout = harness.client.get("/signout").text
    harness.client.post("/signout", data={"csrf_token": csrf_from(signout), "authuser": "1"})
    new_password = {"password": "new password 1", "password_again": "new password 1"}
    for action, extra in (("/myaccount/profile", {"name": "Mallory"}),
                          ("/myaccount/password", new_password)):  # fmt: skip
        response = harness.client.post(action, data={**fields, **extra})
        assert (response.status_code, response.headers["location"]) == (
            303, "/myaccount?done=account_gone"
        )  # fmt: skip
    assert harness.run(harness.ctx.store.find_user, bob.sub).name != "Mallory"  # type: ignore[union-attr]
    notice = harness.client.get("/myaccount?done=account_gone").text
    assert "that account is no longer signed in on this browser" in notice

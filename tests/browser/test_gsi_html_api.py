"""The HTML API (spec 4.2): #g_id_onload, .g_id_signin, .g_id_signout, login_uri without a
callback, data-skip_prompt_cookie; and google.accounts.id.revoke."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from signon.protocol.clients import NewClient
from signon.protocol.gsi import GSI_SCOPES
from signon.protocol.ids import new_opaque_id
from signon.storage.records import User
from tests.browser.gsi_rp import RelyingParty
from tests.browser.gsi_support import (  # noqa: F401 - fixtures are found by name
    client_fixture,
    gsi_context_fixture,
    moments,
    page_fixture,
    received,
    rp_fixture,
    sign_in,
    signon_fixture,
    user_fixture,
    verify,
)
from tests.livesrv import LiveServer

pytestmark = pytest.mark.browser


def test_html_api_renders_the_button_and_prompts(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    sign_in(page, signon.url, user)
    page.goto(rp.url("html_api.html"))
    button = page.frame_locator(".g_id_signin iframe").get_by_role("button")
    expect(button).to_have_accessible_name(f"Weiter als Ada, {user.email}")
    prompt = page.frame_locator("#credential_picker_iframe")
    expect(prompt.get_by_role("heading")).to_have_text("Sign up to localhost with signon")
    assert moments(page, 1) == [["display", None, True]]
    prompt.get_by_role("button", name="Continue as Ada").click()
    [response] = received(page)
    assert response["select_by"] == "user_1tap"
    verify(response["credential"], signon, client.client.client_id, nonce="html-api-nonce")
    with page.context.expect_page():
        button.click()
    second = received(page, 2)[1]
    assert second["select_by"] == "btn" and second["state"] == "html button"
    assert page.evaluate("window.clicked") == {"state": "html button"}
    page.get_by_role("link", name="Sign out").click()
    assert page.evaluate("document.cookie").count("g_state") == 1


def test_skip_prompt_cookie_skips_one_tap(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    sign_in(page, signon.url, user)
    page.context.add_cookies([{"name": "app_session", "value": "1", "url": rp.origin + "/"}])
    page.goto(rp.url("html_api.html"))
    expect(page.frame_locator(".g_id_signin iframe").get_by_role("button")).to_be_visible()
    expect(page.locator("#credential_picker_container")).to_have_count(0)
    assert page.evaluate("window.moments") is None


def test_html_api_posts_one_tap_credential_to_login_uri(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    sign_in(page, signon.url, user)
    page.goto(rp.url("html_login_uri.html"))
    page.frame_locator("#credential_picker_iframe").get_by_role(
        "button", name="Continue as Ada"
    ).click()
    expect(page.get_by_role("heading")).to_have_text("Signed in (user_1tap)")
    post = rp.posts[-1]
    assert post["cookie"] == post["fields"]["g_csrf_token"]
    verify(post["fields"]["credential"], signon, client.client.client_id)


def test_revoke_removes_the_grant(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    signon.run(signon.ctx.store.save_grant, user.sub, client.client.client_id, GSI_SCOPES,
               int(time.time()), new_opaque_id())  # fmt: skip
    page.goto(rp.url("onetap.html"))
    moments(page, 1)
    revoke = "hint => new Promise(done => google.accounts.id.revoke(hint, done))"
    assert page.evaluate(revoke, user.sub) == {"successful": False, "error": "no_session"}
    assert signon.run(signon.ctx.store.find_grant, user.sub, client.client.client_id)
    sign_in(page, signon.url, user)
    page.goto(rp.url("onetap.html"))
    moments(page, 1)
    assert page.evaluate(revoke, user.sub) == {"successful": True}
    assert signon.run(signon.ctx.store.find_grant, user.sub, client.client.client_id) is None
    again = page.evaluate(revoke, user.email)
    assert again["successful"] is False and again["error"]

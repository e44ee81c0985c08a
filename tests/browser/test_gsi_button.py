"""The rendered button: popup flow end to end, redirect mode with the CSRF double submit."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import FrameLocator, Page, expect

from signon.protocol.clients import NewClient
from signon.protocol.gsi import GSI_SCOPES
from signon.protocol.ids import new_opaque_id
from signon.storage.records import User
from tests.browser.conftest import screenshot
from tests.browser.gsi_rp import RelyingParty
from tests.browser.gsi_support import (  # noqa: F401 - fixtures are found by name
    client_fixture,
    fill_sign_in,
    gsi_context_fixture,
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


def grant(signon: LiveServer, user: User, client: NewClient) -> None:
    signon.run(signon.ctx.store.save_grant, user.sub, client.client.client_id, GSI_SCOPES,
               int(time.time()), new_opaque_id())  # fmt: skip


def button_frame(page: Page) -> FrameLocator:
    return page.frame_locator("#buttonDiv iframe")


def test_button_popup_signs_in_a_new_session_and_returns_a_credential(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    page.goto(rp.url("button.html"))
    button = button_frame(page).get_by_role("button", name="Sign in with signon")
    with page.context.expect_page() as popup_info:
        button.click()
    popup = popup_info.value
    fill_sign_in(popup, user)
    expect(popup.get_by_role("button", name="Confirm")).to_be_visible()
    share = "will share your name, email address and profile picture"
    expect(popup.get_by_text(share)).to_be_visible()
    popup.get_by_role("button", name="Confirm").click()
    [response] = received(page)
    assert response["select_by"] == "btn_confirm_add_session"
    assert response["state"] == "button 1"
    assert response["client_id"] == response["clientId"] == client.client.client_id
    claims = verify(response["credential"], signon, client.client.client_id, nonce="biaqbm70g23")
    assert claims["email"] == user.email and claims["sub"] == user.sub
    assert claims["name"] == "Ada Lovelace"
    assert page.evaluate("window.clicks") == 1


def test_personalised_button_returns_a_credential_for_a_returning_user(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    sign_in(page, signon.url, user)
    grant(signon, user, client)
    page.goto(rp.url("button.html"))
    button = button_frame(page).get_by_role("button", name=f"Continue as Ada, {user.email}")
    expect(button).to_be_visible()
    screenshot(page.locator("#buttonDiv"), "gsi-button-personalised")
    with page.context.expect_page():
        button.click()
    [response] = received(page)
    assert response["select_by"] == "btn"
    verify(response["credential"], signon, client.client.client_id, nonce="biaqbm70g23")


def test_button_asks_a_signed_in_user_to_confirm_on_first_use(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    sign_in(page, signon.url, user)
    page.goto(rp.url("button.html"))
    with page.context.expect_page() as popup_info:
        button_frame(page).get_by_role("button", name="Continue as Ada").click()
    popup = popup_info.value
    popup.get_by_role("button", name="Confirm").click()
    [response] = received(page)
    assert response["select_by"] == "btn_confirm"
    grant_after = signon.run(signon.ctx.store.find_grant, user.sub, client.client.client_id)
    assert grant_after is not None


def test_redirect_mode_posts_the_credential_with_the_csrf_double_submit(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    page.goto(rp.url("redirect.html"))
    button_frame(page).get_by_role("button", name="Continue with signon").click()
    page.wait_for_url(signon.url + "/signin**")
    fill_sign_in(page, user)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading")).to_have_text("Signed in (btn_confirm_add_session)")
    post = rp.posts[-1]
    fields = post["fields"]
    assert post["cookie"] and post["cookie"] == fields["g_csrf_token"]
    assert fields["client_id"] == fields["clientId"] == client.client.client_id
    assert fields["select_by"] == "btn_confirm_add_session"
    claims = verify(fields["credential"], signon, client.client.client_id)
    assert claims["email"] == user.email

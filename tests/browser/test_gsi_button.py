"""The rendered button: popup flow end to end, redirect mode with the CSRF double submit."""

from __future__ import annotations

import pytest
from playwright.sync_api import FrameLocator, Page, expect

from signon.protocol.clients import NewClient
from signon.storage.records import User
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

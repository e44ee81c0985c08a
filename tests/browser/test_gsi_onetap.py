"""One Tap: the prompt, auto-select, the cooldown after closing, cancel, and every moment
reason that can be produced on one machine."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import unquote

import pytest
from playwright.sync_api import BrowserContext, FrameLocator, Page, expect

from signon.protocol.clients import NewClient
from signon.protocol.gsi import GSI_SCOPES
from signon.protocol.ids import new_opaque_id
from signon.storage.records import User
from tests.browser.conftest import screenshot
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
HOUR = 3600
DISPLAYED = ["display", None, True]
RETURNED = ["dismissed", "credential_returned", False]


def prompt_frame(page: Page) -> FrameLocator:
    return page.frame_locator("#credential_picker_iframe")


def grant(signon: LiveServer, user: User, client: NewClient) -> None:
    signon.run(signon.ctx.store.save_grant, user.sub, client.client.client_id, GSI_SCOPES,
               int(time.time()), new_opaque_id())  # fmt: skip


def g_state(context: BrowserContext) -> dict[str, Any]:
    for cookie in context.cookies():
        if cookie["name"] == "g_state" and cookie["value"]:
            value: dict[str, Any] = json.loads(unquote(cookie["value"]))
            return value
    return {}


def set_g_state(context: BrowserContext, rp: RelyingParty, state: dict[str, Any]) -> None:
    context.add_cookies([{"name": "g_state", "value": json.dumps(state).replace(" ", ""),
                          "url": rp.origin + "/"}])  # fmt: skip


def test_one_tap_continue_as_returns_a_credential_on_first_use(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    sign_in(page, signon.url, user)
    page.goto(rp.url("onetap.html"))
    frame = prompt_frame(page)
    expect(frame.get_by_role("heading")).to_have_text("Sign in to localhost with signon")
    expect(frame.get_by_text("will share your name, email address and profile picture with "
                             "Photo Frame")).to_be_visible()  # fmt: skip
    expect(frame.get_by_text(user.email)).to_be_visible()
    box = page.locator("#credential_picker_iframe").bounding_box()
    assert box is not None and box["x"] + box["width"] > 950 and box["y"] < 40  # top right
    screenshot(page, "gsi-onetap")
    frame.get_by_role("button", name="Continue as Ada").click()
    [response] = received(page)
    assert response["select_by"] == "user_1tap"
    claims = verify(response["credential"], signon, client.client.client_id, nonce="n-0S6_WzA2Mj")
    assert claims["email"] == user.email
    assert moments(page, 2) == [
        ["display", None, True],
        ["dismissed", "credential_returned", False],
    ]
    expect(page.locator("#credential_picker_container")).to_have_count(0)


def test_one_tap_for_a_returning_user_says_user(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    sign_in(page, signon.url, user)
    grant(signon, user, client)
    page.goto(rp.url("onetap.html"))
    frame = prompt_frame(page)
    expect(frame.get_by_role("button", name="Continue as Ada")).to_be_visible()
    expect(frame.get_by_text("will share your name")).to_have_count(0)
    frame.get_by_role("button", name="Continue as Ada").click()
    assert received(page)[0]["select_by"] == "user"


def test_auto_select_signs_a_returning_user_in_until_disable_auto_select(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    sign_in(page, signon.url, user)
    grant(signon, user, client)
    page.goto(rp.url("autoselect.html"))
    [response] = received(page)
    assert response["select_by"] == "auto"
    verify(response["credential"], signon, client.client.client_id, nonce="n-0S6_WzA2Mj")
    assert moments(page, 2) == [
        ["display", None, True],
        ["dismissed", "credential_returned", False],
    ]
    page.get_by_role("button", name="Sign out").click()
    assert g_state(page.context).get("i_na") == 1
    page.reload()
    expect(prompt_frame(page).get_by_role("button", name="Continue as Ada")).to_be_visible()
    assert page.evaluate("window.received") is None
    prompt_frame(page).get_by_role("button", name="Continue as Ada").click()
    assert received(page)[0]["select_by"] == "user"
    assert g_state(page.context) == {}  # a sign-in turns auto-select back on


def test_auto_select_needs_earlier_consent(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    sign_in(page, signon.url, user)
    page.goto(rp.url("autoselect.html"))
    expect(prompt_frame(page).get_by_role("button", name="Continue as Ada")).to_be_visible()
    assert moments(page, 1) == [["display", None, True]]
    assert page.evaluate("window.received") is None


def test_without_a_session_the_prompt_is_not_displayed(
    page: Page, rp: RelyingParty, client: NewClient
) -> None:
    page.goto(rp.url("onetap.html"))
    assert moments(page, 1) == [["display", "opt_out_or_no_session", False]]
    expect(page.locator("#credential_picker_container")).to_have_count(0)


def test_closing_starts_the_exponential_cooldown(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    sign_in(page, signon.url, user)
    page.goto(rp.url("onetap.html"))
    prompt_frame(page).get_by_role("button", name="Close").click()
    assert moments(page, 2) == [["display", None, True], ["skipped", "user_cancel", False]]
    state = g_state(page.context)
    assert state["i_l"] == 1
    assert abs(state["i_p"] / 1000 - (time.time() + 2 * HOUR)) < 60
    page.reload()
    assert moments(page, 1) == [["display", "suppressed_by_user", False]]
    # Two hours later (the stored deadline moved into the past), it shows again...
    set_g_state(page.context, rp, {"i_l": 1, "i_p": int(time.time() - 1) * 1000})
    page.reload()
    prompt_frame(page).get_by_role("button", name="Close").click()
    moments(page, 2)
    # ...and a second close suppresses it for a day, then a week, then four weeks.
    state = g_state(page.context)
    assert state["i_l"] == 2
    assert abs(state["i_p"] / 1000 - (time.time() + 24 * HOUR)) < 60
    for level, hours in [(3, 7 * 24), (4, 28 * 24), (4, 28 * 24)]:
        set_g_state(page.context, rp, {"i_l": level - 1 if level < 4 else 4, "i_p": 1})
        page.reload()
        prompt_frame(page).get_by_role("button", name="Close").click()
        moments(page, 2)
        state = g_state(page.context)
        assert state["i_l"] == level
        assert abs(state["i_p"] / 1000 - (time.time() + hours * HOUR)) < 60
    # A successful sign-in resets it.
    set_g_state(page.context, rp, {"i_l": 4, "i_p": 1})
    page.reload()
    prompt_frame(page).get_by_role("button", name="Continue as Ada").click()
    received(page)
    assert g_state(page.context) == {}


def test_cancel_dismisses_the_prompt(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    sign_in(page, signon.url, user)
    page.goto(rp.url("onetap.html"))
    expect(prompt_frame(page).get_by_role("button", name="Continue as Ada")).to_be_visible()
    page.get_by_role("button", name="Use a password instead").click()
    # The click is also outside the prompt; cancel() runs first and wins.
    ms = moments(page, 2)
    assert ms[1] in (["dismissed", "cancel_called", False], ["skipped", "tap_outside", False])
    expect(page.locator("#credential_picker_container")).to_have_count(0)


def test_cancel_from_script_and_prompt_again_and_tap_outside(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    sign_in(page, signon.url, user)
    page.goto(rp.url("onetap.html"))
    expect(prompt_frame(page).get_by_role("button", name="Continue as Ada")).to_be_visible()
    page.evaluate("google.accounts.id.cancel()")
    assert moments(page, 2)[1] == ["dismissed", "cancel_called", False]
    page.evaluate("google.accounts.id.prompt(onMoment)")
    expect(prompt_frame(page).get_by_role("button", name="Continue as Ada")).to_be_visible()
    page.evaluate("google.accounts.id.prompt(onMoment)")
    ms = moments(page, 5)
    assert ms[2:5] == [["display", None, True], ["dismissed", "flow_restarted", False],
                       ["display", None, True]]  # fmt: skip
    page.get_by_role("heading", name="Photo Frame").click()
    assert moments(page, 6)[5] == ["skipped", "tap_outside", False]


def test_prompt_parent_id_context_and_no_cancel_on_tap_outside(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    sign_in(page, signon.url, user)
    page.goto(rp.url("onetap_parent.html"))
    frame = page.frame_locator("#parent_id iframe")
    expect(frame.get_by_role("heading")).to_have_text("Use localhost with signon")
    page.get_by_role("heading", name="Notes").click()
    expect(frame.get_by_role("button", name="Continue as Ada")).to_be_visible()
    assert moments(page, 1) == [["display", None, True]]
    frame.get_by_role("button", name="Continue as Ada").click()
    assert received(page)[0]["select_by"] == "user_1tap"


def test_signed_out_meanwhile_is_issuing_failed(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    sign_in(page, signon.url, user)
    page.goto(rp.url("onetap.html"))
    button = prompt_frame(page).get_by_role("button", name="Continue as Ada")
    expect(button).to_be_visible()
    other = page.context.new_page()
    other.goto(signon.url + "/signout")
    other.get_by_role("button", name="Sign out of all accounts").click()
    expect(other.get_by_role("heading", name="You're signed out")).to_be_visible()
    button.click()
    assert moments(page, 2)[1] == ["skipped", "issuing_failed", False]

"""What the library reports when it cannot sign anyone in: unregistered origins, unknown or
missing client IDs, plain http, and browsers that block third-party cookies."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from signon.protocol.clients import NewClient, create_client
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


def test_unregistered_origin_is_refused(
    page: Page, signon: LiveServer, rp: RelyingParty, user: User
) -> None:
    other = signon.run(create_client, signon.ctx.store, name="Elsewhere",
                       origins=["http://localhost:1"], now=int(time.time()))  # fmt: skip
    rp.client_id = other.client.client_id
    sign_in(page, signon.url, user)
    page.goto(rp.url("onetap.html"))
    assert moments(page, 1) == [["display", "unregistered_origin", False]]
    with page.expect_console_message(lambda m: "is not registered" in m.text):
        page.goto(rp.url("button.html"))
    expect(page.locator("#buttonDiv iframe")).to_have_count(0)
    # Framing it anyway: the issuer answers 403 with frame-ancestors 'none'.
    frame = httpx.get(signon.url + "/gsi/button",
                      params={"client_id": rp.client_id, "origin": rp.origin})  # fmt: skip
    assert frame.status_code == 403
    assert frame.headers["content-security-policy"] == "frame-ancestors 'none'"


def test_unknown_client_is_invalid_client(page: Page, rp: RelyingParty) -> None:
    rp.client_id = "404-nope.apps.googleusercontent.com"
    page.goto(rp.url("onetap.html"))
    assert moments(page, 1) == [["display", "invalid_client", False]]


def test_missing_client_id(page: Page, rp: RelyingParty) -> None:
    rp.client_id = ""
    page.goto(rp.url("onetap.html"))
    assert moments(page, 1) == [["display", "missing_client_id", False]]


def test_plain_http_on_a_public_host_needs_https(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient
) -> None:
    # Chromium keeps public pages from loading loopback resources, so the page and the library
    # are both served as http://photo-frame.test here.
    html = httpx.get(rp.url("onetap.html")).text.replace(signon.url, "http://photo-frame.test")
    script = httpx.get(signon.url + "/gsi/client").text

    def serve(route: Route) -> None:
        if route.request.url.endswith("/gsi/client"):
            route.fulfill(body=script, content_type="text/javascript")
        else:
            route.fulfill(body=html, content_type="text/html")

    page.route("http://photo-frame.test/**", serve)
    page.goto("http://photo-frame.test/onetap.html")
    assert moments(page, 1) == [["display", "secure_http_required", False]]


def test_blocked_third_party_cookies_hide_one_tap_but_the_button_works(
    context: BrowserContext, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    """Debian's Chromium blocks third-party cookies by default: the iframes see no session.
    One Tap then says opt_out_or_no_session; the button's popup is first-party and works."""
    page = context.new_page()
    sign_in(page, signon.url, user)
    page.goto(rp.url("onetap.html"))
    assert moments(page, 1) == [["display", "opt_out_or_no_session", False]]
    page.goto(rp.url("button.html"))
    button = page.frame_locator("#buttonDiv iframe").get_by_role("button")
    expect(button).to_have_accessible_name("Sign in with signon")  # not personalised
    with context.expect_page() as popup_info:
        button.click()
    popup = popup_info.value
    popup.get_by_role("button", name=user.email).click()
    popup.get_by_role("button", name="Confirm").click()
    [response] = received(page)
    assert response["select_by"] == "btn_confirm"
    verify(response["credential"], signon, client.client.client_id, nonce="biaqbm70g23")

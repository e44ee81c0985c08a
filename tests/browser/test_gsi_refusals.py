"""What the library reports when it cannot sign anyone in: unregistered origins, unknown or
missing client IDs, plain http, and browsers that block third-party cookies."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import httpx
import jwt
import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from signon.protocol.clients import NewClient, create_client
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


def test_page_cannot_redirect_the_buttons_popup_to_another_client(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    """A page on a registered origin of its own client frames the button, lets the user click,
    then points a link at the popup the iframe opened (by window name) to run the flow of a
    client the user already uses. That client's credential must not reach the page."""
    victim = signon.run(create_client, signon.ctx.store, name="Victim app",
                        origins=["https://victim.example"], now=int(time.time()))  # fmt: skip
    victim_id = victim.client.client_id
    signon.run(signon.ctx.store.save_grant, user.sub, victim_id, GSI_SCOPES,
               int(time.time()), new_opaque_id())  # fmt: skip
    sign_in(page, signon.url, user)
    page.goto(rp.url("button.html"))
    hijack = (
        signon.url
        + "/gsi/select?"
        + urlencode({"client_id": victim_id, "origin": "https://victim.example", "authuser": "0"})
    )
    button = page.frame_locator("#buttonDiv iframe").get_by_role("button", name="Continue as")
    expect(button).to_be_visible()
    fid = page.evaluate(
        "new URL(document.querySelector('#buttonDiv iframe').src).searchParams.get('fid')"
    )
    with page.context.expect_page() as popup_info:
        button.click()
    popup = popup_info.value
    page.evaluate(
        """([url, name]) => {
            const a = document.createElement('a');
            a.href = url;
            a.target = name;
            document.body.appendChild(a);
            a.click();
        }""",
        [hijack, "signon_gsi_" + fid],
    )
    page.wait_for_timeout(2000)  # the hijacked flow needs no click: it would deliver at once
    audiences = [
        jwt.decode(r["credential"], options={"verify_signature": False})["aud"]
        for r in page.evaluate("window.received || []")
        if r.get("credential")
    ]
    assert victim_id not in audiences
    # The link opened a window of its own; the genuine popup still waits for the user, and works.
    assert not popup.is_closed()
    popup.get_by_role("button", name="Confirm").click()
    [response] = received(page)
    verify(response["credential"], signon, client.client.client_id, nonce="biaqbm70g23")

"""examples/gis end to end in Chromium: seed 002's button in popup and redirect modes, One Tap
auto-selecting a returning user, sign-out with disableAutoSelect, and revoke; every credential
verified by the example's backend."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import FrameLocator, Page, expect

from signon.protocol.clients import create_client
from signon.storage.records import User
from tests.appserver import serve_app
from tests.browser.gsi_support import (  # noqa: F401 - fixtures are found by name
    fill_sign_in,
    gsi_context_fixture,
    page_fixture,
    signon_fixture,
    user_fixture,
)
from tests.browser.popups import closes
from tests.examples import load_example
from tests.livesrv import LiveServer, free_port

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class GisExample:
    url: str
    client_id: str


@pytest.fixture(scope="module")
def gis(signon: LiveServer) -> Iterator[GisExample]:
    port = free_port()
    origin = f"http://localhost:{port}"
    new = signon.run(create_client, signon.ctx.store, name="GIS example", origins=[origin],
                     redirect_uris=[origin + "/login"], now=int(time.time()))  # fmt: skip
    app = load_example("gis").create_app(signon.url, new.client.client_id)
    with serve_app(app, port) as url:
        yield GisExample(url, new.client.client_id)


def button(page: Page) -> FrameLocator:
    return page.frame_locator("#buttonDiv iframe")


def one_tap(page: Page) -> FrameLocator:
    return page.frame_locator("#credential_picker_iframe")


def sign_in_with_the_popup(page: Page, gis: GisExample, user: User) -> None:
    """A first visit: the button's popup signs in to signon and asks for consent."""
    page.goto(gis.url)
    with page.context.expect_page() as popup_info:
        button(page).get_by_role("button", name="Sign in with signon").click()
    popup = popup_info.value
    fill_sign_in(popup, user)
    popup.get_by_role("button", name="Confirm").click()
    closes(popup)
    # The page shows what the backend answered after verifying the credential.
    expect(page.locator("#status")).to_have_text(
        f"Signed in as {user.email} (btn_confirm_add_session)"
    )


def grants(signon: LiveServer, user: User) -> list[str]:
    return [g.client_id for g in signon.run(signon.ctx.store.list_grants, user.sub)]


def test_button_popup_signs_in_and_the_backend_keeps_a_session(
    page: Page, signon: LiveServer, gis: GisExample, user: User
) -> None:
    sign_in_with_the_popup(page, gis, user)
    # Without a signon session, One Tap had nothing to offer on the first visit.
    no_session = "display: not displayed (opt_out_or_no_session)"
    expect(page.locator("#moments li")).to_have_text([no_session])
    me = page.request.get(gis.url + "/me")
    assert me.ok and me.json()["email"] == user.email and me.json()["sub"] == user.sub
    assert grants(signon, user) == [gis.client_id]
    page.reload()  # the app's own session: signed in, and One Tap is not asked
    expect(page.locator("#status")).to_have_text(f"Signed in as {user.email}")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("#moments li")).to_have_count(0)


def test_redirect_mode_posts_to_login_uri_with_the_csrf_double_submit(
    page: Page, signon: LiveServer, gis: GisExample, user: User
) -> None:
    page.goto(gis.url + "/redirect")
    button(page).get_by_role("button", name="Sign in with signon").click()
    page.wait_for_url(signon.url + "/signin**")
    fill_sign_in(page, user)
    page.get_by_role("button", name="Confirm").click()
    # signon POSTed credential + g_csrf_token to /login, which checked the cookie against the
    # field, verified the credential, started a session and redirected back.
    expect(page).to_have_url(gis.url + "/redirect")
    expect(page.locator("#status")).to_have_text(f"Signed in as {user.email}")
    csrf = [c for c in page.context.cookies(gis.url) if c["name"] == "g_csrf_token"]
    assert len(csrf) == 1 and csrf[0]["value"]
    assert grants(signon, user) == [gis.client_id]


def test_one_tap_auto_selects_a_returning_user(page: Page, gis: GisExample, user: User) -> None:
    sign_in_with_the_popup(page, gis, user)
    # The app's session ends (it expired, say) while the signon session and consent remain.
    page.context.clear_cookies(name="gis_example_session")
    page.reload()
    expect(page.locator("#status")).to_have_text(f"Signed in as {user.email} (auto)")
    expect(page.locator("#moments li")).to_have_text(
        ["display: displayed", "dismissed: credential_returned"]
    )


def test_sign_out_disables_auto_select(page: Page, gis: GisExample, user: User) -> None:
    sign_in_with_the_popup(page, gis, user)
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#status")).to_have_text("Signed out.")
    assert page.request.get(gis.url + "/me").status == 401
    page.reload()
    # One Tap offers the account but waits for a tap: no automatic sign-in after a sign-out.
    continue_as = one_tap(page).get_by_role("button", name="Continue as Ada")
    expect(continue_as).to_be_visible()
    expect(page.locator("#moments li")).to_have_text(["display: displayed"])
    expect(page.locator("#status")).to_have_text("Not signed in.")
    continue_as.click()
    expect(page.locator("#status")).to_have_text(f"Signed in as {user.email} (user)")


def test_revoke_removes_the_grant_and_the_next_sign_in_asks_again(
    page: Page, signon: LiveServer, gis: GisExample, user: User
) -> None:
    sign_in_with_the_popup(page, gis, user)
    assert grants(signon, user) == [gis.client_id]
    page.get_by_role("button", name="Revoke access").click()
    expect(page.locator("#status")).to_have_text(f"Access revoked for {user.email}.")
    assert grants(signon, user) == []
    assert page.request.get(gis.url + "/me").status == 401
    page.reload()
    # No consent any more: One Tap shows the sharing notice instead of auto-selecting...
    expect(one_tap(page).get_by_text("will share your name")).to_be_visible()
    expect(page.locator("#moments li")).to_have_text(["display: displayed"])
    # ...and the button's popup asks to confirm again.
    with page.context.expect_page() as popup_info:
        button(page).get_by_role("button", name="Continue as Ada").click()
    popup = popup_info.value
    popup.get_by_role("button", name="Confirm").click()
    closes(popup)
    expect(page.locator("#status")).to_have_text(f"Signed in as {user.email} (btn_confirm)")
    assert grants(signon, user) == [gis.client_id]


def test_the_backend_refuses_forged_and_cross_site_requests(gis: GisExample) -> None:
    forged = "eyJhbGciOiJub25lIn0.e30."
    headers = {"X-Requested-With": "XMLHttpRequest"}
    # /signin: only from the page's script (X-Requested-With), only with a valid credential.
    assert httpx.post(gis.url + "/signin", json={"credential": forged}).status_code == 403
    refused = httpx.post(gis.url + "/signin", json={"credential": forged}, headers=headers)
    assert refused.status_code == 401
    assert httpx.post(gis.url + "/signin", json={}, headers=headers).status_code == 400
    # /login: Google's double-submit check comes first, then the credential.
    login = gis.url + "/login"
    no_cookie = httpx.post(login, data={"credential": forged, "g_csrf_token": "a"})
    assert (no_cookie.status_code, no_cookie.text) == (400, "No CSRF token in Cookie.")
    with httpx.Client(cookies={"g_csrf_token": "a"}) as client:
        mismatch = client.post(login, data={"credential": forged, "g_csrf_token": "b"})
        assert mismatch.status_code == 400
        assert mismatch.text == "Failed to verify double submit cookie."
        matching = client.post(login, data={"credential": forged, "g_csrf_token": "a"})
        assert matching.status_code == 401  # the CSRF check passed; the credential did not
    assert httpx.post(gis.url + "/signout").status_code == 403
    assert httpx.get(gis.url + "/me").status_code == 401

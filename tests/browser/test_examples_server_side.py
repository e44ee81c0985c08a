"""examples/server_side end to end in Chromium (seed 001): grantOfflineAccess in a popup, the
code POSTed to /storeauthcode and exchanged by the server with redirect_uri=postmessage, the
refresh token kept, and a later server-side userinfo call that refreshes an expired token."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from signon.demo import DEMO_EMAIL, seed_demo
from signon.protocol.clients import create_client
from signon.rp import OAuthClient
from tests.appserver import serve_app
from tests.browser.popups import closes, sign_in_and_allow
from tests.browser.thirdparty import third_party_cookie_context
from tests.conftest import fast_hasher
from tests.examples import load_example
from tests.livesrv import LiveServer, free_port, live_server

pytestmark = pytest.mark.browser


@pytest.fixture
def signon(sqlite_url: str) -> Iterator[LiveServer]:
    with live_server(sqlite_url, hasher=fast_hasher()) as live:
        live.run(seed_demo, live.ctx.store, live.ctx.hasher, int(time.time()))
        yield live


@pytest.fixture
def context(playwright: Playwright) -> Iterator[BrowserContext]:
    with third_party_cookie_context(playwright) as context:
        yield context


def api(page: Page, button: str) -> dict[str, object]:
    with page.expect_response(re.compile(r"/api/")) as response_info:
        page.get_by_role("button", name=button).click()
    body: dict[str, object] = response_info.value.json()
    return body


def test_server_side_example_stores_refresh_token_and_refreshes_later(
    signon: LiveServer, context: BrowserContext, tmp_path: Path
) -> None:
    port = free_port()
    app_url = f"http://localhost:{port}"
    new = signon.run(create_client, signon.ctx.store, name="Server-side example",
                     origins=[app_url], now=int(time.time()))  # fmt: skip
    secrets_file = tmp_path / "client_secret.json"
    secrets_file.write_text(json.dumps({"web": {
        "client_id": new.client.client_id, "client_secret": new.secret,
        "auth_uri": signon.url + "/o/oauth2/auth", "token_uri": signon.url + "/token",
        "javascript_origins": [app_url]}}))  # fmt: skip
    client = OAuthClient.from_client_secrets(json.loads(secrets_file.read_text()),
                                             issuer=signon.url)  # fmt: skip
    example = load_example("server_side")
    app = example.create_app(client, str(tmp_path / "tokens.db"), signon.url)
    with serve_app(app, port):
        page = context.new_page()
        page.goto(app_url)
        with context.expect_page() as popup_info:
            page.get_by_role("button", name="Sign in with Google").click()
        sign_in_and_allow(popup_info.value)
        closes(popup_info.value)
        expect(page.locator("#status")).to_have_text(
            f"The server stored tokens for {DEMO_EMAIL} (with a refresh token)"
        )
        expect(page.get_by_role("button", name="Sign in with Google")).to_be_hidden()

        first = api(page, "Have the server call userinfo")
        assert first["access_token_refreshed"] is False
        assert first["userinfo"]["email"] == DEMO_EMAIL  # type: ignore[index]
        api(page, "Pretend the server's access token expired")
        second = api(page, "Have the server call userinfo")
        assert second["access_token_refreshed"] is True
        assert second["userinfo"]["email"] == DEMO_EMAIL  # type: ignore[index]
        assert api(page, "Have the server call userinfo")["access_token_refreshed"] is False

        # A returning user is signed in to the page on load (restored without a popup).
        page.reload()
        page.wait_for_function("window.auth2 && auth2.isSignedIn.get()")
        assert len(context.pages) == 1

        # Offline access again: the popup closes by itself, no new refresh token is issued,
        # and the stored one keeps working.
        with context.expect_page() as popup_info:
            page.get_by_role("button", name="Sign in with Google").click()
        closes(popup_info.value)
        expect(page.locator("#status")).to_have_text(
            f"The server stored tokens for {DEMO_EMAIL} (no new refresh token)"
        )
        api(page, "Pretend the server's access token expired")
        assert api(page, "Have the server call userinfo")["access_token_refreshed"] is True

        # Signing out of the page keeps the server's offline access (that is the point).
        page.evaluate("auth2.signOut()")
        page.reload()
        page.wait_for_function("!!window.auth2")
        page.evaluate("new Promise(r => auth2.then(() => r(null)))")
        assert page.evaluate("auth2.isSignedIn.get()") is False
        last = api(page, "Have the server call userinfo")
        assert last["userinfo"]["email"] == DEMO_EMAIL  # type: ignore[index]


def test_server_side_example_refuses_codes_without_requested_with(
    signon: LiveServer, tmp_path: Path
) -> None:
    client = OAuthClient("x.apps.googleusercontent.com", "secret", issuer=signon.url)
    app = load_example("server_side").create_app(client, str(tmp_path / "t.db"), signon.url)
    with serve_app(app) as url:
        response = httpx.post(url + "/storeauthcode", content=b"4/abc",
                              headers={"Content-Type": "application/octet-stream"})  # fmt: skip
        assert response.status_code == 403

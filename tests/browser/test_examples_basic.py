"""examples/basic end to end in Chromium: seed 000's button and profile, seed 004's
/tokensignin backend verification, sign-out, and a returning user restored on load."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import BrowserContext, Playwright, expect

from signon.demo import DEMO_EMAIL, seed_demo
from signon.protocol.clients import create_client
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


def test_basic_example_signs_in_verifies_signs_out_and_restores(
    signon: LiveServer, context: BrowserContext
) -> None:
    port = free_port()
    app_url = f"http://localhost:{port}"
    client = signon.run(create_client, signon.ctx.store, name="Basic example", origins=[app_url],
                        now=int(time.time()))  # fmt: skip
    app = load_example("basic").create_app(signon.url, client.client.client_id)
    with serve_app(app, port):
        page = context.new_page()
        page.goto(app_url)
        with context.expect_page() as popup_info:
            page.get_by_role("button", name="Sign in with signon").click()
        sign_in_and_allow(popup_info.value)
        closes(popup_info.value)
        expect(page.locator("#profile")).to_have_text(f"Demo User <{DEMO_EMAIL}>")
        # The backend verified the ID token (signature, aud, iss, exp) before answering.
        expect(page.locator("#backend")).to_have_text(f"Signed in as: {DEMO_EMAIL}")
        expect(page.get_by_role("button", name="Signed in with signon")).to_be_visible()

        page.reload()  # a returning user: signed in again without a click
        expect(page.locator("#backend")).to_have_text(f"Signed in as: {DEMO_EMAIL}")
        assert len(context.pages) == 1

        page.get_by_role("link", name="Sign out").click()
        expect(page.locator("#backend")).to_have_text("User signed out.")
        page.reload()
        expect(page.get_by_role("button", name="Sign in with signon")).to_be_visible()
        expect(page.locator("#backend")).to_have_text("")


def test_basic_example_backend_refuses_a_forged_token(signon: LiveServer) -> None:
    port = free_port()
    app = load_example("basic").create_app(signon.url, "some-client.apps.googleusercontent.com")
    with serve_app(app, port) as url:
        response = httpx.post(url + "/tokensignin", data={"idtoken": "eyJhbGciOiJub25lIn0.e30."})
        assert response.status_code == 401

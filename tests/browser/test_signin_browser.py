"""A person in Chromium: sign in and out, and the whole authorization code flow with consent."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect

from signon.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo
from signon.protocol.clients import NewClient, create_client
from tests.browser.conftest import screenshot
from tests.conftest import fast_hasher
from tests.livesrv import LiveServer, live_server

pytestmark = pytest.mark.browser
APP = "http://127.0.0.1:5000"


@pytest.fixture
def server(sqlite_url: str) -> Iterator[LiveServer]:
    with live_server(sqlite_url, hasher=fast_hasher()) as live:
        live.run(seed_demo, live.ctx.store, live.ctx.hasher, int(time.time()))
        yield live


@pytest.fixture
def app_client(server: LiveServer) -> NewClient:
    return server.run(create_client, server.ctx.store, name="Photo Frame",
                      redirect_uris=[APP + "/callback"], now=int(time.time()))  # fmt: skip


def test_demo_user_signs_in_and_out(server: LiveServer, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(server.url + "/signin")
    screenshot(page, "signin")
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name=DEMO_EMAIL)).to_be_visible()
    screenshot(page, "chooser")
    page.goto(server.url + "/signout")
    page.get_by_role("button", name="Sign out of all accounts").click()
    expect(page.get_by_role("heading", name="You're signed out")).to_be_visible()
    screenshot(page, "signedout")
    assert not [c for c in context.cookies() if c["name"] == "signon_sid"]


def test_wrong_password_shows_error(server: LiveServer, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(server.url + "/signin")
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password. Try again.")
    screenshot(page, "signin-error")


def test_code_flow_with_consent_in_chromium(
    server: LiveServer, app_client: NewClient, context: BrowserContext
) -> None:
    page = context.new_page()
    redirects: list[str] = []
    # The app itself is not running: catch the redirect to it.
    context.route(APP + "/**", lambda route: (redirects.append(route.request.url),
                                               route.fulfill(body="ok")))  # fmt: skip
    query = {"client_id": app_client.client.client_id, "redirect_uri": APP + "/callback",
             "response_type": "code", "scope": "openid email profile", "state": "abc",
             "access_type": "offline"}  # fmt: skip
    page.goto(server.url + "/o/oauth2/v2/auth?" + urlencode(query))
    expect(page.get_by_text("to continue to")).to_contain_text("Photo Frame")
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Allow")).to_be_visible()
    expect(page.get_by_text("See your primary email address")).to_be_visible()
    screenshot(page, "consent")
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(APP + "/**")
    params = parse_qs(urlsplit(redirects[-1]).query)
    assert params["state"] == ["abc"]
    token = httpx.post(server.url + "/token", data={
        "grant_type": "authorization_code", "code": params["code"][0],
        "redirect_uri": APP + "/callback", "client_id": app_client.client.client_id,
        "client_secret": app_client.secret})  # fmt: skip
    assert token.status_code == 200
    assert token.json()["refresh_token"].startswith("1//")


def test_cancel_on_consent_returns_access_denied(
    server: LiveServer, app_client: NewClient, context: BrowserContext
) -> None:
    page = context.new_page()
    redirects: list[str] = []
    context.route(APP + "/**", lambda route: (redirects.append(route.request.url),
                                               route.fulfill(body="ok")))  # fmt: skip
    query = {"client_id": app_client.client.client_id, "redirect_uri": APP + "/callback",
             "response_type": "code", "scope": "email", "state": "st"}  # fmt: skip
    page.goto(server.url + "/o/oauth2/v2/auth?" + urlencode(query))
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_url(APP + "/**")
    params = parse_qs(urlsplit(redirects[-1]).query)
    assert params["error"] == ["access_denied"]
    assert params["state"] == ["st"]


def test_unknown_client_shows_error_page(server: LiveServer, context: BrowserContext) -> None:
    page = context.new_page()
    response = page.goto(server.url + "/o/oauth2/v2/auth?client_id=nope&redirect_uri=x")
    assert response is not None and response.status == 401
    expect(page.get_by_text("The OAuth client was not found.")).to_be_visible()
    screenshot(page, "error-invalid-client")

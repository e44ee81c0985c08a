"""Chromium: the developer console end to end, the account page's Remove access, and emulator
mode (Add new account with custom claims, --register-on-first-use with an unmodified page)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from signon.accounts.users import create_user
from signon.protocol.clients import create_client
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.conftest import fast_hasher
from tests.livesrv import LiveServer, live_server

pytestmark = pytest.mark.browser
APP = "http://127.0.0.1:5000"
DEV_EMAIL, DEV_PASSWORD = "dev@example.com", "developer pass"
UNKNOWN_ID = "987654321098-unmodifiedpageclientid0000000000.apps.googleusercontent.com"


@pytest.fixture
def server(sqlite_url: str) -> Iterator[LiveServer]:
    with live_server(sqlite_url, hasher=fast_hasher()) as live:
        live.run(create_user, live.ctx.store, live.ctx.hasher, password=DEV_PASSWORD,
                 email=DEV_EMAIL, name="Dana Developer", is_admin=True,
                 now=int(time.time()))  # fmt: skip
        yield live


@pytest.fixture
def emulator(sqlite_url: str) -> Iterator[LiveServer]:
    with live_server(sqlite_url, hasher=fast_hasher(), emulator=True, auto_consent=True,
                     register_on_first_use=True) as live:  # fmt: skip
        now = int(time.time())
        for email, name in (("ada@example.com", "Ada Lovelace"),
                            ("grace@example.com", "Grace Hopper")):  # fmt: skip
            live.run(create_user, live.ctx.store, live.ctx.hasher, password=None, email=email,
                     name=name, now=now)  # fmt: skip
        yield live


def full_screenshot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def catch_app(context: BrowserContext) -> list[str]:
    """The app is not running: record each request to it and answer 'ok'."""
    seen: list[str] = []
    context.route(APP + "/**", lambda route: (seen.append(route.request.url),
                                               route.fulfill(body="ok")))  # fmt: skip
    return seen


def sign_in(page: Page, base: str, email: str, password: str, path: str = "/console") -> None:
    page.goto(base + path)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def create_project_and_client(page: Page, base: str) -> None:
    page.get_by_label("Project ID").fill("photo-frame")
    page.get_by_label("App name (optional)").fill("Photo Frame")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", name="photo-frame", exact=True)).to_be_visible()
    page.get_by_role("link", name="Create OAuth client").click()
    page.get_by_label("Application type").select_option("web")
    page.get_by_label("Name", exact=True).fill("Photo Frame web")


def test_developer_creates_client_downloads_json_and_signs_in_with_it(
    server: LiveServer, context: BrowserContext, tmp_path: Path
) -> None:
    page = context.new_page()
    seen = catch_app(context)
    sign_in(page, server.url, DEV_EMAIL, DEV_PASSWORD)
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    create_project_and_client(page, server.url)
    page.get_by_label("Authorized JavaScript origins").fill(APP)
    page.get_by_label("Authorized redirect URIs").fill(APP + "/callback")
    screenshot(page, "console-new-client")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="OAuth client ready")).to_be_visible()
    screenshot(page, "console-secret")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download JSON").click()
    saved = tmp_path / "client_secret.json"
    download.value.save_as(saved)
    web: dict[str, Any] = json.loads(saved.read_text())["web"]
    assert (web["auth_uri"], web["token_uri"], web["javascript_origins"]) == (
        server.url + "/o/oauth2/auth", server.url + "/token", [APP]
    )  # fmt: skip
    page.get_by_role("link", name="Done").click()
    page.get_by_role("link", name="photo-frame").click()
    full_screenshot(page, "console")
    page.get_by_role("link", name="Projects").click()
    screenshot(page, "console-projects")
    # The app, configured only by the downloaded file, signs the developer in.
    query = {"client_id": web["client_id"], "redirect_uri": web["redirect_uris"][0],
             "response_type": "code", "scope": "openid email", "state": "s1"}  # fmt: skip
    page.goto(web["auth_uri"] + "?" + urlencode(query))
    expect(page.get_by_role("heading", name="Photo Frame wants to access")).to_be_visible()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(APP + "/**")
    code = parse_qs(urlsplit(seen[-1]).query)["code"][0]
    token = httpx.post(web["token_uri"], data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": web["redirect_uris"][0],
        "client_id": web["client_id"], "client_secret": web["client_secret"]})  # fmt: skip
    assert token.status_code == 200, token.text
    claims = jwt.decode(token.json()["id_token"], options={"verify_signature": False})
    assert (claims["email"], claims["aud"]) == (DEV_EMAIL, web["client_id"])


def test_console_refuses_invalid_origins_and_redirect_uris_next_to_the_fields(
    server: LiveServer, context: BrowserContext
) -> None:
    page = context.new_page()
    sign_in(page, server.url, DEV_EMAIL, DEV_PASSWORD)
    create_project_and_client(page, server.url)
    page.get_by_label("Authorized JavaScript origins").fill("https://*.example.com")
    page.get_by_label("Authorized redirect URIs").fill("http://app.example.com/cb#frag")
    page.get_by_role("button", name="Create").click()
    origins = page.get_by_label("Authorized JavaScript origins")
    expect(origins).to_have_attribute("aria-invalid", "true")
    expect(origins).to_have_accessible_description(
        "'https://*.example.com': wildcards are not allowed in JavaScript origins "
        "One per line, e.g. https://app.example.com or http://localhost:5000. No paths, no "
        "wildcards; https except on localhost."
    )
    expect(page.get_by_label("Authorized redirect URIs")).to_have_accessible_description(
        "'http://app.example.com/cb#frag': a redirect URI cannot contain a fragment (#) "
        "One per line, matched exactly, e.g. https://app.example.com/oauth2/callback. "
        "No fragments; https except on localhost."
    )
    screenshot(page, "console-errors")
    page.get_by_label("Authorized JavaScript origins").fill("https://app.example.com/")
    page.get_by_label("Authorized redirect URIs").fill("https://app.example.com/cb")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("#f-origins-error")).to_have_text(
        "'https://app.example.com/': an origin cannot contain a path or end with '/'"
    )
    expect(page.locator("#f-redirect_uris-error")).to_have_count(0)


def test_user_removes_app_access_and_its_refresh_token_stops_working(
    server: LiveServer, context: BrowserContext
) -> None:
    app = server.run(create_client, server.ctx.store, name="Photo Frame",
                     redirect_uris=[APP + "/callback"], now=int(time.time()))  # fmt: skip
    page = context.new_page()
    seen = catch_app(context)
    query = {"client_id": app.client.client_id, "redirect_uri": APP + "/callback",
             "response_type": "code", "scope": "openid email profile",
             "access_type": "offline"}  # fmt: skip
    sign_in(page, server.url, DEV_EMAIL, DEV_PASSWORD,
            "/o/oauth2/v2/auth?" + urlencode(query))  # fmt: skip
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(APP + "/**")
    code = parse_qs(urlsplit(seen[-1]).query)["code"][0]
    tokens = httpx.post(server.url + "/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": APP + "/callback",
        "client_id": app.client.client_id, "client_secret": app.secret}).json()  # fmt: skip
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
               "client_id": app.client.client_id, "client_secret": app.secret}  # fmt: skip
    assert httpx.post(server.url + "/token", data=refresh).status_code == 200
    page.goto(server.url + "/myaccount")
    expect(page.get_by_role("heading", name="Photo Frame")).to_be_visible()
    expect(page.get_by_text("See your primary email address")).to_be_visible()
    full_screenshot(page, "myaccount")
    page.get_by_role("button", name="Remove access for Photo Frame").click()
    expect(page.get_by_role("status")).to_have_text(
        "Access removed. The app's tokens no longer work."
    )
    refused = httpx.post(server.url + "/token", data=refresh)
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")


def test_emulator_adds_account_with_custom_claims_that_appear_in_the_id_token(
    emulator: LiveServer, context: BrowserContext
) -> None:
    app = emulator.run(create_client, emulator.ctx.store, name="Photo Frame",
                       redirect_uris=[APP + "/callback"], now=int(time.time()))  # fmt: skip
    page = context.new_page()
    seen = catch_app(context)
    query = {"client_id": app.client.client_id, "redirect_uri": APP + "/callback",
             "response_type": "code", "scope": "openid email profile"}  # fmt: skip
    page.goto(emulator.url + "/o/oauth2/v2/auth?" + urlencode(query))
    expect(page.get_by_role("button", name="ada@example.com")).to_be_visible()
    expect(page.get_by_text("signon emulator: test accounts only")).to_be_visible()
    screenshot(page, "emulator-chooser")
    page.get_by_role("button", name="Add new account").click()
    page.get_by_label("Email", exact=True).fill("tester@example.com")
    page.get_by_label("Name (optional)").fill("Tess Tester")
    page.get_by_label("Custom claims (optional)").fill("{not json")
    page.get_by_role("button", name="Add and sign in").click()
    expect(page.get_by_label("Custom claims (optional)")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "emulator-add-account")
    page.get_by_label("Custom claims (optional)").fill('{"role": "admin", "tenant": "t-42"}')
    page.get_by_role("button", name="Add and sign in").click()
    page.wait_for_url(APP + "/**")
    code = parse_qs(urlsplit(seen[-1]).query)["code"][0]
    token = httpx.post(emulator.url + "/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": APP + "/callback",
        "client_id": app.client.client_id, "client_secret": app.secret})  # fmt: skip
    claims = jwt.decode(token.json()["id_token"], options={"verify_signature": False})
    assert (claims["email"], claims["name"], claims["role"], claims["tenant"]) == (
        "tester@example.com", "Tess Tester", "admin", "t-42"
    )  # fmt: skip


UNMODIFIED_PAGE = """<!doctype html><title>Photo app</title>
<a id="signin" href="{auth}">Sign in with Google</a>
<script>
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.get("id_token")) document.title = "signed in " + params.get("id_token");
</script>"""


def test_register_on_first_use_lets_an_unmodified_page_sign_in(
    emulator: LiveServer, context: BrowserContext
) -> None:
    query = {"client_id": UNKNOWN_ID, "redirect_uri": APP + "/", "response_type": "id_token",
             "scope": "openid email", "nonce": "n-1"}  # fmt: skip
    page_html = UNMODIFIED_PAGE.format(auth=emulator.url + "/o/oauth2/v2/auth?" + urlencode(query))
    context.route(APP + "/**", lambda route: route.fulfill(body=page_html,
                                                           content_type="text/html"))  # fmt: skip
    page = context.new_page()
    page.goto(APP + "/")
    page.get_by_role("link", name="Sign in with Google").click()
    page.get_by_role("button", name="grace@example.com").click()
    page.wait_for_function("document.title.startsWith('signed in ')")
    id_token = page.title().removeprefix("signed in ")
    jwks = httpx.get(emulator.url + "/oauth2/v3/certs").json()
    key = next(k for k in jwks["keys"] if k["kid"] == jwt.get_unverified_header(id_token)["kid"])
    claims = jwt.decode(id_token, key=jwt.PyJWK(key), algorithms=["RS256"], audience=UNKNOWN_ID,
                        issuer=emulator.url)  # fmt: skip
    assert (claims["email"], claims["nonce"]) == ("grace@example.com", "n-1")
    registered = emulator.run(emulator.ctx.store.find_client, UNKNOWN_ID)
    assert registered is not None and registered.project == "emulator"

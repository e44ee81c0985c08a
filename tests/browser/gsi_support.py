"""Fixtures and helpers for the GIS browser tests: signon on 127.0.0.1, the relying party on
localhost (another site), and a Chromium profile that allows third-party cookies the way
Chrome's default profile does (Debian's Chromium blocks them by default; see docs/gsi.md)."""

from __future__ import annotations

import itertools
import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.auth.transport import requests as google_requests
from google.oauth2 import id_token as google_id_token
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from signon.accounts.users import create_user
from signon.protocol.clients import NewClient, create_client
from signon.storage.records import User
from tests.browser.conftest import CHROMIUM, FLAGS
from tests.browser.gsi_rp import RelyingParty, relying_party
from tests.conftest import fast_hasher
from tests.livesrv import LiveServer, live_server

PASSWORD = "correct horse battery"
_emails = itertools.count(1)


@pytest.fixture(name="signon", scope="module")
def signon_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = f"sqlite:///{tmp_path_factory.mktemp('gsi')}/signon.db"
    with live_server(url, hasher=fast_hasher()) as live:
        yield live


@pytest.fixture(name="rp", scope="module")
def rp_fixture(signon: LiveServer) -> Iterator[RelyingParty]:
    with relying_party(signon.url) as party:
        yield party


def _profile_allowing_third_party_cookies() -> str:
    directory = Path(tempfile.mkdtemp(prefix="signon-gsi-profile-"))
    (directory / "Default").mkdir()
    prefs = {"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}
    (directory / "Default" / "Preferences").write_text(json.dumps(prefs))
    return str(directory)


@pytest.fixture(name="gsi_context", scope="module")
def gsi_context_fixture(playwright: Playwright) -> Iterator[BrowserContext]:
    context = playwright.chromium.launch_persistent_context(
        _profile_allowing_third_party_cookies(),
        executable_path=CHROMIUM,
        args=FLAGS,
        headless=True,
        viewport={"width": 1000, "height": 700},
    )
    yield context
    context.close()


@pytest.fixture(name="page")
def page_fixture(gsi_context: BrowserContext) -> Iterator[Page]:
    gsi_context.clear_cookies()
    page = gsi_context.new_page()
    yield page
    for p in gsi_context.pages:
        p.close()


@pytest.fixture(name="client")
def client_fixture(signon: LiveServer, rp: RelyingParty) -> NewClient:
    new = signon.run(create_client, signon.ctx.store, name="Photo Frame",
                     origins=[rp.origin],
                     redirect_uris=[rp.origin + "/login", rp.origin + "/callback"],
                     now=int(time.time()))  # fmt: skip
    rp.client_id = new.client.client_id
    return new


@pytest.fixture(name="user")
def user_fixture(signon: LiveServer) -> User:
    n = next(_emails)
    return signon.run(create_user, signon.ctx.store, signon.ctx.hasher, password=PASSWORD,
                      email=f"ada{n}@example.com", name="Ada Lovelace", given_name="Ada",
                      family_name="Lovelace", now=int(time.time()))  # fmt: skip


def sign_in(page: Page, issuer: str, user: User) -> None:
    page.goto(issuer + "/signin")
    fill_sign_in(page, user)
    expect(page.get_by_role("button", name=user.email)).to_be_visible()


def fill_sign_in(page: Page, user: User) -> None:
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def verify(credential: str, signon: LiveServer, client_id: str, nonce: str | None = None) -> Any:
    """google-auth checks the signature against /oauth2/v1/certs, `aud` and `exp`; the rest
    is what GIS credentials carry (spec 4.1)."""
    claims = google_id_token.verify_token(
        credential, google_requests.Request(), audience=client_id,
        certs_url=signon.url + "/oauth2/v1/certs",
    )  # fmt: skip
    now = time.time()
    assert claims["iss"] == signon.url
    assert claims["azp"] == client_id
    assert claims["nbf"] <= now < claims["exp"]
    assert len(claims["jti"]) >= 16
    assert claims.get("nonce") == nonce
    return claims


def received(page: Page, count: int = 1) -> list[dict[str, Any]]:
    """The CredentialResponses the page's callback got, once there are `count` of them."""
    page.wait_for_function(f"(window.received || []).length >= {count}")
    value: list[dict[str, Any]] = page.evaluate("window.received")
    return value


def moments(page: Page, count: int) -> list[list[Any]]:
    page.wait_for_function(f"(window.moments || []).length >= {count}")
    value: list[list[Any]] = page.evaluate("window.moments")
    return value

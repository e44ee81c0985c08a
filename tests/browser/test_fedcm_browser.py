"""FedCM end to end: `use_fedcm_for_prompt` in headless Chromium, the browser's dialogs answered
through the DevTools protocol (`FedCm.*`), signon on 127.0.0.1 and the relying party on
localhost (another site, so the well-known file is required). The contexts keep Chromium's
default of blocking third-party cookies: the One Tap iframe cannot see the session there, FedCM
can. Recipe: /work/shared/spec/fedcm-in-chromium.md."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, CDPSession, Page, Playwright, expect

from signon.protocol.clients import NewClient, create_client
from signon.protocol.gsi import GSI_SCOPES
from signon.storage.records import User
from tests.browser.conftest import CHROMIUM, FLAGS
from tests.browser.gsi_rp import RelyingParty
from tests.browser.gsi_support import (  # noqa: F401 - fixtures are found by name
    client_fixture,
    fill_sign_in,
    moments,
    received,
    rp_fixture,
    sign_in,
    signon_fixture,
    user_fixture,
    verify,
)
from tests.livesrv import LiveServer

pytestmark = pytest.mark.browser
NONCE = "n-0S6_WzA2Mj"
RETURNED = ["dismissed", "credential_returned", False]
NO_SESSION = ["display", "opt_out_or_no_session", False]
WAIT_MS = 10_000


class Dialogs:
    """Answers the browser's FedCM dialogs the way a user would, and records them. Every dialog
    must be answered, or `navigator.credentials.get` never settles (the recipe, point 5)."""

    def __init__(self, context: BrowserContext, page: Page, answer: bool = True) -> None:
        self.page = page
        self.answer = answer
        self.shown: list[dict[str, Any]] = []
        self.cdp: CDPSession = context.new_cdp_session(page)
        self.cdp.on("FedCm.dialogShown", self._on_shown)
        # Failures settle at once instead of after the browser's privacy delay.
        self.cdp.send("FedCm.enable", {"disableRejectionDelay": True})

    def _on_shown(self, event: dict[str, Any]) -> None:
        self.shown.append(event)
        if not self.answer:
            return
        dialog = event["dialogId"]
        kind = event["dialogType"]
        if kind == "AccountChooser":
            self.cdp.send("FedCm.selectAccount", {"dialogId": dialog, "accountIndex": 0})
        elif kind == "ConfirmIdpLogin":
            self.cdp.send(
                "FedCm.clickDialogButton",
                {"dialogId": dialog, "dialogButton": "ConfirmIdpLoginContinue"},
            )
        elif kind == "Error":
            self.cdp.send(
                "FedCm.clickDialogButton", {"dialogId": dialog, "dialogButton": "ErrorGotIt"}
            )

    def types(self) -> list[str]:
        return [d["dialogType"] for d in self.shown]

    def wait_for(self, count: int) -> list[dict[str, Any]]:
        deadline = time.monotonic() + WAIT_MS / 1000
        while len(self.shown) < count:
            assert time.monotonic() < deadline, f"FedCM dialogs seen: {self.types()}"
            self.page.wait_for_timeout(50)  # lets Playwright deliver the CDP events
        return self.shown


def open_rp(page: Page, rp: RelyingParty, query: str = "") -> None:
    page.goto(rp.url("fedcm.html") + query)
    page.wait_for_function("window.google && google.accounts && google.accounts.id")


def raw_fedcm(page: Page, issuer: str, client_id: str) -> Any:
    """`navigator.credentials.get` straight from the page, always under a timeout."""
    script = """async ([configURL, clientId]) => {
      const timeout = new Promise((resolve) => setTimeout(() => resolve({timeout: true}), 8000));
      const call = navigator.credentials.get({identity: {providers: [
          {configURL, clientId, params: {nonce: "raw"}}]}, mediation: "required"})
        .then((c) => ({token: c.token, auto: c.isAutoSelected}),
              (e) => ({name: e.name, message: e.message, error: e.error || e.code || null}));
      return Promise.race([call, timeout]);
    }"""
    return page.evaluate(script, [issuer + "/fedcm/config.json", client_id])


@pytest.fixture(name="fedcm_page")
def fedcm_page_fixture(context: BrowserContext) -> Iterator[Page]:
    """A page in Playwright's default context: Chromium's default profile, third-party cookies
    blocked."""
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    yield page


def test_fedcm_prompt_signs_in_where_third_party_cookies_are_blocked(
    context: BrowserContext,
    fedcm_page: Page,
    signon: LiveServer,
    rp: RelyingParty,
    client: NewClient,
    user: User,
) -> None:
    page = fedcm_page
    dialogs = Dialogs(context, page)
    sign_in(page, signon.url, user)
    open_rp(page, rp)
    [response] = received(page)
    assert response["select_by"] == "fedcm"
    assert response["clientId"] == response["client_id"] == client.client.client_id
    claims = verify(response["credential"], signon, client.client.client_id, nonce=NONCE)
    assert claims["sub"] == user.sub
    assert claims["email"] == user.email
    assert claims["name"] == "Ada Lovelace"
    assert moments(page, 1) == [RETURNED]
    [chooser] = dialogs.shown
    assert chooser["dialogType"] == "AccountChooser"
    assert [a["email"] for a in chooser["accounts"]] == [user.email]
    assert chooser["accounts"][0]["loginState"] == "SignUp"  # first time: the disclosure shows
    grant = signon.run(signon.ctx.store.find_grant, user.sub, client.client.client_id)
    assert grant is not None
    assert set(GSI_SCOPES) <= set(grant.scopes)

    # The classic One Tap iframe, in this same browser, does not see the session at all.
    classic = context.new_page()
    classic.goto(rp.url("onetap.html"))
    assert moments(classic, 1) == [NO_SESSION]

    # Again: the account has consented, so the browser says "sign in", not "sign up".
    open_rp(page, rp)
    [again] = received(page)
    assert again["select_by"] == "fedcm"
    verify(again["credential"], signon, client.client.client_id, nonce=NONCE)
    assert dialogs.types() == ["AccountChooser", "AccountChooser"]
    assert dialogs.shown[1]["accounts"][0]["loginState"] == "SignIn"


def test_fedcm_without_a_session_reports_no_session(
    context: BrowserContext, fedcm_page: Page, rp: RelyingParty, client: NewClient
) -> None:
    dialogs = Dialogs(context, fedcm_page)
    open_rp(fedcm_page, rp)
    assert moments(fedcm_page, 1) == [NO_SESSION]
    assert dialogs.shown == []
    assert fedcm_page.evaluate("window.received || []") == []


def test_fedcm_refuses_an_unregistered_origin(
    context: BrowserContext, fedcm_page: Page, signon: LiveServer, rp: RelyingParty, user: User
) -> None:
    other = signon.run(create_client, signon.ctx.store, name="Elsewhere",
                       origins=["http://localhost:1"], now=int(time.time()))  # fmt: skip
    client_id = other.client.client_id
    dialogs = Dialogs(context, fedcm_page)
    sign_in(fedcm_page, signon.url, user)
    # client.js asks /gsi/status first and does not even call FedCM.
    rp.client_id = client_id
    open_rp(fedcm_page, rp)
    assert moments(fedcm_page, 1) == [["display", "unregistered_origin", False]]
    assert dialogs.shown == []
    # A page calling FedCM itself is refused by the assertion endpoint.
    result = raw_fedcm(fedcm_page, signon.url, client_id)
    assert result == {
        "name": "IdentityCredentialError",
        "message": result["message"],
        "error": "unauthorized_client",
    }
    assert dialogs.types() == ["AccountChooser", "Error"]
    assert signon.run(signon.ctx.store.find_grant, user.sub, client_id) is None


def test_cancel_closes_the_browser_dialog(
    context: BrowserContext,
    fedcm_page: Page,
    signon: LiveServer,
    rp: RelyingParty,
    client: NewClient,
    user: User,
) -> None:
    dialogs = Dialogs(context, fedcm_page, answer=False)
    sign_in(fedcm_page, signon.url, user)
    open_rp(fedcm_page, rp)
    dialogs.wait_for(1)
    fedcm_page.evaluate("google.accounts.id.cancel()")
    assert moments(fedcm_page, 1) == [["dismissed", "cancel_called", False]]
    fedcm_page.wait_for_function("document.getElementById('status').textContent === ''")
    assert fedcm_page.evaluate("window.received || []") == []


def test_login_popup_when_the_browser_thinks_the_user_is_signed_in(
    context: BrowserContext,
    fedcm_page: Page,
    signon: LiveServer,
    rp: RelyingParty,
    client: NewClient,
    user: User,
) -> None:
    """Signed in once (`Set-Login: logged-in`), then the session cookie is gone: the browser
    offers to sign in to signon in a popup (the config's login_url), which closes itself."""
    dialogs = Dialogs(context, fedcm_page)
    sign_in(fedcm_page, signon.url, user)
    context.clear_cookies()
    with context.expect_page() as popup_info:
        open_rp(fedcm_page, rp)
    popup = popup_info.value
    expect(popup.get_by_label("Email")).to_be_visible()
    fill_sign_in(popup, user)
    [response] = received(fedcm_page)
    assert response["select_by"] == "fedcm"
    verify(response["credential"], signon, client.client.client_id, nonce=NONCE)
    assert dialogs.types() == ["ConfirmIdpLogin", "AccountChooser"]


def signed_in_through_fedcm(
    context: BrowserContext,
    page: Page,
    signon: LiveServer,
    rp: RelyingParty,
    client: NewClient,
    user: User,
) -> str:
    """Sign `user` in to the RP page through FedCM, which creates the grant; the client ID."""
    Dialogs(context, page)
    sign_in(page, signon.url, user)
    open_rp(page, rp)
    received(page)
    client_id = client.client.client_id
    assert signon.run(signon.ctx.store.find_grant, user.sub, client_id) is not None
    return client_id


def test_disconnect_revokes_the_grant(
    context: BrowserContext,
    fedcm_page: Page,
    signon: LiveServer,
    rp: RelyingParty,
    client: NewClient,
    user: User,
) -> None:
    client_id = signed_in_through_fedcm(context, fedcm_page, signon, rp, client, user)
    outcome = fedcm_page.evaluate(
        """async ([configURL, clientId, accountHint]) => {
          const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 8000));
          const call = IdentityCredential.disconnect({configURL, clientId, accountHint})
            .then(() => 'disconnected', (e) => e.name + ': ' + e.message);
          return Promise.race([call, timeout]);
        }""",
        [signon.url + "/fedcm/config.json", client_id, user.email],
    )
    assert outcome == "disconnected"
    assert signon.run(signon.ctx.store.find_grant, user.sub, client_id) is None


def test_library_revoke_uses_fedcm_disconnect_where_cookies_are_blocked(
    context: BrowserContext,
    fedcm_page: Page,
    signon: LiveServer,
    rp: RelyingParty,
    client: NewClient,
    user: User,
) -> None:
    """google.accounts.id.revoke on a FedCM page: the cookie request cannot carry the session
    here (third-party cookies blocked), IdentityCredential.disconnect() can."""
    client_id = signed_in_through_fedcm(context, fedcm_page, signon, rp, client, user)
    outcome = fedcm_page.evaluate(
        """(hint) => new Promise((resolve) => {
          setTimeout(() => resolve({timeout: true}), 8000);
          google.accounts.id.revoke(hint, resolve);
        })""",
        user.email,
    )
    assert outcome == {"successful": True}
    assert signon.run(signon.ctx.store.find_grant, user.sub, client_id) is None


def test_fedcm_button_signs_in_with_the_browser_dialog(
    context: BrowserContext,
    fedcm_page: Page,
    signon: LiveServer,
    rp: RelyingParty,
    client: NewClient,
    user: User,
) -> None:
    dialogs = Dialogs(context, fedcm_page)
    sign_in(fedcm_page, signon.url, user)
    open_rp(fedcm_page, rp, "?prompt=no&button=fedcm")
    fedcm_page.get_by_role("button", name="Sign in with signon button").click()
    [response] = received(fedcm_page)
    assert response["select_by"] == "fedcm"
    assert response["state"] == "b-1"
    verify(response["credential"], signon, client.client.client_id, nonce=NONCE)
    assert dialogs.types() == ["AccountChooser"]


def test_fedcm_button_signs_in_to_signon_in_a_popup_first(
    context: BrowserContext,
    fedcm_page: Page,
    signon: LiveServer,
    rp: RelyingParty,
    client: NewClient,
    user: User,
) -> None:
    """Active mode with nobody signed in: the browser opens login_url itself."""
    dialogs = Dialogs(context, fedcm_page)
    open_rp(fedcm_page, rp, "?prompt=no&button=fedcm")
    with context.expect_page() as popup_info:
        fedcm_page.get_by_role("button", name="Sign in with signon button").click()
    fill_sign_in(popup_info.value, user)
    [response] = received(fedcm_page)
    assert response["select_by"] == "fedcm"
    claims = verify(response["credential"], signon, client.client.client_id, nonce=NONCE)
    assert claims["sub"] == user.sub
    assert dialogs.types() == ["AccountChooser"]


def test_auto_select_reauthenticates_a_returning_user(
    playwright: Playwright, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    """Auto re-authentication needs a persistent profile (the recipe, point 8); this one keeps
    Chromium's default of blocking third-party cookies."""
    with tempfile.TemporaryDirectory(prefix="signon-fedcm-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=FLAGS, headless=True
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(WAIT_MS)
            dialogs = Dialogs(context, page)
            sign_in(page, signon.url, user)
            open_rp(page, rp, "?auto_select=true")
            [first] = received(page)
            assert first["select_by"] == "fedcm"
            open_rp(page, rp, "?auto_select=true")
            [second] = received(page)
            assert second["select_by"] == "fedcm_auto"
            claims = verify(second["credential"], signon, client.client.client_id, nonce=NONCE)
            assert claims["sub"] == user.sub
            assert dialogs.types() == ["AccountChooser", "AutoReauthn"]
            # Without auto_select the browser asks again.
            open_rp(page, rp)
            [third] = received(page)
            assert third["select_by"] == "fedcm"
            assert dialogs.types()[-1] == "AccountChooser"
        finally:
            context.close()

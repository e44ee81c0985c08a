"""google.accounts.oauth2: the token client and the code client (popup and redirect)."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from signon.protocol.clients import NewClient
from signon.storage.records import User
from tests.browser.gsi_rp import RelyingParty
from tests.browser.gsi_support import (  # noqa: F401 - fixtures are found by name
    client_fixture,
    fill_sign_in,
    gsi_context_fixture,
    page_fixture,
    rp_fixture,
    sign_in,
    signon_fixture,
    user_fixture,
    verify,
)
from tests.livesrv import LiveServer

pytestmark = pytest.mark.browser
EMAIL_SCOPE = "https://www.googleapis.com/auth/userinfo.email"


def test_token_client_returns_an_access_token_and_revoke_kills_it(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    page.goto(rp.url("oauth2.html"))
    with page.context.expect_page() as popup_info:
        page.get_by_role("button", name="Get access token").click()
    popup = popup_info.value
    fill_sign_in(popup, user)
    popup.get_by_role("button", name="Allow").click()
    page.wait_for_function("window.tokenResponse !== undefined")
    token = page.evaluate("window.tokenResponse")
    assert token["access_token"].startswith("ya29.")
    assert (token["token_type"] == "Bearer" and token["expires_in"] == 3599) or token[
        "expires_in"
    ] > 0
    assert EMAIL_SCOPE in token["scope"].split()
    assert page.evaluate("[window.hasAll, window.hasAny]") == [True, True]
    info = httpx.get(signon.url + "/oauth2/v3/tokeninfo",
                     params={"access_token": token["access_token"]})  # fmt: skip
    assert info.status_code == 200 and info.json()["aud"] == client.client.client_id
    page.get_by_role("button", name="Revoke token").click()
    page.wait_for_function("window.revoked !== undefined")
    assert page.evaluate("window.revoked") == {"successful": True}
    info = httpx.get(signon.url + "/oauth2/v3/tokeninfo",
                     params={"access_token": token["access_token"]})  # fmt: skip
    assert info.status_code == 400


def test_the_page_calls_userinfo_with_the_access_token(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    """The token model's usual next step: fetch() userinfo with `Authorization: Bearer`, from
    the app's origin. The header makes Chromium send a CORS preflight first."""
    page.goto(rp.url("oauth2.html"))
    with page.context.expect_page() as popup_info:
        page.get_by_role("button", name="Get access token").click()
    fill_sign_in(popup_info.value, user)
    popup_info.value.get_by_role("button", name="Allow").click()
    page.wait_for_function("window.tokenResponse !== undefined")
    assert not rp.url("").startswith(signon.url)  # a cross-origin call
    answer = page.evaluate(
        """async (issuer) => {
            const token = window.tokenResponse.access_token;
            const info = await fetch(issuer + "/oauth2/v3/userinfo",
                                     {headers: {Authorization: "Bearer " + token}});
            const revoke = await fetch(issuer + "/revoke", {method: "POST",
                headers: {"Content-Type": "application/x-www-form-urlencoded"},
                body: "token=" + encodeURIComponent(token)});
            const after = await fetch(issuer + "/oauth2/v3/userinfo",
                                      {headers: {Authorization: "Bearer " + token}});
            return [await info.json(), revoke.status, after.status];
        }""",
        signon.url,
    )
    info, revoked, after = answer
    assert (info["sub"], info["email"], revoked, after) == (user.sub, user.email, 200, 401)


def test_token_client_reports_a_closed_popup(
    page: Page, rp: RelyingParty, client: NewClient
) -> None:
    page.goto(rp.url("oauth2.html"))
    with page.context.expect_page() as popup_info:
        page.get_by_role("button", name="Get access token").click()
    popup_info.value.close()
    page.wait_for_function("window.oauthError !== undefined")
    assert page.evaluate("window.oauthError.type") == "popup_closed"


def test_code_client_popup_code_is_exchanged_with_postmessage(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    sign_in(page, signon.url, user)
    page.goto(rp.url("oauth2.html"))
    with page.context.expect_page() as popup_info:
        page.get_by_role("button", name="Get authorization code").click()
    popup_info.value.get_by_role("button", name="Allow").click()
    page.wait_for_function("window.codeResponse !== undefined")
    response = page.evaluate("window.codeResponse")
    assert response["state"] == "code-state" and response["code"].startswith("4/")
    tokens = httpx.post(signon.url + "/token", data={
        "grant_type": "authorization_code", "code": response["code"],
        "redirect_uri": "postmessage", "client_id": client.client.client_id,
        "client_secret": client.secret})  # fmt: skip
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert body["refresh_token"].startswith("1//")
    claims = verify_id_token(body["id_token"], signon, client.client.client_id)
    assert claims["email"] == user.email


def verify_id_token(token: str, signon: LiveServer, client_id: str) -> dict[str, object]:
    from google.auth.transport import requests as google_requests
    from google.oauth2 import id_token as google_id_token

    claims: dict[str, object] = google_id_token.verify_token(
        token, google_requests.Request(), audience=client_id,
        certs_url=signon.url + "/oauth2/v1/certs")  # fmt: skip
    return claims


def test_code_client_redirect_mode_goes_to_the_registered_redirect_uri(
    page: Page, signon: LiveServer, rp: RelyingParty, client: NewClient, user: User
) -> None:
    sign_in(page, signon.url, user)
    page.goto(rp.url("oauth2.html"))
    page.get_by_role("button", name="Authorize with redirect").click()
    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_role("heading")).to_have_text("Authorized")
    params = rp.callbacks[-1]
    assert params["state"] == "redirect-state" and params["code"].startswith("4/")

"""platform.js in Chromium: the g-signin2 button, gapi.auth2 sign-in in a popup, a returning
user restored on load, sign-out of the app only, disconnect, and grantOfflineAccess codes.

The relying party's pages are served on http://localhost:PORT, a different site from signon on
127.0.0.1, as in a real deployment."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from signon.demo import DEMO_EMAIL
from signon.protocol.clients import NewClient, create_client
from signon.rp import IdTokenVerifier, OAuthClient, TokenEndpointError
from tests.browser.conftest import screenshot
from tests.browser.platformjs_site import (  # the shared fixtures, by name
    APP,
    platformjs_context,  # noqa: F401
    platformjs_persistent,  # noqa: F401
    platformjs_rp_site,  # noqa: F401
    platformjs_server,  # noqa: F401
)
from tests.browser.platformjs_site import (
    serve as serve_pages,
)
from tests.browser.popups import allow, closes, sign_in_and_allow
from tests.livesrv import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
def web_client(server: LiveServer) -> NewClient:
    return server.run(create_client, server.ctx.store, name="Photo Frame", origins=[APP],
                      now=int(time.time()))  # fmt: skip


def seed_000_page(issuer: str, client_id: str, extra: str = "") -> str:
    """Seed 000 as a reader writes it, with only the script host changed."""
    return f"""<!doctype html>
<html><head>
<meta name="google-signin-scope" content="profile email">
<meta name="google-signin-client_id" content="{client_id}">
<script src="{issuer}/js/platform.js" async defer></script>
</head><body>
<div class="g-signin2" data-onsuccess="onSignIn" data-onfailure="onFailure" data-theme="dark"></div>
<p id="who"></p><p id="failure"></p>
<a href="#" onclick="signOut();">Sign out</a>
<script>
  function onSignIn(googleUser) {{
    var profile = googleUser.getBasicProfile();
    document.getElementById('who').textContent = profile.getEmail() + ' / ' + profile.getName();
    window.idToken = googleUser.getAuthResponse().id_token;
  }}
  function onFailure(error) {{
    document.getElementById('failure').textContent = error.error;
  }}
  function signOut() {{
    var auth2 = gapi.auth2.getAuthInstance();
    auth2.signOut().then(function () {{
      document.getElementById('who').textContent = 'signed out';
    }});
  }}
</script>
{extra}
</body></html>"""


def serve(context: BrowserContext, pages: dict[str, str]) -> None:
    serve_pages(pages)


def verifier(server: LiveServer, client_id: str) -> IdTokenVerifier:
    return IdTokenVerifier(client_id, issuer=server.url, certs_url=server.url + "/oauth2/v3/certs")


def signed_in_page(
    server: LiveServer, web_client: NewClient, context: BrowserContext, extra: str = ""
) -> Page:
    serve(context, {"/": seed_000_page(server.url, web_client.client.client_id, extra)})
    page = context.new_page()
    page.goto(APP + "/")
    with context.expect_page() as popup_info:
        page.get_by_role("button", name="Sign in").click()
    popup = popup_info.value
    sign_in_and_allow(popup)
    closes(popup)
    expect(page.locator("#who")).to_have_text(DEMO_EMAIL + " / Demo User")
    return page


def test_platformjs_is_served_as_cacheable_javascript(server: LiveServer) -> None:
    for path in ("/js/platform.js", "/js/client:platform.js", "/js/platform.js?onload=start"):
        response = httpx.get(server.url + path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/javascript; charset=utf-8"
        assert response.headers["cache-control"] == "public, max-age=3600"
        assert "gapi.auth2" in response.text
    etag = httpx.get(server.url + "/js/platform.js").headers["etag"]
    again = httpx.get(server.url + "/js/platform.js", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_g_signin2_signs_in_in_a_popup_and_calls_onsuccess(
    server: LiveServer, web_client: NewClient, context: BrowserContext
) -> None:
    page = signed_in_page(server, web_client, context)
    expect(page.get_by_role("button", name="Signed in")).to_be_visible()
    token = page.evaluate("window.idToken")
    claims = verifier(server, web_client.client.client_id).verify(token)
    assert claims.email == DEMO_EMAIL
    assert claims.aud == web_client.client.client_id


def test_returning_user_is_signed_in_on_load_without_a_click(
    server: LiveServer, web_client: NewClient, context: BrowserContext
) -> None:
    page = signed_in_page(server, web_client, context)
    page.reload()
    expect(page.locator("#who")).to_have_text(DEMO_EMAIL + " / Demo User")
    assert page.evaluate("gapi.auth2.getAuthInstance().isSignedIn.get()") is True
    claims = verifier(server, web_client.client.client_id).verify(page.evaluate("window.idToken"))
    assert claims.email == DEMO_EMAIL


def test_sign_out_signs_out_of_the_app_not_of_signon(
    server: LiveServer, web_client: NewClient, context: BrowserContext
) -> None:
    page = signed_in_page(server, web_client, context)
    page.get_by_text("Sign out").click()
    expect(page.locator("#who")).to_have_text("signed out")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert page.evaluate("gapi.auth2.getAuthInstance().isSignedIn.get()") is False
    # Still signed in to signon: the next sign-in needs no password and no consent.
    with context.expect_page() as popup_info:
        page.get_by_role("button", name="Sign in").click()
    closes(popup_info.value)
    expect(page.locator("#who")).to_have_text(DEMO_EMAIL + " / Demo User")


def test_popup_closed_by_user_calls_onfailure(
    server: LiveServer, web_client: NewClient, context: BrowserContext
) -> None:
    serve(context, {"/": seed_000_page(server.url, web_client.client.client_id)})
    page = context.new_page()
    page.goto(APP + "/")
    with context.expect_page() as popup_info:
        page.get_by_role("button", name="Sign in").click()
    popup_info.value.close()
    expect(page.locator("#failure")).to_have_text("popup_closed_by_user")


def test_auth_response_fields_and_scopes(
    server: LiveServer, web_client: NewClient, context: BrowserContext
) -> None:
    page = signed_in_page(server, web_client, context)
    r = page.evaluate("""() => {
      const user = gapi.auth2.getAuthInstance().currentUser.get();
      const profile = user.getBasicProfile();
      return {basic: user.getAuthResponse(), full: user.getAuthResponse(true), id: user.getId(),
              profileId: profile.getId(), given: profile.getGivenName(),
              family: profile.getFamilyName(), image: profile.getImageUrl(),
              email: user.hasGrantedScopes('email'),
              drive: user.hasGrantedScopes('https://www.googleapis.com/auth/drive'),
              granted: user.getGrantedScopes(), hd: user.getHostedDomain(), now: Date.now()};
    }""")
    full = r["full"]
    assert set(full) >= {"access_token", "id_token", "scope", "expires_in", "first_issued_at",
                         "expires_at", "login_hint"}  # fmt: skip
    assert "access_token" not in r["basic"]  # only the basic profile was asked for
    assert r["basic"]["id_token"] == full["id_token"]
    assert 3500 < full["expires_in"] <= 3600
    assert full["expires_at"] - full["first_issued_at"] == full["expires_in"] * 1000  # ms
    assert abs(full["first_issued_at"] - r["now"]) < 60_000
    assert r["id"] == r["profileId"] == full["login_hint"]
    assert (r["given"], r["family"], r["hd"]) == ("Demo", "User", "")
    assert r["email"] is True and r["drive"] is False
    assert "https://www.googleapis.com/auth/userinfo.email" in r["granted"].split()
    info = httpx.get(server.url + "/oauth2/v3/tokeninfo",
                     params={"access_token": full["access_token"]}).json()  # fmt: skip
    assert info["aud"] == web_client.client.client_id


def test_reload_auth_response_gets_fresh_tokens_silently(
    server: LiveServer, web_client: NewClient, context: BrowserContext
) -> None:
    page = signed_in_page(server, web_client, context)
    before = page.evaluate("gapi.auth2.getAuthInstance().currentUser.get().getAuthResponse(true)")
    after = page.evaluate("gapi.auth2.getAuthInstance().currentUser.get().reloadAuthResponse()")
    assert after["access_token"] != before["access_token"]
    assert after["id_token"] != before["id_token"]
    assert after["first_issued_at"] >= before["first_issued_at"]
    assert len(context.pages) == 1  # no popup


def test_disconnect_revokes_the_grant(
    server: LiveServer, web_client: NewClient, context: BrowserContext
) -> None:
    page = signed_in_page(server, web_client, context)
    token = page.evaluate("gapi.auth2.getAuthInstance().currentUser.get().getAuthResponse(true)")
    page.evaluate("gapi.auth2.getAuthInstance().disconnect()")
    assert page.evaluate("gapi.auth2.getAuthInstance().isSignedIn.get()") is False
    info = httpx.get(server.url + "/oauth2/v3/tokeninfo",
                     params={"access_token": token["access_token"]})  # fmt: skip
    assert info.status_code == 400
    # The grant is gone: signing in again asks for consent again.
    with context.expect_page() as popup_info:
        page.get_by_role("button", name="Sign in").click()
    allow(popup_info.value)
    closes(popup_info.value)
    expect(page.locator("#who")).to_have_text(DEMO_EMAIL + " / Demo User")


def test_unregistered_origin_fails_initialisation(
    server: LiveServer, context: BrowserContext
) -> None:
    other = server.run(create_client, server.ctx.store, name="Elsewhere",
                       origins=["https://elsewhere.example"], now=int(time.time()))  # fmt: skip
    page_html = f"""<!doctype html><script src="{server.url}/js/platform.js?onload=start"></script>
<p id="out"></p><script>
function start() {{
  gapi.load('auth2', function () {{
    gapi.auth2.init({{client_id: '{other.client.client_id}'}}).then(
      function () {{ document.getElementById('out').textContent = 'ok'; }},
      function (e) {{ document.getElementById('out').textContent = e.error + ': ' + e.details; }});
  }});
}}
</script>"""
    serve(context, {"/": page_html})
    page = context.new_page()
    page.goto(APP + "/")
    expect(page.locator("#out")).to_contain_text(
        "idpiframe_initialization_failed: Not a valid origin for the client: " + APP
    )


OFFLINE_PAGE = """<!doctype html>
<script src="{issuer}/js/client:platform.js?onload=start" async defer></script>
<script>
  function start() {{
    gapi.load('auth2', function() {{
      auth2 = gapi.auth2.init({{client_id: '{client_id}'}});
    }});
  }}
</script>
<button id="signinButton">Sign in with Google</button>
<pre id="code"></pre>
<script>
  document.getElementById('signinButton').onclick = function() {{
    var prompt = new URLSearchParams(location.search).get('prompt') || undefined;
    auth2.grantOfflineAccess({{prompt: prompt}}).then(function (authResult) {{
      document.getElementById('code').textContent = authResult['code'];
    }});
  }};
</script>"""


def offline_code(page: Page, context: BrowserContext, person: Callable[[Page], Any]) -> str:
    page.locator("#code").evaluate("e => e.textContent = ''")
    with context.expect_page() as popup_info:
        page.get_by_role("button", name="Sign in with Google").click()
    person(popup_info.value)
    closes(popup_info.value)
    expect(page.locator("#code")).to_have_text(re.compile(r"^4/"))
    return str(page.locator("#code").text_content())


def test_grant_offline_access_code_needs_postmessage_and_the_secret(
    server: LiveServer, web_client: NewClient, context: BrowserContext
) -> None:
    cid, secret = web_client.client.client_id, web_client.secret
    assert secret is not None
    serve(context, {"/": OFFLINE_PAGE.format(issuer=server.url, client_id=cid)})
    page = context.new_page()
    page.goto(APP + "/")
    code = offline_code(page, context, sign_in_and_allow)
    assert page.evaluate("auth2.isSignedIn.get()") is True
    token_url = server.url + "/token"
    base = {"grant_type": "authorization_code", "code": code, "client_id": cid}
    wrong_redirect = httpx.post(token_url, data={**base, "client_secret": secret,
                                                 "redirect_uri": APP + "/"})  # fmt: skip
    assert wrong_redirect.status_code == 400
    assert wrong_redirect.json()["error"] == "redirect_uri_mismatch"
    no_secret = httpx.post(token_url, data={**base, "redirect_uri": "postmessage"})
    assert no_secret.status_code == 401
    wrong_secret = httpx.post(token_url, data={**base, "client_secret": "GOCSPX-wrong",
                                               "redirect_uri": "postmessage"})  # fmt: skip
    assert wrong_secret.json()["error"] == "invalid_client"
    client = OAuthClient(cid, secret, issuer=server.url)
    tokens = client.exchange_code(code, redirect_uri="postmessage")
    assert tokens.refresh_token is not None  # first offline consent
    assert tokens.id_token_claims is not None and tokens.id_token_claims.email == DEMO_EMAIL
    with pytest.raises(TokenEndpointError):
        client.exchange_code(code, redirect_uri="postmessage")  # single use
    # Again, already consented: the popup closes by itself, and there is no new refresh token.
    second = offline_code(page, context, lambda popup: None)
    assert client.exchange_code(second, redirect_uri="postmessage").refresh_token is None
    # prompt=consent asks again, and then a refresh token comes again.
    page.goto(APP + "/?prompt=consent")
    third = offline_code(page, context, allow)
    assert client.exchange_code(third, redirect_uri="postmessage").refresh_token is not None


def test_await_init_resolves_instead_of_recursing(
    server: LiveServer, web_client: NewClient, context: BrowserContext
) -> None:
    serve(context, {"/": seed_000_page(server.url, web_client.client.client_id)})
    page = context.new_page()
    page.goto(APP + "/")
    page.wait_for_function("window.gapi && gapi.auth2 && gapi.auth2.getAuthInstance()")
    signed_in = page.evaluate("""async () => {
      const auth = await gapi.auth2.init({client_id: document.querySelector(
          'meta[name=google-signin-client_id]').content});
      return auth.isSignedIn.get();
    }""")
    assert signed_in is False


@pytest.mark.parametrize(
    ("name", "attributes"),
    [
        ("platform-light", 'data-theme="light"'),
        ("platform-dark", 'data-theme="dark"'),
        ("platform-longtitle", 'data-longtitle="true" data-width="240" data-height="50"'),
        (
            "platform-longtitle-dark",
            'data-longtitle="true" data-theme="dark" data-width="240" data-height="50"',
        ),
    ],
)
def test_g_signin2_button_screenshots(
    server: LiveServer, web_client: NewClient, context: BrowserContext, name: str, attributes: str
) -> None:
    html = f"""<!doctype html><html><head>
<meta name="google-signin-client_id" content="{web_client.client.client_id}">
<script src="{server.url}/js/platform.js" async defer></script>
<style>body{{margin:0;padding:24px;background:#f8f9fa;font-family:sans-serif}}</style>
</head><body><div id="b" class="g-signin2" {attributes}></div></body></html>"""
    serve(context, {"/": html})
    page = context.new_page()
    page.set_viewport_size({"width": 320, "height": 110})
    page.goto(APP + "/")
    button = page.get_by_role("button", name="Sign in")
    expect(button).to_be_visible()
    screenshot(page, name)

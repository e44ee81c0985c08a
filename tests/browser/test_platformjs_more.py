"""More of platform.js in Chromium, each behaviour on a page written the way Google's docs use
it: `attachClickHandler` on a custom button, `ux_mode: 'redirect'`, the one-shot
`gapi.auth2.authorize`, `reloadAuthResponse`, `grant` / `hasGrantedScopes`, and
`gapi.signin2.render` with `onfailure`.

As in test_platformjs.py, the relying party's pages are served on http://localhost:PORT, another
site than signon on 127.0.0.1."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Dialog, Page, expect

from signon.demo import DEMO_EMAIL
from signon.protocol.clients import NewClient, create_client
from signon.rp import IdTokenVerifier, OAuthClient
from tests.browser.platformjs_site import (  # the shared fixtures, by name
    APP,
    platformjs_context,  # noqa: F401
    platformjs_persistent,  # noqa: F401
    platformjs_rp_site,  # noqa: F401
    platformjs_server,  # noqa: F401
    serve,
)
from tests.browser.popups import allow, closes, sign_in, sign_in_and_allow
from tests.livesrv import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
def web_client(server: LiveServer) -> NewClient:
    return server.run(
        create_client, server.ctx.store, name="Photo Frame", origins=[APP],
        redirect_uris=[APP + "/", APP + "/landing"], now=int(time.time()),
    )  # fmt: skip


def open_page(context: BrowserContext, path: str = "/") -> Page:
    page = context.new_page()
    page.goto(APP + path)
    return page


def verify(server: LiveServer, client_id: str, token: str) -> Any:
    verifier = IdTokenVerifier(
        client_id, issuer=server.url, certs_url=server.url + "/oauth2/v3/certs"
    )
    return verifier.verify(token)


def tokeninfo(server: LiveServer, access_token: str) -> httpx.Response:
    return httpx.get(server.url + "/oauth2/v3/tokeninfo", params={"access_token": access_token})


def popup_after(context: BrowserContext, click: Any) -> Page:
    with context.expect_page() as popup_info:
        click()
    return popup_info.value


def test_gapi_loader_names_serve_the_same_library(server: LiveServer) -> None:
    platform = httpx.get(server.url + "/js/platform.js")
    for path in ("/js/api.js", "/js/api:client.js"):
        response = httpx.get(server.url + path)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/javascript; charset=utf-8"
        assert response.content == platform.content


# ---------------------------------------------------------------- attachClickHandler

# Google's "custom Google Sign-In button" example: api:client.js loaded synchronously, startApp()
# called from the body, errors shown with alert().
CUSTOM_BUTTON_PAGE = """<html>
<head>
  <meta name="google-signin-client_id" content="{client_id}">
  <script src="{issuer}/js/api:client.js"></script>
  <script>
  var googleUser = {{}};
  var startApp = function() {{
    gapi.load('auth2', function(){{
      auth2 = gapi.auth2.init({{
        client_id: '{client_id}',
        cookiepolicy: 'single_host_origin',
      }});
      attachSignin(document.getElementById('customBtn'));
    }});
  }};

  function attachSignin(element) {{
    auth2.attachClickHandler(element, {{}},
        function(googleUser) {{
          document.getElementById('name').innerText = "Signed in: " +
              googleUser.getBasicProfile().getName();
          window.idToken = googleUser.getAuthResponse().id_token;
        }}, function(error) {{
          alert(JSON.stringify(error, undefined, 2));
        }});
  }}
  </script>
</head>
<body>
  <div id="gSignInWrapper">
    <span class="label">Sign in with:</span>
    <div id="customBtn" class="customGPlusSignIn">
      <span class="icon"></span>
      <span class="buttonText">Google</span>
    </div>
  </div>
  <div id="name"></div>
  <script>startApp();</script>
</body>
</html>"""


def test_attach_click_handler_signs_in_from_a_custom_button(
    server: LiveServer, web_client: NewClient, context: BrowserContext
) -> None:
    cid = web_client.client.client_id
    serve({"/": CUSTOM_BUTTON_PAGE.format(issuer=server.url, client_id=cid)})
    page = open_page(context)
    alerts: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        alerts.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    button = page.get_by_text("Google", exact=True)
    # Closing the popup reaches onfailure. (Waited for around the close: the alert can come
    # while close() is still answering, and a wait begun after it would miss the event.)
    popup = popup_after(context, button.click)
    with page.expect_event("dialog"):
        popup.close()
    assert '"error": "popup_closed_by_user"' in alerts[0]
    # Signing in reaches onsuccess with the GoogleUser.
    popup = popup_after(context, button.click)
    sign_in_and_allow(popup)
    closes(popup)
    expect(page.locator("#name")).to_have_text("Signed in: Demo User")
    claims = verify(server, cid, page.evaluate("window.idToken"))
    assert claims.email == DEMO_EMAIL
    assert len(alerts) == 1


# ---------------------------------------------------------------- ux_mode: 'redirect'

REDIRECT_PAGE = """<!doctype html>
<html><head>
<script src="{issuer}/js/platform.js?onload=start" async defer></script>
<script>
  function start() {{
    gapi.load('auth2', function() {{
      auth2 = gapi.auth2.init({{
        client_id: '{client_id}',
        ux_mode: 'redirect',{redirect_uri}
      }});
      auth2.then(function() {{
        if (auth2.isSignedIn.get()) {{
          var user = auth2.currentUser.get();
          document.getElementById('who').textContent = user.getBasicProfile().getEmail();
          window.idToken = user.getAuthResponse().id_token;
        }} else {{
          document.getElementById('who').textContent = 'signed out';
        }}
      }});
    }});
  }}
</script>
</head><body>
<button id="signin" onclick="auth2.signIn()">Sign in</button>
<p id="who"></p>
</body></html>"""


@pytest.mark.parametrize("landing", ["/", "/landing"])
def test_redirect_mode_signs_in_by_navigating_the_page(
    server: LiveServer, web_client: NewClient, context: BrowserContext, landing: str
) -> None:
    """Without redirect_uri the page's own URL (without its query) is the redirect URI."""
    cid = web_client.client.client_id
    explicit = f"\n        redirect_uri: '{APP}{landing}'," if landing != "/" else ""
    page_html = REDIRECT_PAGE.format(issuer=server.url, client_id=cid, redirect_uri=explicit)
    serve({"/": page_html, "/landing": page_html})
    page = open_page(context, "/?from=home")
    expect(page.locator("#who")).to_have_text("signed out")
    # The whole page goes to signon (no popup), and comes back to the redirect URI.
    with page.expect_request(re.compile(re.escape(server.url) + "/o/oauth2/v2/auth")) as request:
        page.get_by_role("button", name="Sign in").click()
    assert len(context.pages) == 1
    assert request.value.is_navigation_request() and request.value.frame == page.main_frame
    sent = httpx.URL(request.value.url).params
    assert sent["redirect_uri"] == APP + landing
    assert sent["response_type"] == "id_token token"
    sign_in_and_allow(page)
    expect(page.locator("#who")).to_have_text(DEMO_EMAIL)
    assert page.url == APP + landing  # the fragment is taken out of the address bar
    claims = verify(server, cid, page.evaluate("window.idToken"))
    assert claims.email == DEMO_EMAIL
    assert claims.nonce
    response = page.evaluate("auth2.currentUser.get().getAuthResponse(true)")
    assert response["id_token"] == page.evaluate("window.idToken")
    assert tokeninfo(server, response["access_token"]).json()["aud"] == cid


def test_redirect_response_with_a_wrong_state_is_refused(
    server: LiveServer, web_client: NewClient, context: BrowserContext
) -> None:
    """A fragment the page did not ask for (another state) does not sign anyone in."""
    cid = web_client.client.client_id
    serve({"/": REDIRECT_PAGE.format(issuer=server.url, client_id=cid, redirect_uri="")})
    page = open_page(context)
    page.get_by_role("button", name="Sign in").click()
    sign_in_and_allow(page)
    expect(page.locator("#who")).to_have_text(DEMO_EMAIL)
    forged = page.evaluate("""() => {
      const r = auth2.currentUser.get().getAuthResponse(true);
      return 'state=forged&token_type=Bearer&expires_in=3600&id_token=' + r.id_token
        + '&access_token=' + r.access_token;
    }""")
    page.evaluate("localStorage.clear()")
    context.clear_cookies()  # signed out of signon: nothing to restore but the fragment
    page.goto(APP + "/?again=1#" + forged)
    expect(page.locator("#who")).to_have_text("signed out")


# ---------------------------------------------------------------- gapi.auth2.authorize

AUTHORIZE_PAGE = """<!doctype html>
<script src="{issuer}/js/platform.js?onload=start" async defer></script>
<script>
  function start() {{ gapi.load('auth2', function() {{ window.loaded = true; }}); }}
</script>
<button id="authorize">Authorize</button>
<p id="out"></p>
<script>
  document.getElementById('authorize').onclick = function() {{
    gapi.auth2.authorize({{
      client_id: '{client_id}',
      scope: 'email profile openid',
      response_type: new URLSearchParams(location.search).get('response_type')
    }}, function(response) {{
      if (response.error) {{
        document.getElementById('out').textContent = 'error: ' + response.error;
        return;
      }}
      window.authResponse = response;
      document.getElementById('out').textContent = 'authorized';
    }});
  }};
</script>"""


def authorize_page(
    server: LiveServer, client_id: str, response_type: str, context: BrowserContext
) -> Page:
    serve({"/": AUTHORIZE_PAGE.format(issuer=server.url, client_id=client_id)})
    page = open_page(context, "/?response_type=" + response_type.replace(" ", "+"))
    page.wait_for_function("window.loaded === true")
    return page


def test_authorize_id_token_permission_calls_back_with_tokens(
    server: LiveServer, web_client: NewClient, context: BrowserContext
) -> None:
    cid = web_client.client.client_id
    page = authorize_page(server, cid, "id_token permission", context)
    button = page.get_by_role("button", name="Authorize")
    popup_after(context, button.click).close()
    expect(page.locator("#out")).to_have_text("error: popup_closed_by_user")

    popup = popup_after(context, button.click)
    sign_in_and_allow(popup)
    closes(popup)
    expect(page.locator("#out")).to_have_text("authorized")
    r = page.evaluate("[window.authResponse, Date.now(), gapi.auth2.getAuthInstance()]")
    response, now, instance = r
    assert instance is None  # one-shot: no GoogleAuth
    assert response.get("code") is None
    claims = verify(server, cid, response["id_token"])
    assert claims.email == DEMO_EMAIL
    info = tokeninfo(server, response["access_token"]).json()
    assert info["aud"] == cid
    assert "https://www.googleapis.com/auth/userinfo.email" in response["scope"].split()
    assert 3500 < response["expires_in"] <= 3600
    assert response["expires_at"] - response["first_issued_at"] == response["expires_in"] * 1000
    assert abs(response["first_issued_at"] - now) < 60_000


def test_authorize_code_is_exchanged_with_postmessage_and_the_secret(
    server: LiveServer, web_client: NewClient, context: BrowserContext
) -> None:
    cid, secret = web_client.client.client_id, web_client.secret
    assert secret is not None
    page = authorize_page(server, cid, "code", context)
    popup = popup_after(context, page.get_by_role("button", name="Authorize").click)
    sign_in_and_allow(popup)
    closes(popup)
    expect(page.locator("#out")).to_have_text("authorized")
    response = page.evaluate("window.authResponse")
    assert re.match(r"^4/", response["code"])
    assert response.get("access_token") is None and response.get("id_token") is None
    tokens = OAuthClient(cid, secret, issuer=server.url).exchange_code(
        response["code"], redirect_uri="postmessage"
    )
    assert tokens.id_token_claims is not None and tokens.id_token_claims.email == DEMO_EMAIL
    assert tokeninfo(server, tokens.access_token).json()["aud"] == cid


# ---------------------------------------------------------------- GoogleUser

SEED_000_PAGE = """<!doctype html>
<html><head>
<meta name="google-signin-scope" content="{scope}">
<meta name="google-signin-client_id" content="{client_id}">
<meta name="google-signin-fetch_basic_profile" content="{basic}">
<script src="{issuer}/js/platform.js" async defer></script>
</head><body>
<div class="g-signin2" data-onsuccess="onSignIn"></div>
<p id="who"></p>
<script>
  function onSignIn(googleUser) {{
    document.getElementById('who').textContent = googleUser.getId();
  }}
</script>
{extra}
</body></html>"""


def signed_in(
    server: LiveServer, client_id: str, context: BrowserContext, extra: str = "",
    scope: str = "profile email", basic: str = "true",
) -> Page:  # fmt: skip
    html = SEED_000_PAGE.format(
        issuer=server.url, client_id=client_id, scope=scope, basic=basic, extra=extra
    )
    serve({"/": html})
    page = open_page(context)
    popup = popup_after(context, page.get_by_role("button", name="Sign in").click)
    sign_in_and_allow(popup)
    closes(popup)
    expect(page.locator("#who")).not_to_be_empty()
    return page


RELOAD_SCRIPT = """<button id="reload">Reload</button><p id="reloaded"></p>
<script>
  document.getElementById('reload').onclick = function() {
    var user = gapi.auth2.getAuthInstance().currentUser.get();
    user.reloadAuthResponse().then(function(authResponse) {
      window.reloaded = authResponse;
      window.sameUser = gapi.auth2.getAuthInstance().currentUser.get() === user;
      document.getElementById('reloaded').textContent = 'reloaded';
    }, function(error) {
      document.getElementById('reloaded').textContent = 'error: ' + error.error;
    });
  };
</script>"""


def test_reload_auth_response_resolves_with_new_tokens_and_fails_without_a_session(
    server: LiveServer, web_client: NewClient, context: BrowserContext
) -> None:
    cid = web_client.client.client_id
    page = signed_in(server, cid, context, extra=RELOAD_SCRIPT)
    before = page.evaluate("gapi.auth2.getAuthInstance().currentUser.get().getAuthResponse(true)")
    page.get_by_role("button", name="Reload").click()
    expect(page.locator("#reloaded")).to_have_text("reloaded")
    after = page.evaluate("window.reloaded")
    assert page.evaluate("window.sameUser") is True
    assert after["access_token"] != before["access_token"]
    assert after == page.evaluate(
        "gapi.auth2.getAuthInstance().currentUser.get().getAuthResponse(true)"
    )
    claims = verify(server, cid, after["id_token"])
    assert claims.email == DEMO_EMAIL and claims.sub == after["login_hint"]
    assert tokeninfo(server, after["access_token"]).json()["aud"] == cid
    assert len(context.pages) == 1  # silently, no popup
    # Signed out of signon: nothing to reload from, and the page hears why.
    context.clear_cookies()
    page.get_by_role("button", name="Reload").click()
    expect(page.locator("#reloaded")).to_have_text("error: login_required")


# Google's reference: "var options = new gapi.auth2.SigninOptionsBuilder({'scope': ...});
# googleUser.grant(options).then(success, fail)".
GRANT_SCRIPT = """<button id="grant">Grant email</button>
<button id="grant-profile">Grant profile</button>
<p id="granted"></p>
<script>
  function show(label) {
    return function(value) {
      var user = gapi.auth2.getAuthInstance().currentUser.get();
      document.getElementById('granted').textContent = label + ': '
        + (value && value.error ? value.error : 'ok') + ' email=' + user.hasGrantedScopes('email')
        + ' profile=' + user.hasGrantedScopes('profile');
      window.grantResult = value;
    };
  }
  document.getElementById('grant').onclick = function() {
    var options = new gapi.auth2.SigninOptionsBuilder({'scope': 'email'});
    var googleUser = gapi.auth2.getAuthInstance().currentUser.get();
    googleUser.grant(options).then(show('email'), show('email'));
  };
  document.getElementById('grant-profile').onclick = function() {
    var googleUser = gapi.auth2.getAuthInstance().currentUser.get();
    googleUser.grant({scope: 'profile'}).then(show('profile'), show('profile'));
  };
</script>"""


def test_grant_asks_for_more_scopes_and_has_granted_scopes_follows(
    server: LiveServer, web_client: NewClient, context: BrowserContext
) -> None:
    cid = web_client.client.client_id
    page = signed_in(server, cid, context, extra=GRANT_SCRIPT, scope="openid", basic="false")
    user = "gapi.auth2.getAuthInstance().currentUser.get()"
    assert page.evaluate(
        f"[{user}.hasGrantedScopes('openid'), {user}.hasGrantedScopes('email')]"
    ) == [True, False]
    first = verify(server, cid, page.evaluate(f"{user}.getAuthResponse().id_token"))
    assert first.email is None
    # Cancel on the consent page: rejected with access_denied, nothing more granted.
    popup = popup_after(context, page.get_by_role("button", name="Grant email").click)
    popup.get_by_role("button", name="Cancel").click()
    closes(popup)
    expect(page.locator("#granted")).to_have_text("email: access_denied email=false profile=false")
    # Allow: resolved with the same GoogleUser, now with the email scope and claim.
    popup = popup_after(context, page.get_by_role("button", name="Grant email").click)
    allow(popup)  # the user is known (login_hint): consent only, no password
    closes(popup)
    expect(page.locator("#granted")).to_have_text("email: ok email=true profile=false")
    assert page.evaluate(f"window.grantResult === {user}") is True
    claims = verify(server, cid, page.evaluate(f"{user}.getAuthResponse().id_token"))
    assert claims.email == DEMO_EMAIL and claims.sub == first.sub
    # Plain options work too, and the earlier grant is kept (include_granted_scopes).
    popup = popup_after(context, page.get_by_role("button", name="Grant profile").click)
    allow(popup)
    closes(popup)
    expect(page.locator("#granted")).to_have_text("profile: ok email=true profile=true")
    granted = page.evaluate(f"{user}.getGrantedScopes()").split()
    assert "https://www.googleapis.com/auth/userinfo.profile" in granted
    assert "https://www.googleapis.com/auth/userinfo.email" in granted


# ---------------------------------------------------------------- gapi.signin2.render

# Google's "Building a custom Google Sign-In button" example.
RENDER_PAGE = """<html>
<head>
  <meta name="google-signin-client_id" content="{client_id}">
</head>
<body>
  <div id="my-signin2"></div>
  <p id="log"></p>
  <script>
    function onSuccess(googleUser) {{
      document.getElementById('log').textContent =
          'Logged in as: ' + googleUser.getBasicProfile().getName();
      window.idToken = googleUser.getAuthResponse().id_token;
    }}
    function onFailure(error) {{
      document.getElementById('log').textContent = 'failure: ' + error.error;
    }}
    function renderButton() {{
      gapi.signin2.render('my-signin2', {{
        'scope': 'profile email',
        'width': 240,
        'height': 50,
        'longtitle': true,
        'theme': 'dark',
        'onsuccess': onSuccess,
        'onfailure': onFailure
      }});
    }}
  </script>
  <script src="{issuer}/js/platform.js?onload=renderButton" async defer></script>
</body>
</html>"""


def test_signin2_render_calls_onfailure_when_the_popup_is_closed(
    server: LiveServer, web_client: NewClient, context: BrowserContext
) -> None:
    cid = web_client.client.client_id
    serve({"/": RENDER_PAGE.format(issuer=server.url, client_id=cid)})
    page = open_page(context)
    button = page.get_by_role("button", name="Sign in with signon")
    expect(button).to_have_css("width", "240px")
    expect(button).to_have_css("height", "50px")
    popup_after(context, button.click).close()
    expect(page.locator("#log")).to_have_text("failure: popup_closed_by_user")
    # The button still works after a failure.
    popup = popup_after(context, button.click)
    sign_in(popup)
    allow(popup)
    closes(popup)
    expect(page.locator("#log")).to_have_text("Logged in as: Demo User")
    expect(page.get_by_role("button", name="Signed in with signon")).to_be_visible()
    assert verify(server, cid, page.evaluate("window.idToken")).email == DEMO_EMAIL

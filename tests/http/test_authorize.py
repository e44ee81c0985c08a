"""The authorization endpoint /o/oauth2/v2/auth (alias /o/oauth2/auth), GET and POST: request
checks, response types and modes, redirect URI rules per client type, and the success redirect."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest

from signon.protocol.clients import NewClient
from tests.conftest import ISSUER, Harness, csrf_from
from tests.http.flows import (
    AUTH,
    CHALLENGE,
    EMAIL_SCOPE,
    ORIGIN,
    PROFILE_SCOPE,
    REDIRECT_URI,
    STATE,
    Response,
    approve,
    auth_params,
    authorize,
    authorized,
    consent_through,
    fast_harness,  # noqa: F401 - the `harness` fixture for this module
    form_post_of,
    half_hash,
    hidden_fields,
    is_consent_page,
    native_redirect,
    postmessage_of,
    redirect_of,
    sign_in_from,
    signed_in,
    verify_id_token,
)

# What Google's redirect echoes for scope=openid email profile (spec 1.3).
REDIRECT_SCOPE = f"email profile {PROFILE_SCOPE} {EMAIL_SCOPE} openid"


@pytest.fixture
def web(harness: Harness) -> NewClient:
    signed_in(harness)
    return harness.web_client()


def assert_error_page(response: Response, status: int, error: str, description: str) -> None:
    """An error page, never a redirect: the redirect URI cannot be trusted."""
    assert response.status_code == status
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    text = html.unescape(response.text)
    assert f"Error {status}: {error}" in text
    assert description in text


def redirected_error(response: Response) -> dict[str, str]:
    redirect = redirect_of(response)
    assert redirect.target == REDIRECT_URI
    return redirect.params


# -- errors shown as a page (the client or redirect URI cannot be trusted) -----------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_authorize_without_client_id_shows_400_page(
    harness: Harness, web: NewClient, method: str
) -> None:
    response = authorize(harness, auth_params(web, client_id=None), method=method)
    assert_error_page(response, 400, "invalid_request", "Missing required parameter: client_id")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_authorize_unknown_client_shows_401_page(
    harness: Harness, web: NewClient, method: str
) -> None:
    params = auth_params(web, client_id="1234-nope.apps.googleusercontent.com")
    response = authorize(harness, params, method=method)
    assert_error_page(response, 401, "invalid_client", "The OAuth client was not found.")


@pytest.mark.parametrize("redirect_uri", [None, ""])
def test_authorize_without_redirect_uri_shows_400_page(
    harness: Harness, web: NewClient, redirect_uri: str | None
) -> None:
    response = authorize(harness, auth_params(web, redirect_uri=redirect_uri))
    assert_error_page(response, 400, "invalid_request", "Missing required parameter: redirect_uri")


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://localhost:5000/callback/",  # trailing slash
        "http://localhost:5000/Callback",  # case of the path
        "http://LOCALHOST:5000/callback",  # case of the host
        "http://localhost:5001/callback",  # another port
        "http://localhost:5000/callback?next=/",  # an added query
        "https://evil.example/callback",
    ],
)
def test_authorize_unregistered_redirect_uri_shows_400_page(
    harness: Harness, web: NewClient, redirect_uri: str
) -> None:
    response = authorize(harness, auth_params(web, redirect_uri=redirect_uri))
    assert_error_page(
        response,
        400,
        "redirect_uri_mismatch",
        f"The redirect URI in the request, {redirect_uri}, does not match the ones authorized "
        "for the OAuth client.",
    )


def test_authorize_redirect_uri_mismatch_is_checked_before_other_errors(
    harness: Harness, web: NewClient
) -> None:
    params = auth_params(web, redirect_uri="https://evil.example/cb", response_type="bogus")
    response = authorize(harness, params)
    assert response.status_code == 400
    assert "location" not in response.headers


def test_authorize_repeated_parameter_is_refused_without_redirect(
    harness: Harness, web: NewClient
) -> None:
    query = "&".join(f"{k}={v}" for k, v in auth_params(web).items())
    response = harness.client.get(f"{AUTH}?{query}&state=again")
    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert "Parameter state is included more than once" in response.text


# -- errors sent back to the redirect URI, with error, state and iss ------------------------


@pytest.mark.parametrize(
    ("overrides", "error", "description"),
    [
        (
            {"response_type": None},
            "invalid_request",
            "Missing required parameter: response_type",
        ),
        (
            {"response_type": "device"},
            "unsupported_response_type",
            "Invalid response_type: device",
        ),
        (
            {"response_type": "code code2"},
            "unsupported_response_type",
            "Invalid response_type: code code2",
        ),
        ({"scope": None}, "invalid_request", "Missing required parameter: scope"),
        (
            {"scope": "openid https://www.googleapis.com/auth/drive"},
            "invalid_scope",
            "Some requested scopes were invalid. "
            "{valid=[openid], invalid=[https://www.googleapis.com/auth/drive]}",
        ),
        (
            {"prompt": "login"},
            "invalid_request",
            "Invalid parameter value for prompt: Invalid prompt: login",
        ),
        (
            {"prompt": "none consent"},
            "invalid_request",
            "Invalid parameter value for prompt: none must be used alone",
        ),
        ({"access_type": "forever"}, "invalid_request", "Invalid access_type: forever"),
        (
            {"code_challenge": CHALLENGE, "code_challenge_method": "S512"},
            "invalid_request",
            "Invalid code_challenge_method: S512",
        ),
        ({"code_challenge": "too-short"}, "invalid_request", "Invalid code_challenge"),
        (
            {"code_challenge_method": "S256"},
            "invalid_request",
            "Missing required parameter: code_challenge",
        ),
        ({"response_mode": "web_message"}, "invalid_request", "Invalid response_mode: web_message"),
    ],
)
def test_authorize_invalid_request_redirects_error_with_state_and_iss(
    harness: Harness,
    web: NewClient,
    overrides: dict[str, str | None],
    error: str,
    description: str,
) -> None:
    response = authorize(harness, auth_params(web, **overrides))
    assert response.status_code == 302
    assert redirect_of(response).params == {
        "error": error,
        "error_description": description,
        "state": STATE,
        "iss": ISSUER,
    }


def test_authorize_error_for_code_request_is_in_the_query(harness: Harness, web: NewClient) -> None:
    redirect = redirect_of(authorize(harness, auth_params(web, prompt="login")))
    assert redirect.fragment == {}
    assert redirect.query["error"] == "invalid_request"


def test_authorize_error_redirect_without_state_has_no_state(
    harness: Harness, web: NewClient
) -> None:
    response = authorize(harness, auth_params(web, state=None, prompt="login"))
    assert set(redirected_error(response)) == {"error", "error_description", "iss"}


def test_authorize_error_for_post_request_is_a_303(harness: Harness, web: NewClient) -> None:
    response = authorize(harness, auth_params(web, prompt="login"), method="POST")
    assert response.status_code == 303
    assert redirected_error(response)["error"] == "invalid_request"


def test_authorize_id_token_without_nonce_is_refused_in_the_fragment(
    harness: Harness, web: NewClient
) -> None:
    response = authorize(harness, auth_params(web, response_type="id_token"))
    redirect = redirect_of(response)
    assert redirect.query == {}
    assert redirect.fragment == {
        "error": "invalid_request",
        "error_description": "Missing required parameter: nonce",
        "state": STATE,
        "iss": ISSUER,
    }


@pytest.mark.parametrize("response_type", ["token", "id_token", "id_token token", "code id_token"])
def test_authorize_query_mode_is_refused_for_token_response_types(
    harness: Harness, web: NewClient, response_type: str
) -> None:
    params = auth_params(web, response_type=response_type, response_mode="query", nonce="n")
    redirect = redirect_of(authorize(harness, params))
    assert redirect.query == {}
    assert redirect.fragment["error"] == "invalid_request"
    assert (
        redirect.fragment["error_description"]
        == "response_mode=query is not allowed for this response_type"
    )


def test_authorize_native_client_without_pkce_is_refused(harness: Harness) -> None:
    signed_in(harness)
    ios = harness.web_client(type="ios", origins=[], redirect_uris=[])
    params = auth_params(ios, code_challenge=None, code_challenge_method=None)
    redirect = redirect_of(authorize(harness, params))
    assert redirect.target == native_redirect(ios)
    assert redirect.query == {
        "error": "invalid_request",
        "error_description": "Missing required parameter: code_challenge",
        "state": STATE,
        "iss": ISSUER,
    }


def test_authorize_native_client_cannot_use_implicit_flow(harness: Harness) -> None:
    signed_in(harness)
    ios = harness.web_client(type="ios", origins=[], redirect_uris=[])
    params = auth_params(ios, response_type="token")
    redirect = redirect_of(authorize(harness, params))
    assert redirect.fragment["error"] == "unauthorized_client"


# -- successful responses -----------------------------------------------------------------


@pytest.mark.parametrize("path", [AUTH, "/o/oauth2/auth"])
def test_authorize_code_redirect_carries_google_parameters(
    harness: Harness, web: NewClient, path: str
) -> None:
    response = consent_through(harness, authorize(harness, auth_params(web), path=path))
    redirect = redirect_of(response)
    assert redirect.target == REDIRECT_URI
    assert redirect.fragment == {}
    params = redirect.query
    assert params["code"].startswith("4/0A")
    assert params == {
        "code": params["code"],
        "state": STATE,
        "scope": REDIRECT_SCOPE,
        "authuser": "0",
        "prompt": "consent",
        "iss": ISSUER,
    }


def test_authorize_by_post_answers_with_303(harness: Harness, web: NewClient) -> None:
    first = authorize(harness, auth_params(web), method="POST")
    response = consent_through(harness, first)
    assert response.status_code == 303
    assert "code" in redirect_of(response).query


def test_authorize_state_is_echoed_verbatim(harness: Harness, web: NewClient) -> None:
    state = "a b&c=d/é?#"
    redirect = authorized(harness, web, state=state)
    assert redirect.query["state"] == state


def test_authorize_redirect_has_hd_for_hosted_domain_user(harness: Harness) -> None:
    signed_in(harness, "grace@corp.example", hd="corp.example")
    web = harness.web_client()
    assert authorized(harness, web).query["hd"] == "corp.example"


def test_authorize_scope_adds_openid_to_email(harness: Harness, web: NewClient) -> None:
    assert authorized(harness, web, scope="email").query["scope"] == f"email {EMAIL_SCOPE} openid"


def test_authorize_scope_with_long_forms_only(harness: Harness, web: NewClient) -> None:
    scope = f"{EMAIL_SCOPE} {PROFILE_SCOPE}"
    assert authorized(harness, web, scope=scope).query["scope"] == (
        f"{PROFILE_SCOPE} {EMAIL_SCOPE} openid"
    )


def test_authorize_code_in_fragment_when_asked(harness: Harness, web: NewClient) -> None:
    redirect = authorized(harness, web, response_mode="fragment")
    assert redirect.query == {}
    assert redirect.fragment["code"].startswith("4/0A")


def test_implicit_token_is_not_issued_for_a_grant_revoked_meanwhile(
    harness: Harness, web: NewClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The grant is revoked (Remove access in another tab) between the consent check and the
    token's write. The token must not be written live: access_denied instead."""
    import signon.http.authorize as http_authorize

    original = http_authorize.issue_authorization

    async def revoked_meanwhile(store: Any, keyring: Any, **kwargs: Any) -> Any:
        await store.revoke_grant(kwargs["grant"].grant_id, harness.ctx.now())
        return await original(store, keyring, **kwargs)

    assert authorized(harness, web, response_type="token").fragment["access_token"]
    monkeypatch.setattr(http_authorize, "issue_authorization", revoked_meanwhile)
    redirect = redirect_of(authorize(harness, auth_params(web, response_type="token")))
    assert redirect.fragment["error"] == "access_denied"
    assert "access_token" not in redirect.fragment


def test_authorize_token_response_is_in_the_fragment(harness: Harness, web: NewClient) -> None:
    redirect = authorized(harness, web, response_type="token")
    assert redirect.query == {}
    params = redirect.fragment
    assert params["access_token"].startswith("ya29.")
    assert params == {
        "access_token": params["access_token"],
        "token_type": "Bearer",
        "expires_in": "3599",
        "state": STATE,
        "scope": f"{EMAIL_SCOPE} {PROFILE_SCOPE} openid",
        "authuser": "0",
        "prompt": "consent",
        "iss": ISSUER,
    }


def test_authorize_id_token_response_carries_nonce(harness: Harness, web: NewClient) -> None:
    user_sub = harness.run(harness.ctx.store.find_user_by_email, "ada@example.com").sub
    redirect = authorized(harness, web, response_type="id_token", nonce="n-0S6_WzA2Mj")
    assert "access_token" not in redirect.fragment
    assert "code" not in redirect.fragment
    claims = verify_id_token(harness, redirect.fragment["id_token"], web.client.client_id)
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["sub"] == user_sub
    assert claims["azp"] == web.client.client_id
    assert "at_hash" not in claims
    assert "c_hash" not in claims


def test_authorize_id_token_token_response_binds_at_hash(harness: Harness, web: NewClient) -> None:
    redirect = authorized(harness, web, response_type="id_token token", nonce="n1")
    params = redirect.fragment
    claims = verify_id_token(harness, params["id_token"], web.client.client_id)
    assert claims["at_hash"] == half_hash(params["access_token"])
    assert claims["nonce"] == "n1"


def test_authorize_code_id_token_response_binds_c_hash(harness: Harness, web: NewClient) -> None:
    redirect = authorized(harness, web, response_type="code id_token", nonce="n2")
    assert redirect.query == {}
    params = redirect.fragment
    claims = verify_id_token(harness, params["id_token"], web.client.client_id)
    assert claims["c_hash"] == half_hash(params["code"])
    assert "at_hash" not in claims


def test_authorize_form_post_renders_a_form_to_the_redirect_uri(
    harness: Harness, web: NewClient
) -> None:
    response = consent_through(
        harness, authorize(harness, auth_params(web, response_mode="form_post"))
    )
    action, fields = form_post_of(response)
    assert action == REDIRECT_URI
    assert fields["code"].startswith("4/0A")
    assert fields["state"] == STATE
    assert fields["iss"] == ISSUER
    assert "location" not in response.headers


def test_authorize_form_post_with_id_token(harness: Harness, web: NewClient) -> None:
    params = auth_params(web, response_type="id_token", response_mode="form_post", nonce="n")
    _, fields = form_post_of(consent_through(harness, authorize(harness, params)))
    assert jwt.decode(fields["id_token"], options={"verify_signature": False})["nonce"] == "n"


def test_authorize_form_post_error_is_posted(harness: Harness, web: NewClient) -> None:
    params = auth_params(web, response_mode="form_post", prompt="login")
    action, fields = form_post_of(authorize(harness, params))
    assert action == REDIRECT_URI
    assert fields["error"] == "invalid_request"
    assert fields["state"] == STATE


# -- postmessage, loopback and native redirect URIs ---------------------------------------


def test_authorize_postmessage_from_registered_origin_posts_to_that_origin(
    harness: Harness, web: NewClient
) -> None:
    params = auth_params(web, redirect_uri="postmessage", origin=ORIGIN)
    response = consent_through(harness, authorize(harness, params))
    assert "window.opener.postMessage(message, targetOrigin)" in response.text
    message, target = postmessage_of(response)
    assert target == ORIGIN
    assert message["params"]["code"].startswith("4/0A")
    assert message["params"]["state"] == STATE


@pytest.mark.parametrize("origin", [None, "http://localhost:5001", "https://evil.example"])
def test_authorize_postmessage_without_registered_origin_shows_400_page(
    harness: Harness, web: NewClient, origin: str | None
) -> None:
    response = authorize(harness, auth_params(web, redirect_uri="postmessage", origin=origin))
    assert_error_page(response, 400, "redirect_uri_mismatch", "The redirect URI in the request")


def test_authorize_postmessage_error_is_posted_to_the_origin(
    harness: Harness, web: NewClient
) -> None:
    params = auth_params(web, redirect_uri="postmessage", origin=ORIGIN, prompt="login")
    message, target = postmessage_of(authorize(harness, params))
    assert target == ORIGIN
    assert message["params"]["error"] == "invalid_request"


@pytest.mark.parametrize(
    "redirect_uri",
    ["http://127.0.0.1:53682/", "http://localhost:8123/oauth/cb", "http://[::1]:9000"],
)
def test_authorize_desktop_client_may_use_any_loopback_port(
    harness: Harness, redirect_uri: str
) -> None:
    signed_in(harness)
    desktop = harness.web_client(type="desktop", origins=[], redirect_uris=[])
    redirect = authorized(harness, desktop, redirect_uri=redirect_uri)
    assert redirect.target == redirect_uri
    assert redirect.query["code"].startswith("4/0A")


@pytest.mark.parametrize(
    "redirect_uri",
    ["https://127.0.0.1:53682/", "http://example.com:8080/", "urn:ietf:wg:oauth:2.0:oob"],
)
def test_authorize_desktop_client_refuses_non_loopback_redirects(
    harness: Harness, redirect_uri: str
) -> None:
    signed_in(harness)
    desktop = harness.web_client(type="desktop", origins=[], redirect_uris=[])
    response = authorize(harness, auth_params(desktop, redirect_uri=redirect_uri))
    assert_error_page(response, 400, "redirect_uri_mismatch", redirect_uri)


def test_authorize_ios_client_uses_its_reversed_client_id_scheme(harness: Harness) -> None:
    signed_in(harness)
    ios = harness.web_client(type="ios", origins=[], redirect_uris=[])
    scheme = "com.googleusercontent.apps." + ios.client.client_id.split(".")[0]
    redirect = authorized(harness, ios, redirect_uri=f"{scheme}:/oauth2redirect/google")
    assert redirect.target == f"{scheme}:/oauth2redirect/google"
    assert redirect.query["code"].startswith("4/0A")


@pytest.mark.parametrize(
    "make_uri",
    [
        lambda other: native_redirect(other),  # another client's scheme
        lambda other: "http://127.0.0.1:8080/",  # loopback is not for ios clients
    ],
)
def test_authorize_ios_client_refuses_other_redirects(harness: Harness, make_uri: object) -> None:
    signed_in(harness)
    ios = harness.web_client(type="ios", origins=[], redirect_uris=[])
    other = harness.web_client(type="ios", origins=[], redirect_uris=[])
    uri = make_uri(other)  # type: ignore[operator]
    response = authorize(harness, auth_params(ios, redirect_uri=uri))
    assert_error_page(response, 400, "redirect_uri_mismatch", uri)


def test_authorize_web_client_redirect_uri_with_query_keeps_it(harness: Harness) -> None:
    signed_in(harness)
    web = harness.web_client(redirect_uris=["http://localhost:5000/cb?tenant=7"])
    response = consent_through(harness, authorize(harness, auth_params(web)))
    location = response.headers["location"]
    assert location.startswith("http://localhost:5000/cb?tenant=7&")
    assert re.search(r"[?&]code=4%2F0A", location)


# -- choosing the account -----------------------------------------------------------------

_ACCOUNT = re.compile(
    r'<a class="account" role="button" href="([^"]+)">.*?<span class="email">([^<]+)</span>',
    re.DOTALL,
)


def chooser_accounts(response: Response) -> dict[str, str]:
    """Email -> link of each account listed on a chooser page."""
    assert response.status_code == 200
    assert "Choose an account" in response.text
    return {email: html.unescape(href) for href, email in _ACCOUNT.findall(response.text)}


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def test_authorize_without_session_redirects_to_signin_with_continue(harness: Harness) -> None:
    harness.user()
    web = harness.web_client()
    params = auth_params(web)
    response = authorize(harness, params)
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert location.path == "/signin"
    back = query_of(response.headers["location"])["continue"]
    assert urlsplit(back).path == AUTH
    assert query_of(back) == params


def test_authorize_continues_after_signin_with_authuser(harness: Harness) -> None:
    harness.user()
    web = harness.web_client()
    to_signin = authorize(harness, auth_params(web))
    signed = sign_in_from(harness, to_signin.headers["location"], "ada@example.com")
    assert signed.status_code == 303
    back = signed.headers["location"]
    assert query_of(back)["authuser"] == "0"
    consent = harness.client.get(back)
    assert is_consent_page(consent)
    assert redirect_of(approve(harness, consent)).query["authuser"] == "0"


def test_authorize_two_accounts_show_chooser_listing_both(harness: Harness) -> None:
    signed_in(harness, "ada@example.com")
    signed_in(harness, "bob@example.com")
    web = harness.web_client()
    accounts = chooser_accounts(authorize(harness, auth_params(web)))
    assert set(accounts) == {"ada@example.com", "bob@example.com"}
    assert query_of(accounts["ada@example.com"])["authuser"] == "0"
    assert query_of(accounts["bob@example.com"])["authuser"] == "1"
    assert "Use another account" in authorize(harness, auth_params(web)).text


def test_authorize_choosing_second_account_signs_in_as_it(harness: Harness) -> None:
    signed_in(harness, "ada@example.com")
    bob = signed_in(harness, "bob@example.com")
    web = harness.web_client()
    params = auth_params(web, response_type="id_token", nonce="n")
    href = chooser_accounts(authorize(harness, params))["bob@example.com"]
    consent = harness.client.get(href)
    assert is_consent_page(consent)
    assert "bob@example.com" in consent.text
    redirect = redirect_of(approve(harness, consent))
    assert redirect.fragment["authuser"] == "1"
    claims = verify_id_token(harness, redirect.fragment["id_token"], web.client.client_id)
    assert claims["sub"] == bob.sub


def test_authorize_select_account_shows_chooser_for_one_account(
    harness: Harness, web: NewClient
) -> None:
    response = authorize(harness, auth_params(web, prompt="select_account"))
    assert set(chooser_accounts(response)) == {"ada@example.com"}


def test_authorize_select_account_proceeds_once_chosen(harness: Harness, web: NewClient) -> None:
    chooser = authorize(harness, auth_params(web, prompt="select_account"))
    consent = harness.client.get(chooser_accounts(chooser)["ada@example.com"])
    assert is_consent_page(consent)


@pytest.mark.parametrize("hint", ["bob@example.com", "BOB@example.com", "sub"])
def test_authorize_login_hint_picks_the_account_without_chooser(
    harness: Harness, hint: str
) -> None:
    signed_in(harness, "ada@example.com")
    bob = signed_in(harness, "bob@example.com")
    web = harness.web_client()
    consent = authorize(harness, auth_params(web, login_hint=bob.sub if hint == "sub" else hint))
    assert is_consent_page(consent)
    assert "bob@example.com" in consent.text
    assert "ada@example.com" not in consent.text
    assert redirect_of(approve(harness, consent)).query["authuser"] == "1"


def test_authorize_unmatched_login_hint_prefills_signin(harness: Harness, web: NewClient) -> None:
    response = authorize(harness, auth_params(web, login_hint="carol@example.com"))
    assert response.status_code == 302
    location = response.headers["location"]
    assert urlsplit(location).path == "/signin"
    assert query_of(location)["email"] == "carol@example.com"
    page = harness.client.get(location)
    assert 'name="email" autocomplete="username" required autofocus value="carol@example.com"' in (
        page.text
    )


def test_authorize_hd_filters_the_chooser(harness: Harness) -> None:
    signed_in(harness, "ada@corp.example", hd="corp.example")
    signed_in(harness, "carol@gmail.example")
    signed_in(harness, "bob@corp.example", hd="corp.example")
    web = harness.web_client()
    accounts = chooser_accounts(authorize(harness, auth_params(web, hd="corp.example")))
    assert set(accounts) == {"ada@corp.example", "bob@corp.example"}
    assert query_of(accounts["bob@corp.example"])["authuser"] == "2"


def test_authorize_hd_star_lists_only_hosted_accounts(harness: Harness) -> None:
    signed_in(harness, "ada@corp.example", hd="corp.example")
    signed_in(harness, "carol@gmail.example")
    signed_in(harness, "bob@other.example", hd="other.example")
    web = harness.web_client()
    accounts = chooser_accounts(authorize(harness, auth_params(web, hd="*")))
    assert set(accounts) == {"ada@corp.example", "bob@other.example"}


def test_authorize_hd_matching_one_account_skips_the_chooser(harness: Harness) -> None:
    signed_in(harness, "carol@gmail.example")
    signed_in(harness, "ada@corp.example", hd="corp.example")
    web = harness.web_client()
    consent = authorize(harness, auth_params(web, hd="corp.example"))
    assert is_consent_page(consent)
    redirect = redirect_of(approve(harness, consent))
    assert redirect.query["authuser"] == "1"
    assert redirect.query["hd"] == "corp.example"


# -- consent ------------------------------------------------------------------------------


def test_consent_page_names_the_client_and_each_permission(
    harness: Harness, web: NewClient
) -> None:
    page = authorize(harness, auth_params(web))
    assert is_consent_page(page)
    text = html.unescape(page.text)
    assert "<strong>Test app</strong> wants to access your signon account" in text
    assert "See your primary email address" in text
    assert (
        "See your personal info, including any personal info you've made publicly available" in text
    )
    assert "Associate you with your personal info on signon" in text
    assert ">Allow</button>" in text
    assert ">Cancel</button>" in text
    assert "Keep this access when you are not using the app" not in text


def test_consent_page_lists_only_the_requested_permissions(
    harness: Harness, web: NewClient
) -> None:
    text = html.unescape(authorize(harness, auth_params(web, scope="openid")).text)
    assert "Associate you with your personal info on signon" in text
    assert "See your primary email address" not in text
    assert "See your personal info" not in text


def test_consent_page_names_offline_access(harness: Harness, web: NewClient) -> None:
    page = authorize(harness, auth_params(web, access_type="offline"))
    assert "Keep this access when you are not using the app" in page.text


def test_consent_page_uses_the_project_app_name(harness: Harness, web: NewClient) -> None:
    store = harness.ctx.store
    project = harness.run(store.find_project, web.client.project)
    assert project is not None
    harness.run(store.update_project, replace(project, app_name="Shiny Notes"))
    page = authorize(harness, auth_params(web))
    assert "<strong>Shiny Notes</strong> wants to access your signon account" in page.text
    assert "Test app" not in page.text


def test_consent_cancel_redirects_access_denied(harness: Harness, web: NewClient) -> None:
    response = approve(harness, authorize(harness, auth_params(web)), action="cancel")
    assert response.status_code == 303
    assert redirect_of(response).query == {
        "error": "access_denied",
        "error_description": "The user denied the request.",
        "state": STATE,
        "iss": ISSUER,
    }


def test_consent_cancel_grants_nothing(harness: Harness, web: NewClient) -> None:
    approve(harness, authorize(harness, auth_params(web)), action="cancel")
    assert is_consent_page(authorize(harness, auth_params(web)))


def test_consent_is_remembered_for_the_same_scopes(harness: Harness, web: NewClient) -> None:
    authorized(harness, web)
    response = authorize(harness, auth_params(web))
    redirect = redirect_of(response)
    assert redirect.query["code"].startswith("4/0A")
    assert redirect.query["prompt"] == "none"


def test_consent_is_remembered_for_fewer_scopes(harness: Harness, web: NewClient) -> None:
    authorized(harness, web)
    redirect = redirect_of(authorize(harness, auth_params(web, scope="email")))
    assert redirect.query["prompt"] == "none"
    assert redirect.query["scope"] == f"email {EMAIL_SCOPE} openid"


def test_consent_is_asked_again_for_new_scopes(harness: Harness, web: NewClient) -> None:
    authorized(harness, web, scope="email")
    page = authorize(harness, auth_params(web, scope="email profile"))
    assert is_consent_page(page)
    assert "See your personal info" in html.unescape(page.text)


@pytest.mark.parametrize("extra", [{"prompt": "consent"}, {"approval_prompt": "force"}])
def test_consent_is_asked_again_when_forced(
    harness: Harness, web: NewClient, extra: dict[str, str]
) -> None:
    authorized(harness, web)
    page = authorize(harness, auth_params(web, **extra))
    assert is_consent_page(page)
    assert redirect_of(approve(harness, page)).query["prompt"] == "consent"


def test_consent_is_not_asked_again_with_approval_prompt_auto(
    harness: Harness, web: NewClient
) -> None:
    authorized(harness, web)
    redirect = redirect_of(authorize(harness, auth_params(web, approval_prompt="auto")))
    assert redirect.query["prompt"] == "none"


def test_include_granted_scopes_unions_earlier_grants(harness: Harness, web: NewClient) -> None:
    authorized(harness, web, scope="email")
    redirect = authorized(harness, web, scope="profile", include_granted_scopes="true")
    assert redirect.query["scope"] == f"profile {PROFILE_SCOPE} {EMAIL_SCOPE} openid"


def test_without_include_granted_scopes_only_requested_scopes(
    harness: Harness, web: NewClient
) -> None:
    authorized(harness, web, scope="email")
    redirect = authorized(harness, web, scope="profile")
    assert redirect.query["scope"] == f"profile {PROFILE_SCOPE} openid"


def test_consent_post_without_csrf_token_is_refused(harness: Harness, web: NewClient) -> None:
    fields = hidden_fields(authorize(harness, auth_params(web)).text)
    del fields["csrf_token"]
    response = harness.client.post(AUTH, data={**fields, "signon_action": "allow"})
    assert response.status_code == 403
    assert "location" not in response.headers
    assert is_consent_page(authorize(harness, auth_params(web)))  # nothing was granted


def test_consent_post_with_wrong_csrf_token_is_refused(harness: Harness, web: NewClient) -> None:
    fields = hidden_fields(authorize(harness, auth_params(web)).text)
    fields["csrf_token"] = "A" * 43
    response = harness.client.post(AUTH, data={**fields, "signon_action": "allow"})
    assert response.status_code == 403
    assert "location" not in response.headers
    assert is_consent_page(authorize(harness, auth_params(web)))


def test_consent_counts_only_for_the_account_it_was_shown_to(
    harness: Harness, web: NewClient
) -> None:
    grace = signed_in(harness, "grace@example.com")  # the browser now has ada (0) and grace (1)
    consent = authorize(harness, auth_params(web, authuser="0"))
    assert is_consent_page(consent) and "ada@example.com" in consent.text
    fields = hidden_fields(consent.text)
    # Another tab signs ada out: authuser 0 is grace now.
    page = harness.client.get("/signout")
    harness.client.post("/signout", data={"csrf_token": csrf_from(page.text), "authuser": "0"})
    response = harness.client.post(AUTH, data={**fields, "signon_action": "allow"})
    assert is_consent_page(response)  # grace is asked; ada's Allow is not hers
    assert "grace@example.com" in response.text
    assert harness.run(harness.ctx.store.find_grant, grace.sub, web.client.client_id) is None


def test_consent_form_cannot_be_posted_from_another_browser(
    harness: Harness, web: NewClient
) -> None:
    fields = hidden_fields(authorize(harness, auth_params(web)).text)
    harness.client.cookies.delete("signon_csrf")
    response = harness.client.post(AUTH, data={**fields, "signon_action": "allow"})
    assert response.status_code == 403


# -- prompt=none --------------------------------------------------------------------------


def test_prompt_none_without_session_is_login_required(harness: Harness) -> None:
    harness.user()
    web = harness.web_client()
    redirect = redirect_of(authorize(harness, auth_params(web, prompt="none")))
    assert redirect.query == {
        "error": "login_required",
        "error_description": "No account is signed in.",
        "state": STATE,
        "iss": ISSUER,
    }


def test_prompt_none_without_consent_is_consent_required(harness: Harness, web: NewClient) -> None:
    redirect = redirect_of(authorize(harness, auth_params(web, prompt="none")))
    assert redirect.query == {
        "error": "consent_required",
        "error_description": "The user has not granted the app the requested scopes.",
        "state": STATE,
        "iss": ISSUER,
    }


def test_prompt_none_with_new_scopes_is_consent_required(harness: Harness, web: NewClient) -> None:
    authorized(harness, web, scope="email")
    redirect = redirect_of(authorize(harness, auth_params(web, prompt="none")))
    assert redirect.query["error"] == "consent_required"


def test_prompt_none_with_two_accounts_is_interaction_required(harness: Harness) -> None:
    signed_in(harness, "ada@example.com")
    signed_in(harness, "bob@example.com")
    web = harness.web_client()
    redirect = redirect_of(authorize(harness, auth_params(web, prompt="none")))
    assert redirect.query == {
        "error": "interaction_required",
        "error_description": "More than one account is signed in; the user must choose.",
        "state": STATE,
        "iss": ISSUER,
    }


def test_prompt_none_with_unknown_login_hint_is_login_required(
    harness: Harness, web: NewClient
) -> None:
    authorized(harness, web)
    params = auth_params(web, prompt="none", login_hint="carol@example.com")
    assert redirect_of(authorize(harness, params)).query["error"] == "login_required"


def test_prompt_none_with_session_and_consent_issues_a_code(
    harness: Harness, web: NewClient
) -> None:
    authorized(harness, web)
    redirect = redirect_of(authorize(harness, auth_params(web, prompt="none")))
    assert redirect.query["code"].startswith("4/0A")
    assert redirect.query["prompt"] == "none"


def test_prompt_none_authuser_never_contradicts_login_hint_or_hd(harness: Harness) -> None:
    """prompt=none&authuser=1&login_hint=ada must not silently answer for Bob (authuser 1)."""
    signed_in(harness, "ada@example.com")
    signed_in(harness, "bob@example.com")
    web = harness.web_client()
    authorized(harness, web, login_hint="ada@example.com")
    authorized(harness, web, login_hint="bob@example.com")
    hinted = auth_params(web, prompt="none", authuser="1", login_hint="ada@example.com")
    redirect = redirect_of(authorize(harness, hinted))
    assert redirect.query["authuser"] == "0" and "code" in redirect.query  # Ada, as hinted
    gone = auth_params(web, prompt="none", authuser="1", login_hint="carol@example.com")
    assert redirect_of(authorize(harness, gone)).query["error"] == "login_required"
    domain = auth_params(web, prompt="none", authuser="1", hd="corp.example")
    assert redirect_of(authorize(harness, domain)).query["error"] == "login_required"


def test_prompt_none_with_two_accounts_and_authuser_issues_a_code(harness: Harness) -> None:
    signed_in(harness, "ada@example.com")
    signed_in(harness, "bob@example.com")
    web = harness.web_client()
    authorized(harness, web, login_hint="bob@example.com")
    redirect = redirect_of(authorize(harness, auth_params(web, prompt="none", authuser="1")))
    assert redirect.query["authuser"] == "1"
    assert "code" in redirect.query

"""The authorization endpoint /o/oauth2/v2/auth (alias /o/oauth2/auth), GET and POST: request
checks, response types and modes, redirect URI rules per client type, and the success redirect."""

from __future__ import annotations

import html
import re

import jwt
import pytest

from signon.protocol.clients import NewClient
from tests.conftest import ISSUER, Harness
from tests.http.flows import (
    AUTH,
    CHALLENGE,
    EMAIL_SCOPE,
    ORIGIN,
    PROFILE_SCOPE,
    REDIRECT_URI,
    STATE,
    Response,
    auth_params,
    authorize,
    authorized,
    consent_through,
    fast_harness,  # noqa: F401 - the `harness` fixture for this module
    form_post_of,
    half_hash,
    native_redirect,
    postmessage_of,
    redirect_of,
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


def test_authorize_without_redirect_uri_shows_400_page(harness: Harness, web: NewClient) -> None:
    response = authorize(harness, auth_params(web, redirect_uri=None))
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

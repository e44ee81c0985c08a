"""The token endpoint /token (aliases /oauth2/v4/token, /o/oauth2/token): client authentication,
the authorization_code grant with PKCE, the refresh_token grant, native cross-client tokens,
and the ID tokens it returns, with Google's status codes and error bodies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from signon.protocol.clients import NewClient
from signon.settings import SettingsError
from signon.storage.engine import RolledBack
from signon.storage.grants_sql import SqlGrants
from tests.conftest import FakeClock, Harness, harness_for, make_settings
from tests.http.flows import (
    CHALLENGE,
    EMAIL_SCOPE,
    FULL_SCOPE,
    ORIGIN,
    REDIRECT_URI,
    TOKEN,
    VERIFIER,
    Response,
    approve,
    authorize,
    consent_through,
    exchange,
    fast_harness,  # noqa: F401 - the `harness` fixture for this module
    get_code,
    half_hash,
    is_consent_page,
    postmessage_of,
    redirect_of,
    refresh,
    signed_in,
    tokens,
    userinfo,
    verify_id_token,
)
from tests.http.flows import (
    auth_params as params_for,
)

NOT_FOUND = {"error": "invalid_client", "error_description": "The OAuth client was not found."}
UNAUTHORIZED = {"error": "invalid_client", "error_description": "Unauthorized"}
BAD_GRANT = {"error": "invalid_grant", "error_description": "Bad Request"}
EXPIRED_OR_REVOKED = {
    "error": "invalid_grant",
    "error_description": "Token has been expired or revoked.",
}
OTHER_VERIFIER = "x" * 43


@pytest.fixture
def web(harness: Harness) -> NewClient:
    signed_in(harness)
    return harness.web_client()


@pytest.fixture
def ios(harness: Harness, web: NewClient) -> NewClient:
    """A public iOS client in the same project as `web`."""
    return harness.web_client(name="iOS app", type="ios", origins=[], redirect_uris=[])


def server_code_for(harness: Harness, web: NewClient, ios: NewClient) -> str:
    """Seed 003: the app's code exchange, asking for its server (`web`); the server code."""
    code = get_code(harness, ios)
    value: str = exchange(harness, ios, code, audience=web.client.client_id).json()["server_code"]
    return value


def assert_error(response: Response, status: int, body: dict[str, str]) -> None:
    assert response.status_code == status, response.text
    assert response.json() == body
    assert "no-store" in response.headers["cache-control"]


# -- a successful exchange ----------------------------------------------------------------


def test_token_exchange_returns_google_fields(harness: Harness, web: NewClient) -> None:
    response = exchange(harness, web, get_code(harness, web))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "scope", "token_type", "id_token"}
    assert body["access_token"].startswith("ya29.a0")
    assert body["expires_in"] == 3599
    assert type(body["expires_in"]) is int
    assert body["token_type"] == "Bearer"
    assert body["scope"] == FULL_SCOPE


@pytest.mark.parametrize("path", ["/token", "/oauth2/v4/token", "/o/oauth2/token"])
def test_token_endpoint_aliases_exchange_codes(harness: Harness, web: NewClient, path: str) -> None:
    response = exchange(harness, web, get_code(harness, web), path=path)
    assert response.status_code == 200
    assert response.json()["access_token"].startswith("ya29.")


def test_token_response_is_not_cacheable(harness: Harness, web: NewClient) -> None:
    response = exchange(harness, web, get_code(harness, web))
    assert "no-store" in response.headers["cache-control"]
    assert response.headers["pragma"] == "no-cache"


def test_token_error_response_is_not_cacheable(harness: Harness, web: NewClient) -> None:
    response = exchange(harness, web, "4/0Anope")
    assert response.status_code == 400
    assert "no-store" in response.headers["cache-control"]


def test_token_access_token_works_at_userinfo(harness: Harness, web: NewClient) -> None:
    body = tokens(harness, web)
    assert userinfo(harness, body["access_token"]).status_code == 200


def test_token_scope_for_email_only(harness: Harness, web: NewClient) -> None:
    assert tokens(harness, web, scope="email")["scope"] == f"{EMAIL_SCOPE} openid"


def test_token_scope_for_openid_only(harness: Harness, web: NewClient) -> None:
    assert tokens(harness, web, scope="openid")["scope"] == "openid"


# -- the ID token -------------------------------------------------------------------------


def test_token_id_token_claims(harness: Harness) -> None:
    user = signed_in(harness)
    web = harness.web_client()
    body = tokens(harness, web, scope="openid email")
    claims = verify_id_token(harness, body["id_token"], web.client.client_id)
    assert claims == {
        "iss": "http://testserver",
        "azp": web.client.client_id,
        "aud": web.client.client_id,
        "sub": user.sub,
        "email": "ada@example.com",
        "email_verified": True,
        "at_hash": half_hash(body["access_token"]),
        "iat": claims["iat"],
        "exp": claims["iat"] + 3600,
    }


def test_token_id_token_carries_the_authorization_nonce(harness: Harness, web: NewClient) -> None:
    body = tokens(harness, web, nonce="n-0S6_WzA2Mj")
    assert verify_id_token(harness, body["id_token"], web.client.client_id)["nonce"] == (
        "n-0S6_WzA2Mj"
    )


def test_token_id_token_has_profile_claims_with_profile_scope(harness: Harness) -> None:
    signed_in(
        harness,
        given_name="Ada",
        family_name="Lovelace",
        picture="https://lh3.googleusercontent.com/a/ada=s96-c",
        locale="en-GB",
    )
    web = harness.web_client()
    claims = verify_id_token(harness, tokens(harness, web)["id_token"], web.client.client_id)
    assert claims["name"] == "Ada Lovelace"
    assert claims["given_name"] == "Ada"
    assert claims["family_name"] == "Lovelace"
    assert claims["picture"] == "https://lh3.googleusercontent.com/a/ada=s96-c"
    assert claims["locale"] == "en-GB"


def test_token_id_token_without_profile_scope_has_no_profile_claims(harness: Harness) -> None:
    signed_in(harness, given_name="Ada", family_name="Lovelace")
    web = harness.web_client()
    body = tokens(harness, web, scope="openid email")
    claims = verify_id_token(harness, body["id_token"], web.client.client_id)
    assert not {"name", "given_name", "family_name", "picture", "locale"} & set(claims)


def test_token_id_token_without_email_scope_has_no_email(harness: Harness, web: NewClient) -> None:
    body = tokens(harness, web, scope="openid profile")
    claims = verify_id_token(harness, body["id_token"], web.client.client_id)
    assert "email" not in claims
    assert "email_verified" not in claims


def test_token_id_token_email_verified_false_is_a_json_boolean(harness: Harness) -> None:
    signed_in(harness, email_verified=False)
    web = harness.web_client()
    claims = verify_id_token(harness, tokens(harness, web)["id_token"], web.client.client_id)
    assert claims["email_verified"] is False


def test_token_id_token_has_hd_for_hosted_domain_user(harness: Harness) -> None:
    signed_in(harness, "grace@corp.example", hd="corp.example")
    web = harness.web_client()
    claims = verify_id_token(harness, tokens(harness, web)["id_token"], web.client.client_id)
    assert claims["hd"] == "corp.example"


def test_token_id_token_has_no_hd_for_consumer_user(harness: Harness, web: NewClient) -> None:
    claims = verify_id_token(harness, tokens(harness, web)["id_token"], web.client.client_id)
    assert "hd" not in claims


def test_token_id_token_header_names_a_published_key(harness: Harness, web: NewClient) -> None:
    header = jwt.get_unverified_header(tokens(harness, web)["id_token"])
    assert header["alg"] == "RS256"
    assert header["typ"] == "JWT"
    kids = {k["kid"] for k in harness.client.get("/oauth2/v3/certs").json()["keys"]}
    assert header["kid"] in kids


# -- client authentication ----------------------------------------------------------------


def test_token_client_secret_basic_is_accepted(harness: Harness, web: NewClient) -> None:
    assert web.secret is not None
    code = get_code(harness, web)
    response = exchange(
        harness,
        web,
        code,
        client_id=None,
        client_secret=None,
        auth=(web.client.client_id, web.secret),
    )
    assert response.status_code == 200, response.text


def test_token_basic_and_body_secret_together_are_refused(harness: Harness, web: NewClient) -> None:
    assert web.secret is not None
    code = get_code(harness, web)
    response = exchange(harness, web, code, auth=(web.client.client_id, web.secret))
    assert_error(
        response,
        400,
        {
            "error": "invalid_request",
            "error_description": "Only one client authentication method may be used",
        },
    )


def test_token_wrong_secret_is_401_unauthorized(harness: Harness, web: NewClient) -> None:
    code = get_code(harness, web)
    assert_error(exchange(harness, web, code, client_secret="GOCSPX-wrong"), 401, UNAUTHORIZED)


def test_token_wrong_secret_in_basic_is_401_unauthorized(harness: Harness, web: NewClient) -> None:
    code = get_code(harness, web)
    response = exchange(
        harness, web, code, client_id=None, client_secret=None, auth=(web.client.client_id, "no")
    )
    assert_error(response, 401, UNAUTHORIZED)
    assert response.headers["www-authenticate"] == 'Basic realm="signon"'  # RFC 6749 5.2


def test_token_wrong_secret_in_body_has_no_basic_challenge(
    harness: Harness, web: NewClient
) -> None:
    response = exchange(harness, web, get_code(harness, web), client_secret="no")
    assert_error(response, 401, UNAUTHORIZED)
    assert "www-authenticate" not in response.headers


def test_token_wrong_secret_leaves_the_code_usable(harness: Harness, web: NewClient) -> None:
    code = get_code(harness, web)
    exchange(harness, web, code, client_secret="GOCSPX-wrong")
    assert exchange(harness, web, code).status_code == 200


def test_token_web_client_without_secret_is_401(harness: Harness, web: NewClient) -> None:
    code = get_code(harness, web)
    assert_error(exchange(harness, web, code, client_secret=None), 401, UNAUTHORIZED)


def test_token_unknown_client_is_401_not_found(harness: Harness, web: NewClient) -> None:
    code = get_code(harness, web)
    response = exchange(harness, web, code, client_id="1-nope.apps.googleusercontent.com")
    assert_error(response, 401, NOT_FOUND)


def test_token_without_client_id_is_refused(harness: Harness, web: NewClient) -> None:
    code = get_code(harness, web)
    response = exchange(harness, web, code, client_id=None)
    assert_error(
        response,
        400,
        {
            "error": "invalid_request",
            "error_description": "Could not determine client ID from request.",
        },
    )


# -- grant_type, code and redirect_uri ----------------------------------------------------


def test_token_without_grant_type_is_unsupported(harness: Harness, web: NewClient) -> None:
    response = exchange(harness, web, get_code(harness, web), grant_type=None)
    assert_error(
        response,
        400,
        {"error": "unsupported_grant_type", "error_description": "Invalid grant_type: "},
    )


def test_token_unknown_grant_type_is_unsupported(harness: Harness, web: NewClient) -> None:
    response = exchange(harness, web, get_code(harness, web), grant_type="password")
    assert_error(
        response,
        400,
        {"error": "unsupported_grant_type", "error_description": "Invalid grant_type: password"},
    )


def test_token_without_code_is_invalid_request(harness: Harness, web: NewClient) -> None:
    response = exchange(harness, web, "", code=None)
    assert_error(
        response,
        400,
        {"error": "invalid_request", "error_description": "Missing required parameter: code"},
    )


def test_token_without_redirect_uri_is_invalid_request(harness: Harness, web: NewClient) -> None:
    response = exchange(harness, web, get_code(harness, web), redirect_uri=None)
    assert_error(
        response,
        400,
        {
            "error": "invalid_request",
            "error_description": "Missing required parameter: redirect_uri",
        },
    )


def test_token_unknown_code_is_invalid_grant(harness: Harness, web: NewClient) -> None:
    assert_error(exchange(harness, web, "4/0Anot-a-code"), 400, BAD_GRANT)


def test_token_code_reused_is_invalid_grant(harness: Harness, web: NewClient) -> None:
    code = get_code(harness, web)
    assert exchange(harness, web, code).status_code == 200
    assert_error(exchange(harness, web, code), 400, BAD_GRANT)


def test_token_code_reuse_revokes_the_first_access_token(harness: Harness, web: NewClient) -> None:
    code = get_code(harness, web)
    first = exchange(harness, web, code).json()
    exchange(harness, web, code)
    assert userinfo(harness, first["access_token"]).status_code == 401


def test_token_code_reuse_revokes_the_first_refresh_token(harness: Harness, web: NewClient) -> None:
    code = get_code(harness, web, access_type="offline")
    first = exchange(harness, web, code).json()
    exchange(harness, web, code)
    assert_error(refresh(harness, web, first["refresh_token"]), 400, EXPIRED_OR_REVOKED)


def test_token_code_reuse_revokes_tokens_refreshed_from_it(
    harness: Harness, web: NewClient
) -> None:
    code = get_code(harness, web, access_type="offline")
    first = exchange(harness, web, code).json()
    refreshed = refresh(harness, web, first["refresh_token"]).json()
    exchange(harness, web, code)
    assert userinfo(harness, refreshed["access_token"]).status_code == 401


def test_token_code_expires_after_ten_minutes(
    harness: Harness, web: NewClient, clock: object
) -> None:
    code = get_code(harness, web)
    harness.clock.advance(601)
    assert_error(exchange(harness, web, code), 400, BAD_GRANT)


def test_token_code_works_within_ten_minutes(harness: Harness, web: NewClient) -> None:
    code = get_code(harness, web)
    harness.clock.advance(599)
    assert exchange(harness, web, code).status_code == 200


def test_token_code_of_another_client_is_invalid_grant(harness: Harness, web: NewClient) -> None:
    other = harness.web_client(name="Other app")
    code = get_code(harness, web)
    assert_error(exchange(harness, other, code), 400, BAD_GRANT)


def test_token_code_tried_by_another_client_stays_usable(harness: Harness, web: NewClient) -> None:
    other = harness.web_client(name="Other app")
    code = get_code(harness, web)
    exchange(harness, other, code)
    assert exchange(harness, web, code).status_code == 200


def test_token_redirect_uri_mismatch(harness: Harness, web: NewClient) -> None:
    code = get_code(harness, web)
    response = exchange(harness, web, code, redirect_uri=REDIRECT_URI + "/")
    assert_error(
        response, 400, {"error": "redirect_uri_mismatch", "error_description": "Bad Request"}
    )


def test_token_redirect_uri_mismatch_leaves_the_code_usable(
    harness: Harness, web: NewClient
) -> None:
    code = get_code(harness, web)
    exchange(harness, web, code, redirect_uri="postmessage")
    assert exchange(harness, web, code).status_code == 200


def postmessage_code(harness: Harness, web: NewClient) -> str:
    params = params_for(web, redirect_uri="postmessage", origin=ORIGIN)
    message, _ = postmessage_of(consent_through(harness, authorize(harness, params)))
    code: str = message["params"]["code"]
    return code


def test_token_postmessage_code_is_exchanged_with_redirect_uri_postmessage(
    harness: Harness, web: NewClient
) -> None:
    code = postmessage_code(harness, web)
    assert exchange(harness, web, code, redirect_uri="postmessage").status_code == 200


def test_token_postmessage_code_with_the_callback_uri_is_a_mismatch(
    harness: Harness, web: NewClient
) -> None:
    code = postmessage_code(harness, web)
    response = exchange(harness, web, code, redirect_uri=REDIRECT_URI)
    assert_error(
        response, 400, {"error": "redirect_uri_mismatch", "error_description": "Bad Request"}
    )


def test_token_extra_scope_parameter_is_tolerated(harness: Harness, web: NewClient) -> None:
    # oauth2client sends scope in the exchange body (spec 1.4).
    response = exchange(harness, web, get_code(harness, web), scope="openid email")
    assert response.status_code == 200
    assert response.json()["scope"] == FULL_SCOPE


# -- PKCE ---------------------------------------------------------------------------------


def test_token_pkce_s256(harness: Harness, web: NewClient) -> None:
    code = get_code(harness, web, code_challenge=CHALLENGE, code_challenge_method="S256")
    assert exchange(harness, web, code, code_verifier=VERIFIER).status_code == 200


def test_token_pkce_plain(harness: Harness, web: NewClient) -> None:
    code = get_code(harness, web, code_challenge=VERIFIER, code_challenge_method="plain")
    assert exchange(harness, web, code, code_verifier=VERIFIER).status_code == 200


def test_token_pkce_method_defaults_to_plain(harness: Harness, web: NewClient) -> None:
    code = get_code(harness, web, code_challenge=CHALLENGE)
    wrong = exchange(harness, web, code, code_verifier=VERIFIER)  # right only for S256
    assert_error(
        wrong, 400, {"error": "invalid_grant", "error_description": "Invalid code verifier."}
    )
    assert exchange(harness, web, code, code_verifier=CHALLENGE).status_code == 200


def test_token_pkce_missing_verifier(harness: Harness, web: NewClient) -> None:
    code = get_code(harness, web, code_challenge=CHALLENGE, code_challenge_method="S256")
    assert_error(
        exchange(harness, web, code),
        400,
        {"error": "invalid_grant", "error_description": "Missing code verifier."},
    )


@pytest.mark.parametrize("verifier", [OTHER_VERIFIER, "short", CHALLENGE])
def test_token_pkce_wrong_verifier(harness: Harness, web: NewClient, verifier: str) -> None:
    code = get_code(harness, web, code_challenge=CHALLENGE, code_challenge_method="S256")
    assert_error(
        exchange(harness, web, code, code_verifier=verifier),
        400,
        {"error": "invalid_grant", "error_description": "Invalid code verifier."},
    )


def test_token_verifier_without_challenge_is_refused(harness: Harness, web: NewClient) -> None:
    code = get_code(harness, web)
    assert_error(
        exchange(harness, web, code, code_verifier=VERIFIER),
        400,
        {"error": "invalid_grant", "error_description": "code_verifier or verifier is not needed"},
    )


def test_token_empty_verifier_without_challenge_is_tolerated(
    harness: Harness, web: NewClient
) -> None:
    # Older google-auth-library-nodejs versions send `code_verifier=` (spec 1.4).
    code = get_code(harness, web)
    assert exchange(harness, web, code, code_verifier="").status_code == 200


def test_token_failed_pkce_leaves_the_code_usable(harness: Harness, web: NewClient) -> None:
    code = get_code(harness, web, code_challenge=CHALLENGE, code_challenge_method="S256")
    exchange(harness, web, code, code_verifier=OTHER_VERIFIER)
    exchange(harness, web, code)
    assert exchange(harness, web, code, code_verifier=VERIFIER).status_code == 200


def test_token_public_ios_client_exchanges_with_pkce_alone(
    harness: Harness, ios: NewClient
) -> None:
    assert ios.secret is None
    response = exchange(harness, ios, get_code(harness, ios))
    assert response.status_code == 200, response.text
    claims = verify_id_token(harness, response.json()["id_token"], ios.client.client_id)
    assert claims["azp"] == ios.client.client_id


def test_token_public_ios_client_without_verifier_is_refused(
    harness: Harness, ios: NewClient
) -> None:
    response = exchange(harness, ios, get_code(harness, ios), code_verifier=None)
    assert_error(
        response, 400, {"error": "invalid_grant", "error_description": "Missing code verifier."}
    )


def test_token_public_desktop_exchange_without_pkce_is_refused(harness: Harness) -> None:
    signed_in(harness)
    desktop = harness.web_client(type="desktop", origins=[], redirect_uris=[])
    response = exchange(harness, desktop, get_code(harness, desktop), client_secret=None)
    assert_error(response, 400, BAD_GRANT)


def test_token_public_desktop_exchange_with_pkce(harness: Harness) -> None:
    signed_in(harness)
    desktop = harness.web_client(type="desktop", origins=[], redirect_uris=[])
    code = get_code(harness, desktop, code_challenge=CHALLENGE, code_challenge_method="S256")
    response = exchange(harness, desktop, code, client_secret=None, code_verifier=VERIFIER)
    assert response.status_code == 200


# -- refresh tokens: when they are issued -------------------------------------------------


def test_token_online_access_has_no_refresh_token(harness: Harness, web: NewClient) -> None:
    assert "refresh_token" not in tokens(harness, web)


def test_token_offline_first_consent_has_a_refresh_token(harness: Harness, web: NewClient) -> None:
    body = tokens(harness, web, access_type="offline")
    assert body["refresh_token"].startswith("1//0")


def test_token_second_offline_authorization_has_no_refresh_token(
    harness: Harness, web: NewClient
) -> None:
    tokens(harness, web, access_type="offline")
    assert "refresh_token" not in tokens(harness, web, access_type="offline")


def test_token_offline_after_online_grant_asks_again_and_has_a_refresh_token(
    harness: Harness, web: NewClient
) -> None:
    tokens(harness, web)  # consented to online access only
    response = authorize(harness, params_for(web, access_type="offline"))
    assert is_consent_page(response)
    assert "Keep this access when you are not using the app" in response.text
    code = redirect_of(approve(harness, response)).params["code"]
    body = exchange(harness, web, code).json()
    assert body["refresh_token"].startswith("1//0")
    assert "refresh_token" not in tokens(harness, web, access_type="offline")


def test_token_offline_with_prompt_consent_has_a_new_refresh_token(
    harness: Harness, web: NewClient
) -> None:
    first = tokens(harness, web, access_type="offline")
    again = tokens(harness, web, access_type="offline", prompt="consent")
    assert again["refresh_token"].startswith("1//0")
    assert again["refresh_token"] != first["refresh_token"]


# -- the refresh_token grant --------------------------------------------------------------


@pytest.fixture
def offline(harness: Harness, web: NewClient) -> dict[str, str]:
    return tokens(harness, web, access_type="offline")


def test_refresh_returns_new_access_and_id_token_without_refresh_token(
    harness: Harness, web: NewClient, offline: dict[str, str]
) -> None:
    response = refresh(harness, web, offline["refresh_token"])
    assert response.status_code == 200
    assert "no-store" in response.headers["cache-control"]
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "scope", "token_type", "id_token"}
    assert body["access_token"] != offline["access_token"]
    assert body["expires_in"] == 3599
    assert body["token_type"] == "Bearer"
    assert body["scope"] == FULL_SCOPE


def test_refresh_access_token_works(
    harness: Harness, web: NewClient, offline: dict[str, str]
) -> None:
    body = refresh(harness, web, offline["refresh_token"]).json()
    assert userinfo(harness, body["access_token"]).status_code == 200


def test_refresh_id_token_is_bound_to_the_new_access_token(
    harness: Harness, web: NewClient, offline: dict[str, str]
) -> None:
    harness.clock.advance(1800)
    body = refresh(harness, web, offline["refresh_token"]).json()
    claims = verify_id_token(harness, body["id_token"], web.client.client_id)
    assert claims["at_hash"] == half_hash(body["access_token"])
    assert claims["azp"] == web.client.client_id
    assert claims["email"] == "ada@example.com"


def test_refresh_with_basic_authentication(
    harness: Harness, web: NewClient, offline: dict[str, str]
) -> None:
    assert web.secret is not None
    response = harness.client.post(
        TOKEN,
        data={"grant_type": "refresh_token", "refresh_token": offline["refresh_token"]},
        auth=(web.client.client_id, web.secret),
    )
    assert response.status_code == 200


def test_refresh_can_narrow_the_scope(
    harness: Harness, web: NewClient, offline: dict[str, str]
) -> None:
    body = refresh(harness, web, offline["refresh_token"], scope="email").json()
    assert body["scope"] == f"{EMAIL_SCOPE} openid"
    info = harness.client.get("/oauth2/v3/tokeninfo", params={"access_token": body["access_token"]})
    assert info.json()["scope"] == f"{EMAIL_SCOPE} openid"
    claims = verify_id_token(harness, body["id_token"], web.client.client_id)
    assert "email" in claims


def test_refresh_cannot_widen_the_scope(harness: Harness, web: NewClient) -> None:
    body = tokens(harness, web, scope="email", access_type="offline")
    response = refresh(harness, web, body["refresh_token"], scope="email profile")
    assert_error(
        response,
        400,
        {
            "error": "invalid_scope",
            "error_description": "Some requested scopes were not granted by the refresh token.",
        },
    )


def test_refresh_unknown_token_is_expired_or_revoked(harness: Harness, web: NewClient) -> None:
    assert_error(refresh(harness, web, "1//0nope"), 400, EXPIRED_OR_REVOKED)


def test_refresh_revoked_token_is_expired_or_revoked(
    harness: Harness, web: NewClient, offline: dict[str, str]
) -> None:
    assert (
        harness.client.post("/revoke", data={"token": offline["refresh_token"]}).status_code == 200
    )
    assert_error(refresh(harness, web, offline["refresh_token"]), 400, EXPIRED_OR_REVOKED)


def test_refresh_with_an_access_token_is_expired_or_revoked(
    harness: Harness, web: NewClient, offline: dict[str, str]
) -> None:
    assert_error(refresh(harness, web, offline["access_token"]), 400, EXPIRED_OR_REVOKED)


def test_refresh_token_of_another_client_is_unauthorized_client(
    harness: Harness, web: NewClient, offline: dict[str, str]
) -> None:
    other = harness.web_client(name="Other app")
    assert_error(
        refresh(harness, other, offline["refresh_token"]),
        401,
        {"error": "unauthorized_client", "error_description": "Unauthorized"},
    )


def test_refresh_without_refresh_token_is_invalid_request(harness: Harness, web: NewClient) -> None:
    assert_error(
        refresh(harness, web, "", refresh_token=None),
        400,
        {
            "error": "invalid_request",
            "error_description": "Missing required parameter: refresh_token",
        },
    )


def test_refresh_with_wrong_secret_is_401(
    harness: Harness, web: NewClient, offline: dict[str, str]
) -> None:
    response = refresh(harness, web, offline["refresh_token"], client_secret="GOCSPX-wrong")
    assert_error(response, 401, UNAUTHORIZED)


# -- native cross-client: an ios client asks for tokens for its project's server ---------


def test_native_audience_gives_id_token_for_the_server_client(
    harness: Harness, web: NewClient, ios: NewClient
) -> None:
    code = get_code(harness, ios)
    response = exchange(harness, ios, code, audience=web.client.client_id)
    assert response.status_code == 200, response.text
    body = response.json()
    claims = verify_id_token(harness, body["id_token"], web.client.client_id)
    assert claims["aud"] == web.client.client_id
    assert claims["azp"] == ios.client.client_id
    assert body["server_code"].startswith("4/0A")


def test_native_server_code_is_exchanged_by_the_server_with_its_secret(
    harness: Harness, web: NewClient, ios: NewClient
) -> None:
    server_code = server_code_for(harness, web, ios)
    response = exchange(harness, web, server_code, redirect_uri="")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["refresh_token"].startswith("1//0")
    claims = verify_id_token(harness, body["id_token"], web.client.client_id)
    assert claims["azp"] == ios.client.client_id
    assert refresh(harness, web, body["refresh_token"]).status_code == 200


def test_native_server_code_is_single_use(harness: Harness, web: NewClient, ios: NewClient) -> None:
    server_code = server_code_for(harness, web, ios)
    assert exchange(harness, web, server_code, redirect_uri="").status_code == 200
    assert_error(exchange(harness, web, server_code, redirect_uri=""), 400, BAD_GRANT)


def test_replayed_native_code_revokes_the_servers_tokens_too(
    harness: Harness, web: NewClient, ios: NewClient
) -> None:
    """The server code came from the native code's exchange: one authorization, one family. A
    replay of the native code (someone else has it) revokes what both exchanges issued."""
    code = get_code(harness, ios)
    first = exchange(harness, ios, code, audience=web.client.client_id).json()
    server = exchange(harness, web, first["server_code"], redirect_uri="").json()
    assert_error(exchange(harness, ios, code, audience=web.client.client_id), 400, BAD_GRANT)
    assert userinfo(harness, first["access_token"]).status_code == 401
    assert userinfo(harness, server["access_token"]).status_code == 401
    assert_error(refresh(harness, web, server["refresh_token"]), 400, EXPIRED_OR_REVOKED)


def test_replayed_native_code_burns_its_unredeemed_server_code(
    harness: Harness, web: NewClient, ios: NewClient
) -> None:
    code = get_code(harness, ios)
    server_code = exchange(harness, ios, code, audience=web.client.client_id).json()["server_code"]
    assert_error(exchange(harness, ios, code, audience=web.client.client_id), 400, BAD_GRANT)
    assert_error(exchange(harness, web, server_code, redirect_uri=""), 400, BAD_GRANT)


def test_replayed_server_code_revokes_the_native_tokens_too(
    harness: Harness, web: NewClient, ios: NewClient
) -> None:
    code = get_code(harness, ios)
    first = exchange(harness, ios, code, audience=web.client.client_id).json()
    assert exchange(harness, web, first["server_code"], redirect_uri="").status_code == 200
    assert_error(exchange(harness, web, first["server_code"], redirect_uri=""), 400, BAD_GRANT)
    assert userinfo(harness, first["access_token"]).status_code == 401


def test_an_exchange_run_again_answers_with_the_tokens_it_saved(
    harness: Harness, web: NewClient, ios: NewClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store runs a transaction again when PostgreSQL rolls it back (a deadlock). The
    exchange's minting runs twice; the answer must carry the second run's tokens and server
    code (the saved ones), not the first run's, which were rolled back."""
    real = SqlGrants._cap_refresh_tokens
    calls: list[int] = []

    def roll_back_once(*args: Any) -> None:  # a staticmethod's arguments
        calls.append(1)
        if len(calls) == 1:
            raise RolledBack("deadlock detected")
        real(*args)

    monkeypatch.setattr(SqlGrants, "_cap_refresh_tokens", staticmethod(roll_back_once))
    code = get_code(harness, ios)
    body = exchange(harness, ios, code, audience=web.client.client_id).json()
    assert len(calls) == 2  # the transaction did run twice
    assert userinfo(harness, body["access_token"]).status_code == 200
    assert refresh(harness, ios, body["refresh_token"]).status_code == 200
    server = exchange(harness, web, body["server_code"], redirect_uri="")
    assert server.status_code == 200, server.text


def test_native_server_code_needs_the_server_secret(
    harness: Harness, web: NewClient, ios: NewClient
) -> None:
    server_code = server_code_for(harness, web, ios)
    response = exchange(harness, web, server_code, redirect_uri="", client_secret="GOCSPX-no")
    assert_error(response, 401, UNAUTHORIZED)


def test_native_without_audience_has_no_server_code(harness: Harness, ios: NewClient) -> None:
    body = exchange(harness, ios, get_code(harness, ios)).json()
    assert "server_code" not in body


@pytest.mark.parametrize("redirect_uri", ["", "postmessage", "http://localhost:5000/callback"])
def test_native_server_code_takes_each_redirect_uri_seed_003_uses(
    harness: Harness, web: NewClient, ios: NewClient, redirect_uri: str
) -> None:
    """Seed 003: the Java sample passes the web app's redirect URI (or an empty string), the
    Python one oauth2client's default "postmessage". The code never went through a redirect."""
    server_code = server_code_for(harness, web, ios)
    response = exchange(harness, web, server_code, redirect_uri=redirect_uri)
    assert response.status_code == 200, response.text
    assert response.json()["refresh_token"].startswith("1//0")


def test_native_server_code_refuses_a_redirect_uri_the_server_did_not_register(
    harness: Harness, web: NewClient, ios: NewClient
) -> None:
    server_code = server_code_for(harness, web, ios)
    response = exchange(harness, web, server_code, redirect_uri="https://evil.example/cb")
    assert_error(
        response, 400, {"error": "redirect_uri_mismatch", "error_description": "Bad Request"}
    )
    assert exchange(harness, web, server_code, redirect_uri="").status_code == 200  # unburnt


@pytest.mark.parametrize("redirect_uri", ["", "postmessage"])
def test_a_web_code_still_needs_its_exact_redirect_uri(
    harness: Harness, web: NewClient, redirect_uri: str
) -> None:
    response = exchange(harness, web, get_code(harness, web), redirect_uri=redirect_uri)
    assert_error(
        response, 400, {"error": "redirect_uri_mismatch", "error_description": "Bad Request"}
    )


@pytest.mark.parametrize("kind", ["ios", "android", "desktop"])
def test_installed_apps_get_a_refresh_token_with_every_code(
    harness: Harness, web: NewClient, kind: str
) -> None:
    """GoogleSignIn-iOS sends no access_type and keeps the refresh token in the keychain: an
    installed app is an offline client, and each sign-in (consent asked or not) brings one."""
    app = harness.web_client(name=f"{kind} app", type=kind, origins=[], redirect_uris=[])
    first = exchange(harness, app, get_code(harness, app, access_type=None))
    again = exchange(harness, app, get_code(harness, app, access_type=None))  # no consent now
    for response in (first, again):
        assert response.status_code == 200, response.text
        assert response.json()["refresh_token"].startswith("1//0")
    assert refresh(harness, app, again.json()["refresh_token"]).status_code == 200


def test_native_refresh_with_audience_gives_id_token_for_the_server(
    harness: Harness, web: NewClient, ios: NewClient
) -> None:
    """GoogleSignIn-iOS re-sends audience=<server client ID> with each refresh: the refreshed
    ID token must still be one the backend accepts (aud = server, azp = the app)."""
    code = get_code(harness, ios)
    first = exchange(harness, ios, code, audience=web.client.client_id).json()
    response = refresh(harness, ios, first["refresh_token"], audience=web.client.client_id)
    assert response.status_code == 200, response.text
    claims = verify_id_token(harness, response.json()["id_token"], web.client.client_id)
    assert (claims["aud"], claims["azp"]) == (web.client.client_id, ios.client.client_id)
    plain = refresh(harness, ios, first["refresh_token"]).json()
    claims = verify_id_token(harness, plain["id_token"], ios.client.client_id)
    assert (claims["aud"], claims["azp"]) == (ios.client.client_id, ios.client.client_id)


INVALID_AUDIENCE = {
    "error": "invalid_audience",
    "error_description": "Audience is not a valid client ID.",
}


def test_native_audience_of_another_project_is_invalid(harness: Harness, ios: NewClient) -> None:
    stranger = harness.web_client(name="Stranger", project="elsewhere")
    response = exchange(harness, ios, get_code(harness, ios), audience=stranger.client.client_id)
    assert_error(response, 400, INVALID_AUDIENCE)


def test_native_unknown_audience_is_invalid(harness: Harness, ios: NewClient) -> None:
    response = exchange(
        harness, ios, get_code(harness, ios), audience="1-nope.apps.googleusercontent.com"
    )
    assert_error(response, 400, INVALID_AUDIENCE)


def test_native_audience_must_be_a_web_client(harness: Harness, ios: NewClient) -> None:
    other_ios = harness.web_client(name="Other iOS", type="ios", origins=[], redirect_uris=[])
    response = exchange(harness, ios, get_code(harness, ios), audience=other_ios.client.client_id)
    assert_error(response, 400, INVALID_AUDIENCE)


def test_web_client_cannot_ask_for_another_audience(harness: Harness, web: NewClient) -> None:
    sibling = harness.web_client(name="Sibling")
    response = exchange(harness, web, get_code(harness, web), audience=sibling.client.client_id)
    assert_error(response, 400, INVALID_AUDIENCE)


def test_native_invalid_audience_leaves_the_code_usable(harness: Harness, ios: NewClient) -> None:
    code = get_code(harness, ios)
    exchange(harness, ios, code, audience="1-nope.apps.googleusercontent.com")
    assert exchange(harness, ios, code).status_code == 200


# -- refresh token lifecycle: idle expiry and the per-user, per-client cap --------------------

SIX_MONTHS = 183 * 24 * 3600  # Settings.refresh_token_idle_seconds


def test_refresh_token_unused_for_six_months_stops_working(
    harness: Harness, web: NewClient, offline: dict[str, str]
) -> None:
    harness.clock.advance(SIX_MONTHS - 1)
    assert refresh(harness, web, offline["refresh_token"]).status_code == 200
    harness.clock.advance(SIX_MONTHS - 1)  # counted from that last use, not from issue
    assert refresh(harness, web, offline["refresh_token"]).status_code == 200
    harness.clock.advance(SIX_MONTHS)
    assert_error(refresh(harness, web, offline["refresh_token"]), 400, EXPIRED_OR_REVOKED)


def test_refresh_token_never_used_expires_six_months_after_issue(
    harness: Harness, web: NewClient, offline: dict[str, str]
) -> None:
    harness.clock.advance(SIX_MONTHS)
    assert_error(refresh(harness, web, offline["refresh_token"]), 400, EXPIRED_OR_REVOKED)


@pytest.fixture
def capped(tmp_path: Path, clock: FakeClock) -> Iterator[Harness]:
    settings = make_settings(f"sqlite:///{tmp_path}/capped.db", refresh_tokens_per_client=2)
    with harness_for(settings, clock) as h:
        yield h


def test_refresh_tokens_over_the_cap_invalidate_the_oldest(capped: Harness) -> None:
    signed_in(capped)
    web, other = capped.web_client(), capped.web_client(name="Other app")
    other_token = tokens(capped, other, access_type="offline")["refresh_token"]
    issued = []
    for _ in range(4):
        capped.clock.advance(1)
        body = tokens(capped, web, access_type="offline", prompt="consent")
        issued.append(body["refresh_token"])
    statuses = [refresh(capped, web, value).status_code for value in issued]
    assert statuses == [400, 400, 200, 200]  # the two newest survive, silently
    assert refresh(capped, other, other_token).status_code == 200  # per client


def test_refresh_token_lifecycle_settings_are_checked() -> None:
    with pytest.raises(SettingsError, match="SIGNON_REFRESH_TOKENS_PER_CLIENT: must be at least 1"):
        make_settings("sqlite:///x.db", refresh_tokens_per_client=0)
    with pytest.raises(SettingsError, match="SIGNON_REFRESH_TOKEN_IDLE_SECONDS: must be at least"):
        make_settings("sqlite:///x.db", refresh_token_idle_seconds=60)


def test_native_refresh_with_an_audience_of_another_project_is_invalid(
    harness: Harness, ios: NewClient
) -> None:
    stranger = harness.web_client(name="Stranger", project="elsewhere")
    body = exchange(harness, ios, get_code(harness, ios)).json()
    response = refresh(harness, ios, body["refresh_token"], audience=stranger.client.client_id)
    assert_error(response, 400, INVALID_AUDIENCE)


def test_a_web_client_cannot_refresh_for_another_audience(harness: Harness, web: NewClient) -> None:
    other = harness.web_client(name="Sibling")
    body = tokens(harness, web, access_type="offline")
    response = refresh(harness, web, body["refresh_token"], audience=other.client.client_id)
    assert_error(response, 400, INVALID_AUDIENCE)

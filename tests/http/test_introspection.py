"""Revocation (/revoke, /o/oauth2/revoke), tokeninfo (/oauth2/v3/tokeninfo, /tokeninfo) and
userinfo (/oauth2/v3/userinfo, /v1/userinfo) in Google's response shapes."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from signon.http.introspection import BROWSER_PATHS
from signon.protocol.clients import NewClient
from signon.storage.records import User
from tests.conftest import ISSUER, Harness
from tests.http.flows import (
    EMAIL_SCOPE,
    FULL_SCOPE,
    Response,
    auth_params,
    authorize,
    fast_harness,  # noqa: F401 - the `harness` fixture for this module
    half_hash,
    is_consent_page,
    refresh,
    signed_in,
    tokens,
    userinfo,
)

INVALID_VALUE = {"error": "invalid_token", "error_description": "Invalid Value"}
INVALID_CREDENTIALS = {"error": "invalid_request", "error_description": "Invalid Credentials"}
EXPIRED_OR_REVOKED = {
    "error": "invalid_grant",
    "error_description": "Token has been expired or revoked.",
}


@pytest.fixture
def user(harness: Harness) -> User:
    return signed_in(
        harness,
        given_name="Ada",
        family_name="Lovelace",
        picture="https://lh3.googleusercontent.com/a/ada=s96-c",
        locale="en",
    )


@pytest.fixture
def web(harness: Harness, user: User) -> NewClient:
    return harness.web_client()


@pytest.fixture
def offline(harness: Harness, web: NewClient) -> dict[str, str]:
    return tokens(harness, web, access_type="offline")


def tokeninfo(harness: Harness, path: str = "/oauth2/v3/tokeninfo", **params: str) -> Response:
    return harness.client.get(path, params=params)


def assert_invalid_value(response: Response) -> None:
    assert response.status_code == 400
    assert response.json() == INVALID_VALUE


def assert_invalid_credentials(response: Response) -> None:
    assert response.status_code == 401
    assert response.json() == INVALID_CREDENTIALS
    assert response.headers["www-authenticate"].startswith("Bearer ")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# -- revocation ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/revoke", "/o/oauth2/revoke"])
def test_revoke_access_token_in_body(harness: Harness, offline: dict[str, str], path: str) -> None:
    response = harness.client.post(path, data={"token": offline["access_token"]})
    assert response.status_code == 200
    assert_invalid_credentials(userinfo(harness, offline["access_token"]))


def test_revoke_access_token_kills_its_refresh_token(
    harness: Harness, web: NewClient, offline: dict[str, str]
) -> None:
    harness.client.post("/revoke", data={"token": offline["access_token"]})
    response = refresh(harness, web, offline["refresh_token"])
    assert response.status_code == 400
    assert response.json() == EXPIRED_OR_REVOKED


def test_revoke_refresh_token_kills_its_access_token(
    harness: Harness, web: NewClient, offline: dict[str, str]
) -> None:
    response = harness.client.post("/revoke", data={"token": offline["refresh_token"]})
    assert response.status_code == 200
    assert_invalid_credentials(userinfo(harness, offline["access_token"]))
    assert refresh(harness, web, offline["refresh_token"]).status_code == 400


def test_revoke_by_get_with_token_in_query(harness: Harness, offline: dict[str, str]) -> None:
    response = harness.client.get("/o/oauth2/revoke", params={"token": offline["access_token"]})
    assert response.status_code == 200
    assert_invalid_credentials(userinfo(harness, offline["access_token"]))


def test_revoke_by_post_with_token_in_query_and_empty_body(
    harness: Harness, offline: dict[str, str]
) -> None:
    # google-auth-library-nodejs posts to .../revoke?token=... with an empty body.
    response = harness.client.post(
        "/revoke",
        params={"token": offline["refresh_token"]},
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert_invalid_credentials(userinfo(harness, offline["access_token"]))


def test_revoke_removes_the_consent(harness: Harness, web: NewClient) -> None:
    body = tokens(harness, web)
    harness.client.post("/revoke", data={"token": body["access_token"]})
    assert is_consent_page(authorize(harness, auth_params(web)))


def test_revoke_leaves_other_clients_tokens_alone(harness: Harness, web: NewClient) -> None:
    other = harness.web_client(name="Other app")
    mine, theirs = tokens(harness, web), tokens(harness, other)
    harness.client.post("/revoke", data={"token": mine["access_token"]})
    assert userinfo(harness, theirs["access_token"]).status_code == 200


def test_revoke_unknown_token_is_400_invalid_token(harness: Harness) -> None:
    response = harness.client.post("/revoke", data={"token": "ya29.nope"})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_token",
        "error_description": "Token expired or revoked",
    }


def test_revoke_twice_is_400_the_second_time(harness: Harness, offline: dict[str, str]) -> None:
    assert harness.client.post("/revoke", data={"token": offline["access_token"]}).status_code == (
        200
    )
    response = harness.client.post("/revoke", data={"token": offline["access_token"]})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_token"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_revoke_without_token_is_400(harness: Harness, method: str) -> None:
    response = harness.client.request(method, "/revoke")
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "Missing required parameter: token",
    }


# -- tokeninfo for ID tokens --------------------------------------------------------------


@pytest.mark.parametrize("path", ["/oauth2/v3/tokeninfo", "/tokeninfo", "/oauth2/v1/tokeninfo"])
def test_tokeninfo_id_token_gives_claims_and_header_as_strings(
    harness: Harness, user: User, web: NewClient, path: str
) -> None:
    body = tokens(harness, web, scope="openid email")
    response = tokeninfo(harness, path, id_token=body["id_token"])
    assert response.status_code == 200
    now = int(harness.clock())
    assert response.json() == {
        "iss": ISSUER,
        "azp": web.client.client_id,
        "aud": web.client.client_id,
        "sub": user.sub,
        "email": "ada@example.com",
        "email_verified": "true",
        "at_hash": half_hash(body["access_token"]),
        "iat": str(now),
        "exp": str(now + 3600),
        "alg": "RS256",
        "kid": jwt.get_unverified_header(body["id_token"])["kid"],
        "typ": "JWT",
    }


def test_tokeninfo_id_token_by_post(harness: Harness, web: NewClient) -> None:
    id_token = tokens(harness, web)["id_token"]
    response = harness.client.post("/oauth2/v3/tokeninfo", data={"id_token": id_token})
    assert response.status_code == 200
    assert response.json()["email_verified"] == "true"


def test_tokeninfo_id_token_unverified_email_is_the_string_false(harness: Harness) -> None:
    signed_in(harness, "bob@example.com", email_verified=False)
    web = harness.web_client()
    info = tokeninfo(harness, id_token=tokens(harness, web)["id_token"]).json()
    assert info["email_verified"] == "false"


def test_tokeninfo_id_token_profile_claims_are_strings(harness: Harness, web: NewClient) -> None:
    info = tokeninfo(harness, id_token=tokens(harness, web)["id_token"]).json()
    assert info["name"] == "Ada Lovelace"
    assert info["locale"] == "en"
    assert all(isinstance(v, str) for v in info.values())


def test_tokeninfo_id_token_valid_until_it_expires(harness: Harness, web: NewClient) -> None:
    id_token = tokens(harness, web)["id_token"]
    harness.clock.advance(3599)
    assert tokeninfo(harness, id_token=id_token).status_code == 200


def test_tokeninfo_expired_id_token_is_invalid_value(harness: Harness, web: NewClient) -> None:
    id_token = tokens(harness, web)["id_token"]
    harness.clock.advance(3600)
    assert_invalid_value(tokeninfo(harness, id_token=id_token))


def test_tokeninfo_id_token_with_tampered_signature_is_invalid_value(
    harness: Harness, web: NewClient
) -> None:
    header, payload, signature = tokens(harness, web)["id_token"].split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    forged = f"{header}.{payload}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"
    assert_invalid_value(tokeninfo(harness, id_token=forged))


def test_tokeninfo_id_token_with_tampered_claims_is_invalid_value(
    harness: Harness, web: NewClient
) -> None:
    id_token = tokens(harness, web)["id_token"]
    header, _, signature = id_token.split(".")
    claims = jwt.decode(id_token, options={"verify_signature": False})
    claims["email"] = "mallory@example.com"
    assert_invalid_value(tokeninfo(harness, id_token=f"{header}.{b64(claims)}.{signature}"))


def test_tokeninfo_unsigned_id_token_is_invalid_value(harness: Harness, web: NewClient) -> None:
    id_token = tokens(harness, web)["id_token"]
    claims = jwt.decode(id_token, options={"verify_signature": False})
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    assert_invalid_value(tokeninfo(harness, id_token=unsigned))


def test_tokeninfo_id_token_signed_by_another_key_is_invalid_value(
    harness: Harness, web: NewClient
) -> None:
    id_token = tokens(harness, web)["id_token"]
    kid = jwt.get_unverified_header(id_token)["kid"]
    claims = jwt.decode(id_token, options={"verify_signature": False})
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
    assert_invalid_value(tokeninfo(harness, id_token=forged))


@pytest.mark.parametrize("value", ["garbage", "a.b.c", "ya29.not-an-id-token"])
def test_tokeninfo_malformed_id_token_is_invalid_value(harness: Harness, value: str) -> None:
    assert_invalid_value(tokeninfo(harness, id_token=value))


def test_tokeninfo_without_token_is_invalid_value(harness: Harness) -> None:
    assert_invalid_value(tokeninfo(harness))


# -- tokeninfo for access tokens ----------------------------------------------------------


def test_tokeninfo_access_token_fields_are_strings(
    harness: Harness, user: User, web: NewClient
) -> None:
    access = tokens(harness, web, scope="openid email")["access_token"]
    now = int(harness.clock())
    response = tokeninfo(harness, access_token=access)
    assert response.status_code == 200
    assert response.json() == {
        "azp": web.client.client_id,
        "aud": web.client.client_id,
        "sub": user.sub,
        "scope": f"{EMAIL_SCOPE} openid",
        "exp": str(now + 3599),
        "expires_in": "3599",
        "email": "ada@example.com",
        "email_verified": "true",
        "access_type": "online",
    }


def test_tokeninfo_access_token_expires_in_counts_down(harness: Harness, web: NewClient) -> None:
    access = tokens(harness, web)["access_token"]
    harness.clock.advance(100)
    assert tokeninfo(harness, access_token=access).json()["expires_in"] == "3499"


def test_tokeninfo_offline_access_token(harness: Harness, offline: dict[str, str]) -> None:
    info = tokeninfo(harness, access_token=offline["access_token"]).json()
    assert info["access_type"] == "offline"
    assert info["scope"] == FULL_SCOPE


def test_tokeninfo_access_token_without_email_scope_has_no_email(
    harness: Harness, user: User, web: NewClient
) -> None:
    info = tokeninfo(harness, access_token=tokens(harness, web, scope="openid")["access_token"])
    assert info.json()["sub"] == user.sub
    assert "email" not in info.json()
    assert "email_verified" not in info.json()


def test_tokeninfo_access_token_by_post_with_bearer_header(
    harness: Harness, web: NewClient
) -> None:
    # google-auth-library-nodejs: POST, form content type, token in the Authorization header.
    access = tokens(harness, web)["access_token"]
    response = harness.client.post(
        "/tokeninfo",
        headers={
            "Authorization": f"Bearer {access}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 200
    assert response.json() == tokeninfo(harness, access_token=access).json()


def test_tokeninfo_revoked_access_token_is_invalid_value(
    harness: Harness, offline: dict[str, str]
) -> None:
    harness.client.post("/revoke", data={"token": offline["refresh_token"]})
    assert_invalid_value(tokeninfo(harness, access_token=offline["access_token"]))


def test_tokeninfo_expired_access_token_is_invalid_value(harness: Harness, web: NewClient) -> None:
    access = tokens(harness, web)["access_token"]
    harness.clock.advance(3599)
    assert_invalid_value(tokeninfo(harness, access_token=access))


def test_tokeninfo_refresh_token_as_access_token_is_invalid_value(
    harness: Harness, offline: dict[str, str]
) -> None:
    assert_invalid_value(tokeninfo(harness, access_token=offline["refresh_token"]))


def test_tokeninfo_unknown_access_token_is_invalid_value(harness: Harness) -> None:
    assert_invalid_value(tokeninfo(harness, access_token="ya29.a0nope"))


# -- userinfo -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/oauth2/v3/userinfo", "/v1/userinfo"])
def test_userinfo_with_email_scope(harness: Harness, user: User, web: NewClient, path: str) -> None:
    access = tokens(harness, web, scope="openid email")["access_token"]
    response = userinfo(harness, access, path)
    assert response.status_code == 200
    assert response.json() == {"sub": user.sub, "email": "ada@example.com", "email_verified": True}


@pytest.mark.parametrize("path", ["/oauth2/v2/userinfo", "/userinfo/v2/me"])
def test_userinfo_v2_has_googles_older_field_names(
    harness: Harness, user: User, web: NewClient, path: str
) -> None:
    access = tokens(harness, web, scope="email profile")["access_token"]
    assert userinfo(harness, access, path).json() == {
        "id": user.sub,
        "email": "ada@example.com",
        "verified_email": True,
        "name": "Ada Lovelace",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "picture": "https://lh3.googleusercontent.com/a/ada=s96-c",
        "locale": "en",
    }


def test_userinfo_v2_refuses_a_bad_token(harness: Harness) -> None:
    response = userinfo(harness, "ya29.a0nope", "/oauth2/v2/userinfo")
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "Invalid Credentials",
    }


def test_userinfo_with_profile_scope(harness: Harness, user: User, web: NewClient) -> None:
    access = tokens(harness, web, scope="openid profile")["access_token"]
    assert userinfo(harness, access).json() == {
        "sub": user.sub,
        "name": "Ada Lovelace",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "picture": "https://lh3.googleusercontent.com/a/ada=s96-c",
        "locale": "en",
    }


def test_userinfo_with_openid_only(harness: Harness, user: User, web: NewClient) -> None:
    access = tokens(harness, web, scope="openid")["access_token"]
    assert userinfo(harness, access).json() == {"sub": user.sub}


def test_userinfo_has_hd_for_hosted_domain_user(harness: Harness) -> None:
    signed_in(harness, "grace@corp.example", hd="corp.example")
    web = harness.web_client()
    access = tokens(harness, web, scope="openid email")["access_token"]
    assert userinfo(harness, access).json()["hd"] == "corp.example"


def test_userinfo_by_post(harness: Harness, web: NewClient) -> None:
    access = tokens(harness, web)["access_token"]
    response = harness.client.post("/v1/userinfo", headers={"Authorization": f"Bearer {access}"})
    assert response.status_code == 200


def test_userinfo_response_is_not_cacheable(harness: Harness, web: NewClient) -> None:
    response = userinfo(harness, tokens(harness, web)["access_token"])
    assert "no-store" in response.headers["cache-control"]


def test_userinfo_without_token_is_401(harness: Harness) -> None:
    assert_invalid_credentials(harness.client.get("/oauth2/v3/userinfo"))


def test_userinfo_with_unknown_token_is_401(harness: Harness) -> None:
    assert_invalid_credentials(userinfo(harness, "ya29.a0nope"))


def test_userinfo_with_basic_credentials_is_401(harness: Harness, web: NewClient) -> None:
    access = tokens(harness, web)["access_token"]
    response = harness.client.get("/oauth2/v3/userinfo", auth=(access, ""))
    assert_invalid_credentials(response)


def test_userinfo_with_revoked_token_is_401(harness: Harness, web: NewClient) -> None:
    access = tokens(harness, web)["access_token"]
    harness.client.post("/revoke", data={"token": access})
    assert_invalid_credentials(userinfo(harness, access))


def test_userinfo_with_expired_token_is_401(harness: Harness, web: NewClient) -> None:
    access = tokens(harness, web)["access_token"]
    harness.clock.advance(3599)
    assert_invalid_credentials(userinfo(harness, access))


def test_userinfo_token_works_until_it_expires(harness: Harness, web: NewClient) -> None:
    access = tokens(harness, web)["access_token"]
    harness.clock.advance(3598)
    assert userinfo(harness, access).status_code == 200


def test_userinfo_with_refresh_token_is_401(harness: Harness, offline: dict[str, str]) -> None:
    assert_invalid_credentials(userinfo(harness, offline["refresh_token"]))


# -- the older v2 shapes -------------------------------------------------------------------


def test_tokeninfo_v2_access_token_has_the_older_names_and_types(
    harness: Harness, user: User, offline: dict[str, str], web: NewClient
) -> None:
    """Spec 1.7: issued_to, audience, user_id, scope, expires_in (int), email, verified_email
    (bool), access_type."""
    harness.clock.advance(100)
    response = tokeninfo(harness, "/oauth2/v2/tokeninfo", access_token=offline["access_token"])
    assert response.status_code == 200
    assert response.json() == {
        "issued_to": web.client.client_id,
        "audience": web.client.client_id,
        "user_id": user.sub,
        "scope": FULL_SCOPE,
        "expires_in": 3499,
        "email": "ada@example.com",
        "verified_email": True,
        "access_type": "offline",
    }
    assert "no-store" in response.headers["cache-control"]


def test_tokeninfo_v2_id_token_by_post(harness: Harness, user: User, web: NewClient) -> None:
    id_token = tokens(harness, web, scope="openid email")["id_token"]
    response = harness.client.post("/oauth2/v2/tokeninfo", data={"id_token": id_token})
    assert response.json() == {
        "issued_to": web.client.client_id,
        "audience": web.client.client_id,
        "user_id": user.sub,
        "expires_in": 3600,
        "email": "ada@example.com",
        "verified_email": True,
    }


def test_tokeninfo_v2_refuses_what_v3_refuses(harness: Harness, offline: dict[str, str]) -> None:
    assert_invalid_value(tokeninfo(harness, "/oauth2/v2/tokeninfo", access_token="ya29.a0nope"))
    refresh_as_access = {"access_token": offline["refresh_token"]}
    assert_invalid_value(tokeninfo(harness, "/oauth2/v2/tokeninfo", **refresh_as_access))


def test_userinfo_v1_has_the_v2_shape(harness: Harness, user: User, web: NewClient) -> None:
    access = tokens(harness, web, scope="email")["access_token"]
    response = userinfo(harness, access, "/oauth2/v1/userinfo")
    assert response.json() == {"id": user.sub, "email": "ada@example.com", "verified_email": True}


@pytest.mark.parametrize("path", BROWSER_PATHS)
def test_cors_preflight_lets_any_page_send_a_bearer_token(harness: Harness, path: str) -> None:
    """fetch() with `Authorization: Bearer` (the GIS token model calling userinfo) is preceded by
    an OPTIONS preflight; a 405 there made the browser refuse the call."""
    response = harness.client.options(
        path,
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in response.headers  # no cookies, ever

"""Parsing an authorization request: the fixed order of checks and the parsed fields."""

from __future__ import annotations

import pytest

from signon.errors import (
    InvalidRequest,
    InvalidScope,
    OAuthError,
    UnauthorizedClient,
    UnsupportedResponseType,
)
from signon.protocol.authorize import AuthRequest, early_mode, parse_request
from signon.protocol.scopes import EMAIL, OPENID
from signon.storage.records import Client, ClientType

REDIRECT = "https://app.example/cb"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def client(type: ClientType = "web") -> Client:
    return Client(client_id="1-x.apps.googleusercontent.com", project="p", name="A", type=type)


def parse(type: ClientType = "web", redirect_uri: str = REDIRECT, **params: str) -> AuthRequest:
    base = {"response_type": "code", "scope": "openid email"}
    base.update(params)
    return parse_request(client(type), redirect_uri, {k: v for k, v in base.items() if v != "-"})


def error_of(**params: str) -> OAuthError:
    with pytest.raises(OAuthError) as caught:
        parse(**params)
    return caught.value


def test_parse_defaults() -> None:
    request = parse()
    assert request.response_types == frozenset({"code"})
    assert request.response_mode == "query"
    assert request.scopes == (EMAIL, OPENID)
    assert request.offline is False
    assert request.include_granted_scopes is False
    assert request.prompt == frozenset()
    assert request.code_challenge is None
    assert request.authuser is None
    assert request.wants_consent is False


def test_parse_response_type_order_does_not_matter() -> None:
    request = parse(response_type="id_token code", nonce="n")
    assert request.response_types == frozenset({"code", "id_token"})
    assert request.response_mode == "fragment"


def test_parse_offline_and_incremental() -> None:
    request = parse(access_type="offline", include_granted_scopes="TRUE")
    assert request.offline is True
    assert request.include_granted_scopes is True


@pytest.mark.parametrize(("value", "expected"), [("2", 2), ("0", 0), ("x", None), ("12345", None)])
def test_parse_authuser(value: str, expected: int | None) -> None:
    assert parse(authuser=value).authuser == expected


@pytest.mark.parametrize(
    "params",
    [{"prompt": "consent"}, {"approval_prompt": "force"}, {"prompt": "select_account consent"}],
)
def test_parse_wants_consent(params: dict[str, str]) -> None:
    assert parse(**params).wants_consent is True


def test_parse_approval_prompt_auto_does_not_force_consent() -> None:
    assert parse(approval_prompt="auto").wants_consent is False


def test_parse_pkce_method_defaults_to_plain() -> None:
    request = parse(code_challenge=CHALLENGE)
    assert (request.code_challenge, request.code_challenge_method) == (CHALLENGE, "plain")


def test_response_type_is_checked_before_scope() -> None:
    assert isinstance(error_of(response_type="-", scope="bogus"), InvalidRequest)
    assert isinstance(error_of(response_type="device", scope="bogus"), UnsupportedResponseType)


def test_scope_is_checked_before_nonce_and_prompt() -> None:
    error = error_of(response_type="id_token", scope="bogus", prompt="login")
    assert isinstance(error, InvalidScope)


def test_nonce_is_checked_before_prompt() -> None:
    error = error_of(response_type="id_token", prompt="login")
    assert error.description == "Missing required parameter: nonce"


def test_prompt_is_checked_before_access_type_and_pkce() -> None:
    error = error_of(prompt="login", access_type="forever", code_challenge_method="S512")
    assert error.description == "Invalid parameter value for prompt: Invalid prompt: login"


def test_response_mode_is_checked_before_scope() -> None:
    assert error_of(response_mode="web_message", scope="bogus").description == (
        "Invalid response_mode: web_message"
    )


def test_implicit_flow_is_only_for_web_clients() -> None:
    with pytest.raises(UnauthorizedClient):
        parse("desktop", redirect_uri="http://127.0.0.1:1/", response_type="token")


def test_native_code_flow_needs_pkce() -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse("android", redirect_uri="com.googleusercontent.apps.1-x:/cb")
    assert caught.value.description == "Missing required parameter: code_challenge"


def test_postmessage_redirect_uses_postmessage_mode() -> None:
    assert parse(redirect_uri="postmessage", response_mode="query").response_mode == "postmessage"


@pytest.mark.parametrize(
    ("params", "mode"),
    [
        ({"response_type": "code"}, "query"),
        ({}, "query"),
        ({"response_type": "token"}, "fragment"),
        ({"response_type": "code", "response_mode": "form_post"}, "form_post"),
        ({"response_type": "token", "response_mode": "query"}, "fragment"),
        ({"response_type": "code", "response_mode": "bogus"}, "query"),
    ],
)
def test_early_mode_for_errors(params: dict[str, str], mode: str) -> None:
    assert early_mode(params, REDIRECT) == mode

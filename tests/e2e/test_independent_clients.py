"""Correctness judged by code nobody here wrote: google-auth verifies our ID tokens, Authlib
runs discovery, PKCE and the code exchange against us."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import google.auth.transport.requests
import jwt
import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from google.oauth2 import id_token as google_id_token

from signon.accounts.users import create_user
from signon.protocol.clients import NewClient, create_client
from tests.conftest import fast_hasher
from tests.e2e.driver import Person
from tests.livesrv import LiveServer, live_server

REDIRECT = "http://127.0.0.1:5000/callback"


@pytest.fixture
def server(sqlite_url: str) -> Iterator[LiveServer]:
    with live_server(sqlite_url, hasher=fast_hasher()) as live:
        yield live


@pytest.fixture
def client(server: LiveServer) -> NewClient:
    now = int(time.time())
    server.run(create_user, server.ctx.store, server.ctx.hasher, password="correct horse",
               email="grace@example.com", name="Grace Hopper", given_name="Grace",
               family_name="Hopper", now=now)  # fmt: skip
    return server.run(create_client, server.ctx.store, name="Independent app",
                      redirect_uris=[REDIRECT], now=now)  # fmt: skip


def _code_flow(server: LiveServer, client: NewClient) -> dict[str, str]:
    person = Person(server.url, "grace@example.com", "correct horse")
    query = {"client_id": client.client.client_id, "redirect_uri": REDIRECT,
             "response_type": "code", "scope": "openid email profile", "state": "s1"}  # fmt: skip
    callback = person.authorize(str(httpx_url(server.url + "/o/oauth2/v2/auth", query)))
    person.close()
    params = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    token = requests.post(server.url + "/token", timeout=10, data={
        "grant_type": "authorization_code", "code": params["code"], "redirect_uri": REDIRECT,
        "client_id": client.client.client_id, "client_secret": client.secret})  # fmt: skip
    assert token.status_code == 200, token.text
    body: dict[str, str] = token.json()
    return body


def httpx_url(base: str, params: dict[str, str]) -> str:
    return str(requests.Request("GET", base, params=params).prepare().url)


def test_google_auth_verifies_id_token_with_pem_certs(
    server: LiveServer, client: NewClient
) -> None:
    tokens = _code_flow(server, client)
    claims = google_id_token.verify_token(
        tokens["id_token"], google.auth.transport.requests.Request(),
        audience=client.client.client_id, certs_url=server.url + "/oauth2/v1/certs",
    )  # fmt: skip
    assert claims["iss"] == server.url
    assert claims["email"] == "grace@example.com"
    assert claims["email_verified"] is True
    assert claims["name"] == "Grace Hopper"
    assert claims["exp"] - claims["iat"] == 3600


def test_google_auth_verifies_id_token_with_jwks(server: LiveServer, client: NewClient) -> None:
    tokens = _code_flow(server, client)
    claims = google_id_token.verify_token(
        tokens["id_token"], google.auth.transport.requests.Request(),
        audience=client.client.client_id, certs_url=server.url + "/oauth2/v3/certs",
    )  # fmt: skip
    assert claims["aud"] == client.client.client_id


def test_google_auth_rejects_id_token_for_another_audience(
    server: LiveServer, client: NewClient
) -> None:
    tokens = _code_flow(server, client)
    with pytest.raises(ValueError, match="audience"):
        google_id_token.verify_token(
            tokens["id_token"], google.auth.transport.requests.Request(),
            audience="someone-else.apps.googleusercontent.com",
            certs_url=server.url + "/oauth2/v1/certs",
        )  # fmt: skip


def test_authlib_discovery_pkce_and_code_exchange(server: LiveServer, client: NewClient) -> None:
    discovery = requests.get(server.url + "/.well-known/openid-configuration", timeout=10).json()
    assert discovery["issuer"] == server.url
    session = OAuth2Session(
        client.client.client_id, client.secret, scope="openid email profile",
        redirect_uri=REDIRECT, code_challenge_method="S256",
    )  # fmt: skip
    verifier = generate_token(48)
    url, state = session.create_authorization_url(
        discovery["authorization_endpoint"], code_verifier=verifier, nonce="n-0S6_WzA2Mj"
    )
    person = Person(server.url, "grace@example.com", "correct horse")
    callback = person.authorize(url)
    person.close()
    callback_params = parse_qs(urlsplit(callback).query)
    assert callback_params["state"] == [state]
    assert callback_params["iss"] == [server.url]
    token = session.fetch_token(
        discovery["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    assert token["token_type"] == "Bearer"
    signing_key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(token["id_token"])
    claims = jwt.decode(
        token["id_token"], signing_key.key, algorithms=["RS256"], issuer=server.url,
        audience=client.client.client_id,
    )  # fmt: skip
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["sub"].isdigit() and len(claims["sub"]) == 21
    userinfo = session.get(discovery["userinfo_endpoint"]).json()
    assert userinfo["email"] == "grace@example.com"

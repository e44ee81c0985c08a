"""signon.rp end to end against a running signon: real tokens verify, forged ones fail with the
exception a person can act on, and codes are exchanged with a redirect URI and with postmessage."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from signon.accounts.users import create_user
from signon.protocol.clients import NewClient, create_client
from signon.protocol.id_token import mint_id_token
from signon.rp import (
    Expired,
    IdTokenVerifier,
    InvalidSignature,
    OAuthClient,
    TokenEndpointError,
    UnsupportedAlgorithm,
    WrongAudience,
    WrongIssuer,
)
from signon.storage.records import User
from tests.conftest import fast_hasher
from tests.e2e.driver import Person
from tests.livesrv import LiveServer, live_server

REDIRECT = "http://127.0.0.1:5000/callback"
ORIGIN = "http://127.0.0.1:5000"
EMAIL, PASSWORD = "katherine@example.com", "orbital mechanics"


@pytest.fixture
def server(sqlite_url: str) -> Iterator[LiveServer]:
    with live_server(sqlite_url, hasher=fast_hasher()) as live:
        yield live


@pytest.fixture
def user(server: LiveServer) -> User:
    return server.run(create_user, server.ctx.store, server.ctx.hasher, password=PASSWORD,
                      email=EMAIL, name="Katherine Johnson", now=int(time.time()))  # fmt: skip


@pytest.fixture
def client(server: LiveServer, user: User) -> NewClient:
    return server.run(create_client, server.ctx.store, name="Mission control",
                      origins=[ORIGIN], redirect_uris=[REDIRECT], now=int(time.time()))  # fmt: skip


def verifier(server: LiveServer, client: NewClient) -> IdTokenVerifier:
    return IdTokenVerifier(client.client.client_id, issuer=server.url,
                           certs_url=server.url + "/oauth2/v3/certs")  # fmt: skip


def authorize(server: LiveServer, client: NewClient, **extra: str) -> str:
    query = {"client_id": client.client.client_id, "redirect_uri": REDIRECT,
             "response_type": "code", "scope": "openid email profile", **extra}  # fmt: skip
    person = Person(server.url, EMAIL, PASSWORD)
    try:
        return person.authorize(server.url + "/o/oauth2/v2/auth?" + urlencode(query))
    finally:
        person.close()


def test_rp_exchanges_code_with_redirect_uri(server: LiveServer, client: NewClient) -> None:
    callback = authorize(server, client, access_type="offline")
    code = parse_qs(urlsplit(callback).query)["code"][0]
    oauth = OAuthClient(client.client.client_id, client.secret, issuer=server.url)
    tokens = oauth.exchange_code(code, redirect_uri=REDIRECT)
    assert tokens.id_token_claims is not None
    assert tokens.id_token_claims.email == EMAIL
    assert tokens.refresh_token is not None and tokens.refresh_token.startswith("1//")
    refreshed = oauth.refresh(tokens.refresh_token)
    assert oauth.userinfo(refreshed.access_token)["email"] == EMAIL


def test_rp_exchanges_postmessage_code(server: LiveServer, client: NewClient) -> None:
    person = Person(server.url, EMAIL, PASSWORD)
    query = {"client_id": client.client.client_id, "redirect_uri": "postmessage",
             "origin": ORIGIN, "response_type": "code", "scope": "openid email",
             "access_type": "offline", "prompt": "consent"}  # fmt: skip
    try:
        person.sign_in()
        response = person.consent(person.http.get("/o/oauth2/v2/auth?" + urlencode(query)))
    finally:
        person.close()
    # The last page posts the code to the opener window, at the registered origin only.
    payload = json.loads(re.search(r"var message = (\{.*?\});", response.text).group(1))  # type: ignore[union-attr]
    assert re.search(r'var targetOrigin = "http://127\.0\.0\.1:5000";', response.text)
    code = payload["params"]["code"]
    oauth = OAuthClient(client.client.client_id, client.secret, issuer=server.url)
    with pytest.raises(TokenEndpointError) as wrong:
        oauth.exchange_code(code, redirect_uri=REDIRECT)
    assert wrong.value.error == "redirect_uri_mismatch"
    tokens = oauth.exchange_code(code, redirect_uri="postmessage")
    assert tokens.id_token_claims is not None and tokens.id_token_claims.sub.isdigit()


def test_rp_verifies_token_from_the_flow(server: LiveServer, client: NewClient) -> None:
    code = parse_qs(urlsplit(authorize(server, client)).query)["code"][0]
    raw = OAuthClient(client.client.client_id, client.secret, issuer=server.url).exchange_code(
        code, redirect_uri=REDIRECT).id_token  # fmt: skip
    assert raw is not None
    claims = verifier(server, client).verify(raw)
    assert (claims.email, claims.email_verified, claims.name) == (EMAIL, True, "Katherine Johnson")


def _mint(
    server: LiveServer, client: NewClient, user: User, *, now: int, audience: str | None = None
) -> str:
    return mint_id_token(server.ctx.keyring, issuer=server.url, user=user,
                         audience=audience or client.client.client_id, azp=client.client.client_id,
                         scopes=("openid",), now=now)  # fmt: skip


def test_rp_expired_token_raises_expired(server: LiveServer, client: NewClient, user: User) -> None:
    token = _mint(server, client, user, now=int(time.time()) - 7200)
    with pytest.raises(Expired):
        verifier(server, client).verify(token)


def test_rp_token_resigned_with_another_key_fails(
    server: LiveServer, client: NewClient, user: User
) -> None:
    genuine = _mint(server, client, user, now=int(time.time()))
    header = pyjwt.get_unverified_header(genuine)
    claims = pyjwt.decode(genuine, options={"verify_signature": False})
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = pyjwt.encode(claims, other, algorithm="RS256", headers={"kid": header["kid"]})
    with pytest.raises(InvalidSignature):
        verifier(server, client).verify(forged)


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_rp_alg_none_token_refused(server: LiveServer, client: NewClient, user: User) -> None:
    genuine = _mint(server, client, user, now=int(time.time()))
    claims = pyjwt.decode(genuine, options={"verify_signature": False})
    kid = pyjwt.get_unverified_header(genuine)["kid"]
    forged = _b64({"alg": "none", "kid": kid, "typ": "JWT"}) + "." + _b64(claims) + "."
    with pytest.raises(UnsupportedAlgorithm):
        verifier(server, client).verify(forged)


def test_rp_hs256_signed_with_public_key_refused(
    server: LiveServer, client: NewClient, user: User
) -> None:
    genuine = _mint(server, client, user, now=int(time.time()))
    claims = pyjwt.decode(genuine, options={"verify_signature": False})
    kid = pyjwt.get_unverified_header(genuine)["kid"]
    public = server.ctx.keyring.public_key(kid)
    assert public is not None
    pem = public.public_bytes(serialization.Encoding.PEM,
                              serialization.PublicFormat.SubjectPublicKeyInfo)  # fmt: skip
    import hashlib
    import hmac

    signing_input = _b64({"alg": "HS256", "kid": kid, "typ": "JWT"}) + "." + _b64(claims)
    mac = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    forged = signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    with pytest.raises(UnsupportedAlgorithm):
        verifier(server, client).verify(forged)


def test_rp_wrong_audience_refused(server: LiveServer, client: NewClient, user: User) -> None:
    token = _mint(
        server, client, user, now=int(time.time()), audience="1-other.apps.googleusercontent.com"
    )
    with pytest.raises(WrongAudience):
        verifier(server, client).verify(token)


def test_rp_wrong_issuer_refused(server: LiveServer, client: NewClient, user: User) -> None:
    token = _mint(server, client, user, now=int(time.time()))
    google_issuer = IdTokenVerifier(
        client.client.client_id, certs_url=server.url + "/oauth2/v3/certs"
    )
    with pytest.raises(WrongIssuer):
        google_issuer.verify(token)

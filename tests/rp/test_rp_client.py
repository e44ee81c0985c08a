"""OAuthClient against a fake Google/signon (httpx.MockTransport): exact requests, typed results."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from rp_fakes import CLIENT_ID, NOW, FakeIdp

from signon.rp import OAuthClient, OAuthEndpointError, TokenEndpointError, WrongAudience

SECRET = "GOCSPX-abcdefghijklmnopqrstuvwxyz12"
Handler = Callable[[httpx.Request], httpx.Response]


class FakeServer:
    """Google's OAuth endpoints; keys come from the FakeIdp, other paths from ``routes``."""

    def __init__(self, idp: FakeIdp) -> None:
        self.idp = idp
        self.requests: list[httpx.Request] = []
        self.routes: dict[str, Handler] = {}

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/certs"):
            return self.idp.handle(request)
        self.requests.append(request)
        return self.routes[request.url.path](request)

    def client(self, **kwargs: Any) -> OAuthClient:
        transport = httpx.MockTransport(self.handle)
        kwargs.setdefault("clock", self.idp.clock)
        return OAuthClient(
            CLIENT_ID,
            kwargs.pop("client_secret", SECRET),
            http=httpx.Client(transport=transport),
            async_http=httpx.AsyncClient(transport=transport),
            **kwargs,
        )

    def form(self, index: int = -1) -> dict[str, list[str]]:
        return parse_qs(self.requests[index].content.decode())


def token_body(idp: FakeIdp, **overrides: Any) -> dict[str, Any]:
    body = {
        "access_token": "ya29.a0AfH6SMBx",
        "expires_in": 3599,
        "refresh_token": "1//0eX4pLrefresh",
        "scope": "openid https://www.googleapis.com/auth/userinfo.email",
        "token_type": "Bearer",
        "id_token": idp.mint(),
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture
def server(idp: FakeIdp) -> FakeServer:
    return FakeServer(idp)


def reply(status: int, body: Any) -> Handler:
    return lambda request: httpx.Response(status, json=body)


def test_exchange_code_posts_google_form_with_postmessage(server: FakeServer) -> None:
    server.routes["/token"] = reply(200, token_body(server.idp))
    server.client().exchange_code("4/0AX4XfWi")
    request = server.requests[0]
    assert (request.method, str(request.url)) == ("POST", "https://oauth2.googleapis.com/token")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert server.form() == {
        "grant_type": ["authorization_code"],
        "code": ["4/0AX4XfWi"],
        "redirect_uri": ["postmessage"],
        "client_id": [CLIENT_ID],
        "client_secret": [SECRET],
    }


def test_exchange_code_returns_tokens_with_verified_id_token(server: FakeServer) -> None:
    server.routes["/token"] = reply(200, token_body(server.idp))
    tokens = server.client().exchange_code("4/0AX4XfWi")
    assert tokens.access_token == "ya29.a0AfH6SMBx"
    assert (tokens.expires_in, tokens.expires_at) == (3599, NOW + 3599)
    assert tokens.refresh_token == "1//0eX4pLrefresh"
    assert tokens.scope == ("openid", "https://www.googleapis.com/auth/userinfo.email")
    assert tokens.token_type == "Bearer"
    assert tokens.id_token_claims is not None
    assert tokens.id_token_claims.email == "testuser@gmail.com"


def test_exchange_code_rejects_id_token_for_another_client(server: FakeServer) -> None:
    server.routes["/token"] = reply(200, token_body(server.idp, id_token=server.idp.mint(aud="x")))
    with pytest.raises(WrongAudience):
        server.client().exchange_code("4/0AX4XfWi")


def test_exchange_code_checks_nonce(server: FakeServer) -> None:
    server.routes["/token"] = reply(
        200, token_body(server.idp, id_token=server.idp.mint(nonce="n"))
    )
    assert server.client().exchange_code("c", nonce="n").id_token_claims is not None


def test_exchange_code_without_id_token(server: FakeServer) -> None:
    server.routes["/token"] = reply(
        200, token_body(server.idp, id_token=None, expires_in="3599", scope=None)
    )
    tokens = server.client().exchange_code("c")
    assert (tokens.id_token, tokens.id_token_claims, tokens.expires_in, tokens.scope) == (
        None,
        None,
        3599,
        (),
    )


def test_exchange_code_sends_pkce_verifier_and_redirect_uri(server: FakeServer) -> None:
    server.routes["/token"] = reply(200, token_body(server.idp))
    server.client().exchange_code("c", "https://app.example/cb", code_verifier="v" * 43)
    assert server.form()["code_verifier"] == ["v" * 43]
    assert server.form()["redirect_uri"] == ["https://app.example/cb"]


def test_exchange_code_client_secret_basic(server: FakeServer) -> None:
    server.routes["/token"] = reply(200, token_body(server.idp))
    server.client(client_secret="se:cret/+", auth_method="client_secret_basic").exchange_code("c")
    auth = server.requests[0].headers["authorization"]
    assert base64.b64decode(auth.removeprefix("Basic ")).decode() == f"{CLIENT_ID}:se%3Acret%2F%2B"
    assert "client_secret" not in server.form() and "client_id" not in server.form()


def test_public_client_sends_only_client_id(server: FakeServer) -> None:
    server.routes["/token"] = reply(200, token_body(server.idp))
    server.client(client_secret=None).exchange_code("c")
    assert server.form()["client_id"] == [CLIENT_ID]
    assert "client_secret" not in server.form()


@pytest.mark.parametrize(
    ("status", "body", "error", "description"),
    [
        (400, {"error": "invalid_grant", "error_description": "Bad Request"}, "invalid_grant",
         "Bad Request"),
        (401, {"error": "invalid_client", "error_description": "Unauthorized"}, "invalid_client",
         "Unauthorized"),
        (400, {"error": "redirect_uri_mismatch"}, "redirect_uri_mismatch", None),
        (502, "<html>Bad gateway</html>", "invalid_response", '"<html>Bad gateway</html>"'),
        (200, {"token_type": "Bearer"}, "invalid_response",
         "the token response has no access_token"),
    ],
)  # fmt: skip
def test_exchange_code_raises_token_endpoint_error(
    server: FakeServer, status: int, body: Any, error: str, description: str | None
) -> None:
    server.routes["/token"] = reply(status, body)
    with pytest.raises(TokenEndpointError) as info:
        server.client().exchange_code("c")
    assert (info.value.error, info.value.error_description, info.value.status) == (
        error,
        description,
        status,
    )


def test_exchange_code_network_failure_is_token_endpoint_error(server: FakeServer) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    server.routes["/token"] = down
    with pytest.raises(TokenEndpointError, match="network_error") as info:
        server.client().exchange_code("c")
    assert info.value.status is None


def test_refresh_keeps_refresh_token_and_sends_scope(server: FakeServer) -> None:
    server.routes["/token"] = reply(200, token_body(server.idp, refresh_token=None))
    tokens = server.client().refresh("1//0eX4p", scope=["openid", "email"])
    assert server.form() == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["1//0eX4p"],
        "scope": ["openid email"],
        "client_id": [CLIENT_ID],
        "client_secret": [SECRET],
    }
    assert tokens.refresh_token == "1//0eX4p"
    assert tokens.id_token_claims is not None


def test_refresh_revoked_token_raises(server: FakeServer) -> None:
    server.routes["/token"] = reply(
        400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
    )
    with pytest.raises(TokenEndpointError, match="Token has been expired or revoked"):
        server.client().refresh("1//0eX4p")


def test_revoke_posts_token(server: FakeServer) -> None:
    server.routes["/revoke"] = reply(200, {})
    server.client().revoke("ya29.x")
    assert (server.requests[0].method, server.form()) == ("POST", {"token": ["ya29.x"]})


def test_revoke_error_raises_endpoint_error(server: FakeServer) -> None:
    server.routes["/revoke"] = reply(400, {"error": "invalid_token"})
    with pytest.raises(OAuthEndpointError) as info:
        server.client().revoke("ya29.x")
    assert not isinstance(info.value, TokenEndpointError)
    assert (info.value.error, info.value.status) == ("invalid_token", 400)


def test_tokeninfo_by_id_token(server: FakeServer) -> None:
    info = {"iss": "https://accounts.google.com", "email_verified": "true", "alg": "RS256"}
    server.routes["/tokeninfo"] = reply(200, info)
    assert server.client().tokeninfo(id_token="eyJ.x.y") == info
    request = server.requests[0]
    assert request.method == "POST"
    assert parse_qs(request.content.decode()) == {"id_token": ["eyJ.x.y"]}
    assert "eyJ" not in str(request.url)


@pytest.mark.parametrize(
    "body", [{"error": "invalid_token", "error_description": "Invalid Value"},
             {"error_description": "Invalid Value"}]
)  # fmt: skip
def test_tokeninfo_invalid_token_either_error_shape(server: FakeServer, body: Any) -> None:
    server.routes["/tokeninfo"] = reply(400, body)
    with pytest.raises(OAuthEndpointError) as info:
        server.client().tokeninfo(access_token="ya29.bad")
    assert (info.value.error, info.value.error_description) == ("invalid_token", "Invalid Value")


def test_tokeninfo_needs_exactly_one_token(server: FakeServer) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        server.client().tokeninfo()
    with pytest.raises(ValueError, match="exactly one"):
        server.client().tokeninfo(id_token="a", access_token="b")


def test_userinfo_sends_bearer(server: FakeServer) -> None:
    server.routes["/v1/userinfo"] = reply(200, {"sub": "1", "email_verified": True})
    assert server.client().userinfo("ya29.x") == {"sub": "1", "email_verified": True}
    assert server.requests[0].headers["authorization"] == "Bearer ya29.x"


def test_userinfo_invalid_credentials(server: FakeServer) -> None:
    server.routes["/v1/userinfo"] = reply(
        401, {"error": "invalid_request", "error_description": "Invalid Credentials"}
    )
    with pytest.raises(OAuthEndpointError, match="Invalid Credentials"):
        server.client().userinfo("ya29.x")


def test_issuer_derives_signon_urls(server: FakeServer) -> None:
    client = server.client(issuer="http://127.0.0.1:8080/")
    assert (client.token_uri, client.revoke_uri, client.tokeninfo_uri, client.userinfo_uri) == (
        "http://127.0.0.1:8080/token",
        "http://127.0.0.1:8080/revoke",
        "http://127.0.0.1:8080/oauth2/v3/tokeninfo",
        "http://127.0.0.1:8080/oauth2/v3/userinfo",
    )
    assert client.verifier.keys.certs_url == "http://127.0.0.1:8080/oauth2/v3/certs"
    assert client.verifier.issuers == frozenset({"http://127.0.0.1:8080"})


def test_issuer_client_verifies_signon_id_token(server: FakeServer) -> None:
    token = server.idp.mint(iss="http://127.0.0.1:8080")
    server.routes["/token"] = reply(200, token_body(server.idp, id_token=token))
    tokens = server.client(issuer="http://127.0.0.1:8080").exchange_code("c")
    assert str(server.requests[0].url) == "http://127.0.0.1:8080/token"
    assert tokens.id_token_claims is not None
    assert tokens.id_token_claims.iss == "http://127.0.0.1:8080"


@pytest.mark.parametrize("kind", ["web", "installed"])
def test_from_client_secrets_reads_console_json(kind: str) -> None:
    client = OAuthClient.from_client_secrets(
        {
            kind: {
                "client_id": CLIENT_ID,
                "project_id": "p",
                "auth_uri": "http://127.0.0.1:8080/o/oauth2/v2/auth",
                "token_uri": "http://127.0.0.1:8080/token",
                "auth_provider_x509_cert_url": "http://127.0.0.1:8080/oauth2/v1/certs",
                "client_secret": SECRET,
                "redirect_uris": ["http://localhost"],
            }
        }
    )
    assert (client.client_id, client.token_uri) == (CLIENT_ID, "http://127.0.0.1:8080/token")
    assert client.verifier.keys.certs_url == "http://127.0.0.1:8080/oauth2/v1/certs"


def test_from_client_secrets_file(tmp_path: Path) -> None:
    path = tmp_path / "client_secret.json"
    path.write_text(json.dumps({"web": {"client_id": CLIENT_ID, "client_secret": SECRET}}))
    client = OAuthClient.from_client_secrets_file(path)
    assert (client.client_id, client.token_uri) == (
        CLIENT_ID,
        "https://oauth2.googleapis.com/token",
    )


def test_from_client_secrets_rejects_other_shapes() -> None:
    with pytest.raises(ValueError, match='"web"'):
        OAuthClient.from_client_secrets({"client_id": CLIENT_ID})


def test_token_set_repr_hides_secrets(server: FakeServer) -> None:
    server.routes["/token"] = reply(200, token_body(server.idp))
    text = repr(server.client().exchange_code("c"))
    assert "ya29" not in text and "1//0e" not in text and "eyJ" not in text
    assert SECRET not in repr(server.client())


# --- async ----------------------------------------------------------------------------------


async def test_aexchange_code_verifies_id_token(server: FakeServer) -> None:
    server.routes["/token"] = reply(200, token_body(server.idp))
    tokens = await server.client().aexchange_code("4/0AX4XfWi")
    assert tokens.id_token_claims is not None
    assert server.form()["redirect_uri"] == ["postmessage"]


async def test_aexchange_code_raises_token_endpoint_error(server: FakeServer) -> None:
    server.routes["/token"] = reply(400, {"error": "invalid_grant", "error_description": "x"})
    with pytest.raises(TokenEndpointError, match="invalid_grant"):
        await server.client().aexchange_code("c")


async def test_async_refresh_revoke_tokeninfo_userinfo(server: FakeServer) -> None:
    server.routes["/token"] = reply(200, token_body(server.idp, refresh_token=None))
    server.routes["/revoke"] = reply(200, {})
    server.routes["/tokeninfo"] = reply(200, {"scope": "openid"})
    server.routes["/v1/userinfo"] = reply(200, {"sub": "1"})
    client = server.client()
    assert (await client.arefresh("1//r")).refresh_token == "1//r"
    await client.arevoke("1//r")
    assert await client.atokeninfo(access_token="ya29") == {"scope": "openid"}
    assert await client.auserinfo("ya29") == {"sub": "1"}
    assert [r.url.path for r in server.requests] == [
        "/token",
        "/revoke",
        "/tokeninfo",
        "/v1/userinfo",
    ]

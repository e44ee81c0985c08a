"""Starlette and Flask adapters over real HTTP (uvicorn / werkzeug on 127.0.0.1), every refusal."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import flask
import httpx
import pytest
import uvicorn
from rp_fakes import CLIENT_ID, FakeIdp
from starlette.applications import Starlette
from starlette.routing import Route
from werkzeug.serving import make_server

from signon.rp import IdTokenVerifier, OAuthClient
from signon.rp import flask as rp_flask
from signon.rp import starlette as rp_starlette


class Backend:
    """One fake IdP (keys + token endpoint) shared by both apps; records token requests."""

    def __init__(self) -> None:
        self.idp = FakeIdp()
        self.token_requests: list[httpx.Request] = []
        self.token_reply: tuple[int, dict[str, Any]] = (200, {})

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/certs"):
            return self.idp.handle(request)
        self.token_requests.append(request)
        status, body = self.token_reply
        return httpx.Response(status, json=body)

    def verifier(self) -> IdTokenVerifier:
        return self.idp.verifier()

    def client(self) -> OAuthClient:
        transport = httpx.MockTransport(self.handle)
        return OAuthClient(
            CLIENT_ID,
            "GOCSPX-secret",
            http=httpx.Client(transport=transport),
            async_http=httpx.AsyncClient(transport=transport),
            clock=self.idp.clock,
        )


def starlette_app(backend: Backend) -> Starlette:
    verifier, client = backend.verifier(), backend.client()
    return Starlette(
        routes=[
            Route("/tokensignin", rp_starlette.tokensignin_endpoint(verifier), methods=["POST"]),
            Route("/login", rp_starlette.login_endpoint(verifier), methods=["POST"]),
            Route("/storeauthcode", rp_starlette.storeauthcode_endpoint(client), methods=["POST"]),
        ]
    )


def flask_app(backend: Backend) -> flask.Flask:
    verifier, client = backend.verifier(), backend.client()
    app = flask.Flask("rp_test")
    app.add_url_rule(
        "/tokensignin", view_func=rp_flask.tokensignin_view(verifier), methods=["POST"]
    )
    app.add_url_rule("/login", view_func=rp_flask.login_view(verifier), methods=["POST"])
    app.add_url_rule(
        "/storeauthcode", view_func=rp_flask.storeauthcode_view(client), methods=["POST"]
    )
    return app


def serve_starlette(app: Starlette) -> tuple[str, Any]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", ws="none",
                            lifespan="off")  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]

    def stop() -> None:
        server.should_exit = True
        thread.join(5)

    return f"http://127.0.0.1:{port}", stop


def serve_flask(app: flask.Flask) -> tuple[str, Any]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(5)

    return f"http://127.0.0.1:{server.server_port}", stop


@pytest.fixture(scope="module", params=["starlette", "flask"])
def site(request: pytest.FixtureRequest) -> Iterator[tuple[str, Backend]]:
    backend = Backend()
    if request.param == "starlette":
        url, stop = serve_starlette(starlette_app(backend))
    else:
        url, stop = serve_flask(flask_app(backend))
    yield url, backend
    stop()


@pytest.fixture
def http(site: tuple[str, Backend]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site[0], timeout=10) as client:
        yield client


@pytest.fixture
def backend(site: tuple[str, Backend]) -> Backend:
    site[1].token_requests.clear()
    site[1].token_reply = (200, {})
    return site[1]


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


# --- /tokensignin (seed 004) ----------------------------------------------------------------


def test_tokensignin_answers_signed_in_user(http: httpx.Client, backend: Backend) -> None:
    response = http.post("/tokensignin", content=f"idtoken={backend.idp.mint()}", headers=FORM)
    assert (response.status_code, response.text) == (200, "testuser@gmail.com")


def test_tokensignin_without_idtoken_is_400(http: httpx.Client, backend: Backend) -> None:
    response = http.post("/tokensignin", content="id_token=x", headers=FORM)
    assert (response.status_code, response.text) == (400, "Missing 'idtoken' in the request body.")


def test_tokensignin_with_foreign_token_is_401(http: httpx.Client, backend: Backend) -> None:
    response = http.post("/tokensignin", data={"idtoken": backend.idp.mint(aud="other-client")})
    assert response.status_code == 401
    assert response.text.startswith("ID token audience 'other-client' is not one of")


# --- GIS login_uri --------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["form", "json"])
def test_login_post_accepts_form_or_json(
    http: httpx.Client, backend: Backend, encoding: str
) -> None:
    fields = {"credential": backend.idp.mint(), "g_csrf_token": "c5f1", "select_by": "btn"}
    cookie = {"Cookie": "g_csrf_token=c5f1"}
    if encoding == "form":
        response = http.post("/login", data=fields, headers=cookie)
    else:
        response = http.post("/login", json=fields, headers=cookie)
    assert (response.status_code, response.text) == (200, "testuser@gmail.com")


@pytest.mark.parametrize(
    ("cookie", "body", "message"),
    [
        (None, {"g_csrf_token": "c5f1"}, "No CSRF token in Cookie."),
        ("g_csrf_token=c5f1", {}, "No CSRF token in post body."),
        ("g_csrf_token=c5f1", {"g_csrf_token": "c5f2"}, "Failed to verify double submit cookie."),
        ("g_csrf_token=c5f1", {"g_csrf_token": "c5f1", "credential": ""},
         "Missing 'credential' in the request body."),
    ],
)  # fmt: skip
def test_login_post_refusals_are_400(
    http: httpx.Client, backend: Backend, cookie: str | None, body: dict[str, str], message: str
) -> None:
    fields = {"credential": backend.idp.mint(), **body}
    headers = {"Cookie": cookie} if cookie else {}
    response = http.post("/login", data=fields, headers=headers)
    assert (response.status_code, response.text) == (400, message)


def test_login_post_with_expired_credential_is_401(http: httpx.Client, backend: Backend) -> None:
    expired = backend.idp.mint(iat=1_000_000_000, exp=1_000_003_600)
    response = http.post(
        "/login",
        data={"credential": expired, "g_csrf_token": "t"},
        headers={"Cookie": "g_csrf_token=t"},
    )
    assert response.status_code == 401
    assert "ID token expired" in response.text


# --- /storeauthcode (seed 001) --------------------------------------------------------------

XHR = {"X-Requested-With": "XMLHttpRequest", "Content-Type": "application/octet-stream"}


def test_storeauthcode_exchanges_with_postmessage(http: httpx.Client, backend: Backend) -> None:
    backend.token_reply = (
        200,
        {"access_token": "ya29.a", "expires_in": 3599, "refresh_token": "1//0e",
         "scope": "openid email", "token_type": "Bearer", "id_token": backend.idp.mint()},
    )  # fmt: skip
    response = http.post("/storeauthcode", content=b"4/0AX4XfWi-Z4yyJJJo", headers=XHR)
    assert response.status_code == 200
    assert response.json() == {
        "sub": "110169484474386276334",
        "email": "testuser@gmail.com",
        "scope": ["openid", "email"],
        "offline": True,
    }
    form = backend.token_requests[0].content.decode()
    assert "code=4%2F0AX4XfWi-Z4yyJJJo" in form and "redirect_uri=postmessage" in form


def test_storeauthcode_without_requested_with_is_403(http: httpx.Client, backend: Backend) -> None:
    response = http.post(
        "/storeauthcode", content=b"4/0AX4", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 403
    assert response.text.startswith("Missing X-Requested-With header")
    assert backend.token_requests == []


def test_storeauthcode_empty_body_is_400(http: httpx.Client, backend: Backend) -> None:
    response = http.post("/storeauthcode", content=b"  ", headers=XHR)
    assert (response.status_code, response.text) == (
        400,
        "Missing authorization code in the request body.",
    )


def test_storeauthcode_used_code_is_400(http: httpx.Client, backend: Backend) -> None:
    backend.token_reply = (400, {"error": "invalid_grant", "error_description": "Bad Request"})
    response = http.post("/storeauthcode", content=b"4/0AX4", headers=XHR)
    assert (response.status_code, response.text) == (
        400,
        "The authorization code was refused (invalid_grant).",
    )


def test_storeauthcode_idp_failure_is_502(http: httpx.Client, backend: Backend) -> None:
    backend.token_reply = (500, {"error": "server_error"})
    response = http.post("/storeauthcode", content=b"4/0AX4", headers=XHR)
    assert (response.status_code, response.text) == (
        502,
        "The identity provider could not be reached; try again later.",
    )


# --- hostile bodies, over real HTTP on both frameworks ------------------------------------------


def test_oversized_bodies_are_413_without_being_read_whole(
    http: httpx.Client, backend: Backend
) -> None:
    declared = http.post("/tokensignin", content=b"idtoken=" + b"a" * 70_000, headers=FORM)
    assert (declared.status_code, declared.text) == (413, "Request body too large.")

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer encoding
        yield b"idtoken="
        for _ in range(20):
            yield b"a" * 8192

    chunked = http.post("/tokensignin", content=chunks(), headers=FORM)
    assert (chunked.status_code, chunked.text) == (413, "Request body too large.")
    code = http.post("/storeauthcode", content=b"4/" + b"a" * 70_000,
                     headers={"X-Requested-With": "XMLHttpRequest"})  # fmt: skip
    assert code.status_code == 413


def test_deeply_nested_json_is_400_not_500(http: httpx.Client, backend: Backend) -> None:
    body = b'{"idtoken":' + b"[" * 30_000 + b"]" * 30_000 + b"}"
    response = http.post("/tokensignin", content=body, headers={"Content-Type": "application/json"})
    assert (response.status_code, response.text) == (
        400, "Request body is neither a form nor a JSON object."
    )  # fmt: skip


def test_error_answers_are_not_sniffable_and_quote_little(
    http: httpx.Client, backend: Backend
) -> None:
    hostile = backend.idp.mint(headers={"kid": "<script>" * 1000})
    response = http.post("/tokensignin", data={"idtoken": hostile})
    assert response.status_code == 401
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert response.text.count("<script>") <= 8 and len(response.text) < 600

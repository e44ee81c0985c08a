"""Bad input and bad days: never a 500, never a stack trace.

Malformed forms, huge bodies (buffered, chunked, over a real socket), unknown routes, internal
errors, and a PostgreSQL server that goes away and comes back (through a TCP proxy we stop).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from starlette.testclient import TestClient

from signon.app import create_app
from signon.storage import open_store, upgrade
from tests.conftest import (
    ISSUER,
    FakeClock,
    Harness,
    fast_hasher,
    harness_for,
    make_settings,
    pg_admin_url,
    run_async,
    temporary_pg_database,
)

LIMIT = 64 * 1024  # Settings.max_body_bytes
FORM = {"content-type": "application/x-www-form-urlencoded"}
HTML = "text/html; charset=utf-8"


def assert_no_trace(response: Any) -> None:
    for leak in ("Traceback", 'File "', "site-packages", "/signon/", "Exception"):
        assert leak not in response.text


def signed_in(harness: Harness) -> Harness:
    harness.user()
    assert harness.sign_in().status_code == 303
    return harness


# malformed forms -----------------------------------------------------------------------------
NOT_FORMS = [
    ("application/json", b'{"email": "ada@example.com"}'),
    ("text/plain", b"email=ada@example.com"),
    (None, b"email=ada@example.com"),
    ("multipart/form-data", b"no boundary"),
    ("multipart/form-data; boundary=abc", b"\xff\xfe not multipart"),
]


def test_form_that_is_not_a_form_is_400(harness: Harness) -> None:
    harness.client.get("/signin")
    for content_type, body in NOT_FORMS:
        headers = {"content-type": content_type} if content_type else {}
        response = harness.client.post("/signin", content=body, headers=headers)
        assert response.status_code == 400, content_type
        assert response.headers["content-type"] == HTML
        assert_no_trace(response)


def test_form_with_a_file_is_400(harness: Harness) -> None:
    harness.client.get("/signin")
    response = harness.client.post("/signin", files={"f": ("a.txt", b"hi")}, data={"email": "a"})
    assert response.status_code == 400
    assert_no_trace(response)


def test_form_with_too_many_fields_is_400(harness: Harness) -> None:
    harness.client.get("/signin")
    response = harness.client.post("/signin", data={f"f{i}": "x" for i in range(300)})
    assert response.status_code == 400
    assert_no_trace(response)


GARBAGE_FORMS = [
    b"\xff\xfe\x00%%%&&==\x80",
    b"email=%ff%fe&password=%&csrf_token=%zz",
    b"email=a&email=b&csrf_token=x&csrf_token=y",
    b"=&=&&",
    b"email=a&password=b&csrf_token=%C3%A9",  # non-ASCII: compare_digest raised on str
    b"email=a&password=b&csrf_token=%ED%A0%80",  # a lone surrogate's UTF-8 bytes
]


def test_garbage_form_is_refused_not_crashed(harness: Harness) -> None:
    harness.client.get("/signin")
    for body in GARBAGE_FORMS:
        response = harness.client.post("/signin", content=body, headers=FORM)
        assert response.status_code == 403, body  # a form, without a valid CSRF token
        assert_no_trace(response)


def test_garbage_cookies_and_query_ignored(harness: Harness) -> None:
    response = harness.client.get(
        "/signin?continue=%ff%fe&email=%00",
        headers={"cookie": 'signon_sid=\x7f; signon_csrf="\\"; =; ;;'},
    )
    assert response.status_code == 200


# huge bodies ---------------------------------------------------------------------------------
def test_body_over_limit_with_content_length_is_413_page_for_people(harness: Harness) -> None:
    response = harness.client.post("/signin", content=b"a" * (LIMIT + 1), headers=FORM)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "The request body is too large." in response.text


def test_body_over_limit_with_content_length_is_413_json_for_api(harness: Harness) -> None:
    response = harness.client.post("/token", content=b"a" * (LIMIT + 1), headers=FORM)
    assert response.status_code == 413
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "The request body is too large.",
    }


def test_body_at_limit_is_read(harness: Harness) -> None:
    harness.client.get("/signin")
    response = harness.client.post("/signin", content=b"a" * LIMIT, headers=FORM)
    assert response.status_code == 403  # read and parsed; refused for its missing CSRF token


def chunks(total: int, size: int = 8192) -> Iterator[bytes]:
    while total > 0:
        yield b"a" * min(size, total)
        total -= size


def test_chunked_body_over_limit_is_413_page(harness: Harness) -> None:
    response = harness.client.post("/signin", content=chunks(LIMIT + 1), headers=FORM)
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.headers["content-type"] == HTML
    assert "Request too large" in response.text


def test_chunked_body_over_limit_on_api_path_is_413_json(harness: Harness) -> None:
    response = harness.client.post("/token", content=chunks(LIMIT + 1), headers=FORM)
    assert response.status_code == 413
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "The request body is too large.",
    }


def test_body_limit_follows_settings(sqlite_url: str, clock: FakeClock) -> None:
    with harness_for(make_settings(sqlite_url, max_body_bytes=1000), clock) as h:
        assert h.client.post("/signin", content=b"a" * 1001, headers=FORM).status_code == 413
        assert h.client.post("/signin", content=chunks(1001, 100), headers=FORM).status_code == 413


@pytest.fixture
def live_server(sqlite_url: str, clock: FakeClock) -> Iterator[tuple[str, int]]:
    """The app under a real uvicorn on a free port, so bodies arrive in real chunks."""
    settings = make_settings(sqlite_url)
    upgrade(sqlite_url)
    app = create_app(settings, open_store(sqlite_url), clock, fast_hasher())
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield ("127.0.0.1", port)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def raw_request(address: tuple[str, int], head: bytes, body: Iterable[bytes] = ()) -> bytes:
    """Send a request over a socket; what came back (the server may stop reading early)."""
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(head)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for piece in body:
                sock.sendall(piece)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        with contextlib.suppress(ConnectionResetError):
            while piece := sock.recv(65536):
                received += piece
        return received


def test_live_chunked_body_over_limit_is_413(live_server: tuple[str, int]) -> None:
    head = (
        b"POST /signin HTTP/1.1\r\nHost: localhost\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    body = (b"%x\r\n%s\r\n" % (len(c), c) for c in chunks(4 * LIMIT))
    response = raw_request(live_server, head, body)
    assert response.startswith(b"HTTP/1.1 413 ")


def test_live_declared_huge_body_refused_before_it_is_sent(live_server: tuple[str, int]) -> None:
    head = (
        b"POST /signin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000000000\r\n\r\n"
    )
    start = time.monotonic()
    response = raw_request(live_server, head)
    assert response.startswith(b"HTTP/1.1 413 ")
    assert time.monotonic() - start < 5


# unknown routes ------------------------------------------------------------------------------
def test_unknown_page_is_404_html(harness: Harness) -> None:
    response = harness.client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"] == HTML
    assert "Page not found" in response.text
    assert "There is nothing at this address." in response.text


@pytest.mark.parametrize("path", ["/oauth2/v9/nothing", "/.well-known/nothing", "/admin/api/x"])
def test_unknown_api_path_is_404_json(harness: Harness, path: str) -> None:
    response = harness.client.get(path)
    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "error_description": "There is nothing at this address.",
    }


def test_unknown_route_for_json_client_is_404_json(harness: Harness) -> None:
    response = harness.client.get("/no/such/page", headers={"accept": "application/json"})
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_wrong_method_is_405(harness: Harness) -> None:
    page = harness.client.post("/signedout")
    assert (page.status_code, page.headers["content-type"]) == (405, HTML)
    api = harness.client.post("/oauth2/v3/certs")
    assert api.status_code == 405
    assert api.json()["error"] == "method_not_allowed"


# internal errors -----------------------------------------------------------------------------
@pytest.fixture
def fragile(sqlite_url: str, clock: FakeClock) -> Iterator[Harness]:
    """A harness whose client gets the 500 response instead of the exception."""
    upgrade(sqlite_url)
    app = create_app(make_settings(sqlite_url), open_store(sqlite_url), clock, fast_hasher())
    with TestClient(app, base_url=ISSUER, raise_server_exceptions=False) as client:
        yield Harness(client, clock)


def explode(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("secret internal detail at /srv/signon/db.py line 42")


def test_internal_error_on_a_page_is_a_plain_500_page(
    fragile: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_in(fragile)
    monkeypatch.setattr(fragile.ctx.store, "find_user", explode)
    response = fragile.client.get("/")
    assert response.status_code == 500
    assert response.headers["content-type"] == HTML
    assert "Something went wrong" in response.text
    assert "secret internal detail" not in response.text
    assert_no_trace(response)


def test_internal_error_on_an_api_path_is_server_error_json(
    fragile: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fragile.ctx.keyring, "fresh", explode)
    response = fragile.client.get("/oauth2/v3/certs")
    assert response.status_code == 500
    assert response.json() == {"error": "server_error", "error_description": "Internal error"}


# the database goes away ----------------------------------------------------------------------
class TcpProxy:
    """Forwards 127.0.0.1:port to a target; stop() refuses and cuts every connection."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """One migrated PostgreSQL database for this module's outage tests."""
    if pg_admin_url() is None:
        pytest.skip("needs SIGNON_TEST_DATABASE_URL")
    with temporary_pg_database() as url:
        upgrade(url)
        yield url


async def reset(url: str) -> None:
    store = open_store(url)
    try:
        await store.reset()
    finally:
        await store.close()


@pytest.fixture
def proxied_postgres(postgres_url: str, clock: FakeClock) -> Iterator[tuple[Harness, TcpProxy]]:
    """An app whose only way to its (emptied) PostgreSQL database is through a TcpProxy."""
    run_async(reset(postgres_url))
    parts = urlsplit(postgres_url)
    proxy = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    proxy.start()
    user = f"{parts.username}@" if parts.username else ""
    proxied = parts._replace(netloc=f"{user}127.0.0.1:{proxy.port}").geturl()
    try:
        with harness_for(make_settings(proxied), clock) as harness:
            yield harness, proxy
    finally:
        proxy.stop()


UNAVAILABLE = "temporarily unavailable (its database cannot be reached)"


def test_database_down_page_is_503_html(proxied_postgres: tuple[Harness, TcpProxy]) -> None:
    harness, proxy = proxied_postgres
    signed_in(harness)
    proxy.stop()
    response = harness.client.get("/")
    assert response.status_code == 503
    assert response.headers["content-type"] == HTML
    assert response.headers["retry-after"] == "5"
    assert UNAVAILABLE in response.text
    assert_no_trace(response)


def test_database_down_form_post_is_503(proxied_postgres: tuple[Harness, TcpProxy]) -> None:
    harness, proxy = proxied_postgres
    harness.user()
    proxy.stop()
    response = harness.sign_in()
    assert response.status_code == 503
    assert UNAVAILABLE in response.text


def test_database_down_api_is_503_json(proxied_postgres: tuple[Harness, TcpProxy]) -> None:
    harness, proxy = proxied_postgres
    proxy.stop()
    response = harness.client.get("/oauth2/v3/tokeninfo", params={"access_token": "ya29.x"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    body = response.json()
    assert body["error"] == "temporarily_unavailable"
    assert UNAVAILABLE in body["error_description"]


def test_database_down_keys_still_served(
    proxied_postgres: tuple[Harness, TcpProxy], clock: FakeClock
) -> None:
    harness, proxy = proxied_postgres
    before = harness.client.get("/oauth2/v3/certs").json()
    proxy.stop()
    clock.advance(harness.ctx.keyring.reload_interval)  # a reload is due, and fails
    response = harness.client.get("/oauth2/v3/certs")
    assert response.status_code == 200
    assert response.json() == before


def test_database_back_service_recovers(proxied_postgres: tuple[Harness, TcpProxy]) -> None:
    harness, proxy = proxied_postgres
    signed_in(harness)
    proxy.stop()
    assert harness.client.get("/").status_code == 503
    token_info = harness.client.get("/oauth2/v3/tokeninfo", params={"access_token": "ya29.x"})
    assert token_info.status_code == 503
    proxy.start()
    home = harness.client.get("/")
    assert home.status_code == 200
    assert "ada@example.com" in home.text  # the session outlived the outage
    token_info = harness.client.get("/oauth2/v3/tokeninfo", params={"access_token": "ya29.x"})
    assert token_info.status_code == 400  # answered again: an unknown token

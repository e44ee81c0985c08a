"""Which redirect URIs each client type may use (DESIGN.md; spec 1.3)."""

from __future__ import annotations

import pytest

from signon.protocol.redirects import POSTMESSAGE, is_origin_registered, is_redirect_allowed
from signon.storage.records import Client, ClientType

CLIENT_ID = "123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com"
SCHEME = "com.googleusercontent.apps.123456789012-abcdefghijklmnopqrstuvwxyz012345"


def client(type: ClientType = "web", **fields: object) -> Client:
    defaults: dict[str, object] = {
        "origins": ("https://app.example",) if type == "web" else (),
        "redirect_uris": ("https://app.example/callback",) if type == "web" else (),
    }
    defaults.update(fields)
    return Client(client_id=CLIENT_ID, project="default", name="App", type=type, **defaults)  # type: ignore[arg-type]


def test_web_registered_uri_is_allowed() -> None:
    assert is_redirect_allowed(client(), "https://app.example/callback")


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example/callback/",
        "https://app.example/Callback",
        "https://APP.example/callback",
        "http://app.example/callback",
        "https://app.example:443/callback",
        "https://app.example/callback?x=1",
        "https://app.example/callback#x",
        "https://app.example/callback ",
        "https://app.example",
        "",
    ],
)
def test_web_only_the_exact_string_is_allowed(uri: str) -> None:
    assert not is_redirect_allowed(client(), uri)


def test_web_loopback_port_is_not_free() -> None:
    web = client(redirect_uris=("http://localhost:5000/cb",))
    assert not is_redirect_allowed(web, "http://localhost:5001/cb")


def test_web_postmessage_from_registered_origin() -> None:
    assert is_redirect_allowed(client(), POSTMESSAGE, "https://app.example")


def test_web_postmessage_origin_compares_without_case() -> None:
    assert is_redirect_allowed(client(), POSTMESSAGE, "https://APP.example")


@pytest.mark.parametrize(
    "origin", [None, "", "https://evil.example", "https://app.example/", "http://app.example"]
)
def test_web_postmessage_from_other_origins_is_refused(origin: str | None) -> None:
    assert not is_redirect_allowed(client(), POSTMESSAGE, origin)


def test_origin_registration_is_only_for_web_clients() -> None:
    desktop = client("desktop", origins=("https://app.example",))
    assert not is_origin_registered(desktop, "https://app.example")
    assert not is_redirect_allowed(desktop, POSTMESSAGE, "https://app.example")


@pytest.mark.parametrize(
    "uri",
    [
        "http://127.0.0.1:53682/",
        "http://127.0.0.1/",
        "http://localhost:8080/oauth2callback",
        "http://[::1]:9000/",
    ],
)
def test_desktop_any_loopback_port_is_allowed(uri: str) -> None:
    assert is_redirect_allowed(client("desktop"), uri)


@pytest.mark.parametrize(
    "uri",
    [
        "https://127.0.0.1:53682/",
        "http://example.com:8080/",
        "http://127.0.0.1:99999/",
        "http://127.0.0.1:8080/#frag",
        "http://user@127.0.0.1:8080/",
        "urn:ietf:wg:oauth:2.0:oob",
        "http://127.0.0.2.evil.example/",
    ],
)
def test_desktop_non_loopback_redirects_are_refused(uri: str) -> None:
    assert not is_redirect_allowed(client("desktop"), uri)


def test_desktop_registered_uri_is_allowed() -> None:
    desktop = client("desktop", redirect_uris=("https://app.example/done",))
    assert is_redirect_allowed(desktop, "https://app.example/done")


@pytest.mark.parametrize("type", ["ios", "android"])
@pytest.mark.parametrize("path", ["/oauth2redirect", "/", "/a/b?c=d"])
def test_native_reversed_client_id_scheme_is_allowed(type: ClientType, path: str) -> None:
    assert is_redirect_allowed(client(type), f"{SCHEME}:{path}")


@pytest.mark.parametrize(
    "uri",
    [
        f"{SCHEME}:oauth2redirect",  # no path
        f"{SCHEME}",
        "com.googleusercontent.apps.999-other:/oauth2redirect",
        "http://127.0.0.1:8080/",  # loopback is blocked for native clients
        "https://app.example/callback",
    ],
)
def test_native_other_redirects_are_refused(uri: str) -> None:
    assert not is_redirect_allowed(client("ios"), uri)

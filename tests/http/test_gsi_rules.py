"""The pure GIS rules: frame tickets, select_by, login_uri, button options and locales."""

from __future__ import annotations

from dataclasses import replace

from signon.protocol.gsi import (
    FrameTicket,
    button_select_by,
    is_login_uri_allowed,
    mint_ticket,
    onetap_select_by,
    read_ticket,
)
from signon.protocol.gsi_button import button_label, parse_button, pick_locale
from signon.storage.records import Client

SECRET = b"k" * 32
CLIENT = Client(client_id="1-a.apps.googleusercontent.com", project="p", name="App", type="web",
                origins=("https://app.example",),
                redirect_uris=("https://login.example/cb",))  # fmt: skip


def test_ticket_round_trips_and_expires() -> None:
    ticket = FrameTicket("c", "https://app.example", "hash", 1000, "nonce")
    value = mint_ticket(SECRET, ticket)
    assert read_ticket(SECRET, value, 999) == ticket
    assert read_ticket(SECRET, value, 1000) is None
    assert read_ticket(b"x" * 32, value, 0) is None
    body, mac = value.split(".")
    assert read_ticket(SECRET, body + "." + mac[::-1], 0) is None
    assert read_ticket(SECRET, None, 0) is None


def test_select_by_follows_the_seed_table() -> None:
    assert button_select_by(had_session=True, confirmed=False) == "btn"
    assert button_select_by(had_session=True, confirmed=True) == "btn_confirm"
    assert button_select_by(had_session=False, confirmed=False) == "btn_add_session"
    assert button_select_by(had_session=False, confirmed=True) == "btn_confirm_add_session"
    assert onetap_select_by(auto=True, confirmed=False) == "auto"
    assert onetap_select_by(auto=False, confirmed=True) == "user_1tap"
    assert onetap_select_by(auto=False, confirmed=False) == "user"


def test_login_uri_is_a_registered_redirect_uri_or_on_a_loopback_origin() -> None:
    assert is_login_uri_allowed(CLIENT, "https://login.example/cb")
    # A registered origin is not enough off loopback: an open redirect or a body-logging page
    # there would pass a credential on (anyone can start the redirect flow with a link).
    assert not is_login_uri_allowed(CLIENT, "https://app.example/auth/google")
    assert not is_login_uri_allowed(CLIENT, "https://APP.example:443/x")
    assert not is_login_uri_allowed(CLIENT, "https://login.example/cb?next=https://evil.test")
    # What client.js sends is `new URL(login_uri).href`: the same URI in the parser's form.
    assert is_login_uri_allowed(CLIENT, "https://LOGIN.example:443/cb")
    assert not is_login_uri_allowed(CLIENT, "https://login.example/CB")  # paths keep their case
    bare = replace(CLIENT, redirect_uris=("https://App.example",))
    assert is_login_uri_allowed(bare, "https://app.example/")
    local = replace(CLIENT, origins=("http://localhost:3000", "http://127.0.0.1:8000"))
    assert is_login_uri_allowed(local, "http://localhost:3000/auth/google")
    assert is_login_uri_allowed(local, "http://127.0.0.1:8000/login?x=1")
    assert not is_login_uri_allowed(local, "http://localhost:3001/login")
    assert not is_login_uri_allowed(CLIENT, "https://app.example.evil.test/x")
    assert not is_login_uri_allowed(CLIENT, "http://app.example/x")
    assert not is_login_uri_allowed(CLIENT, "https://app.example/x#frag")
    assert not is_login_uri_allowed(CLIENT, "https://user@app.example/x")


def test_button_options_fall_back_to_defaults_and_cap_the_width() -> None:
    options = parse_button({"type": "icon", "theme": "neon", "width": "999", "shape": "pill"})
    assert (options.type, options.theme, options.width) == ("icon", "outline", 400)
    assert options.effective_shape == "circle"
    assert parse_button({"shape": "circle"}).effective_shape == "pill"
    assert parse_button({"type": "icon"}).effective_shape == "square"


def test_locales() -> None:
    assert pick_locale("zh_CN", "de-DE,de;q=0.9") == "de"
    assert pick_locale(None, "es-419") == "es"
    assert pick_locale("fr_CA") == "fr"
    assert pick_locale("ja") == "en"
    assert button_label("de", "signin_with") == "Mit signon anmelden"
    assert button_label("es", "signin", "Ada") == "Continuar como Ada"

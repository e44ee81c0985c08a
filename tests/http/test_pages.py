"""Sign-in pages and browser sessions: cookies, several accounts, sign-out, CSRF, redirects."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from signon.app import create_app
from signon.protocol.ids import hash_secret
from signon.storage import open_store, upgrade
from tests.conftest import FakeClock, Harness, csrf_from, fast_hasher, make_settings
from tests.storage.dump import all_rows_text

ADA, BOB = "ada@example.com", "bob@example.com"
PASSWORD = "correct horse"
CSRF_REFUSED = "This form has expired or did not come from this site."


def cookie_attributes(response: Any, name: str) -> dict[str, str]:
    """The attributes of the Set-Cookie header for `name` (lower-cased names; value under '')."""
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            first, *rest = (part.strip() for part in header.split(";"))
            attributes = {"": first.partition("=")[2]}
            for part in rest:
                key, _, value = part.partition("=")
                attributes[key.lower()] = value
            return attributes
    raise AssertionError(f"no Set-Cookie for {name}")


def sets_cookie(response: Any, name: str) -> bool:
    return any(h.startswith(f"{name}=") for h in response.headers.get_list("set-cookie"))


def post_form(harness: Harness, path: str, page: str, **fields: str) -> Any:
    """Submit a form the way a browser does: with the CSRF token of the page it came from."""
    token = csrf_from(harness.client.get(page).text)
    return harness.client.post(path, data={"csrf_token": token, **fields})


def chooser_emails(harness: Harness) -> list[str]:
    html = harness.client.get("/signin/chooser").text
    return sorted((e for e in (ADA, BOB) if e in html), key=html.index)


@pytest.fixture
def two_users(harness: Harness) -> Harness:
    harness.user(ADA, PASSWORD)
    harness.user(BOB, PASSWORD)
    return harness


# the sign-in page ----------------------------------------------------------------------------
def test_signin_page_has_email_password_and_sign_in_button(harness: Harness) -> None:
    response = harness.client.get("/signin")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    for fragment in (
        "<span>Email</span>",
        'name="email"',
        "<span>Password</span>",
        'name="password"',
        'type="password"',
        ">Sign in</button>",
        'name="csrf_token" value="',
    ):
        assert fragment in html


def test_signin_page_not_cached(harness: Harness) -> None:
    assert harness.client.get("/signin").headers["cache-control"] == "no-store"


def test_signin_page_sets_csrf_cookie(harness: Harness) -> None:
    attributes = cookie_attributes(harness.client.get("/signin"), "signon_csrf")
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "lax"
    assert "secure" not in attributes


# signing in ----------------------------------------------------------------------------------
def test_signin_right_password_sets_session_cookie(harness: Harness) -> None:
    harness.user(ADA, PASSWORD)
    response = harness.sign_in(ADA, PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/?authuser=0"
    attributes = cookie_attributes(response, "signon_sid")
    assert len(attributes[""]) >= 43
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "lax"
    assert attributes["path"] == "/"
    assert attributes["max-age"] == str(harness.ctx.settings.session_idle_seconds)
    assert "secure" not in attributes  # the issuer is http


def test_signin_shows_the_account_afterwards(harness: Harness) -> None:
    harness.user(ADA, PASSWORD)
    harness.sign_in(ADA, PASSWORD)
    assert chooser_emails(harness) == [ADA]


@pytest.fixture
def https_harness(sqlite_url: str, clock: FakeClock) -> Iterator[Harness]:
    settings = make_settings(
        sqlite_url, issuer="https://accounts.example.test", secret_key="k" * 32
    )
    upgrade(sqlite_url)
    app = create_app(settings, open_store(sqlite_url), clock, fast_hasher())
    # Secure cookies only travel over https, so this browser talks https.
    with TestClient(app, base_url="https://accounts.example.test", follow_redirects=False) as c:
        yield Harness(c, clock)


def test_signin_session_cookie_secure_on_https_issuer(https_harness: Harness) -> None:
    https_harness.user(ADA, PASSWORD)
    response = https_harness.sign_in(ADA, PASSWORD)
    assert response.status_code == 303
    session = cookie_attributes(response, "__Host-signon_sid")
    assert "secure" in session
    assert "httponly" in session
    assert session["samesite"].lower() == "lax"
    cross_site = cookie_attributes(response, "__Host-signon_sid_x")
    assert cross_site["samesite"].lower() == "none" and "secure" in cross_site
    for attributes in (session, cross_site):  # what a __Host- cookie needs, or browsers drop it
        assert attributes["path"] == "/" and "domain" not in attributes
    assert not sets_cookie(response, "signon_sid")


def test_session_cookie_planted_by_a_sibling_subdomain_counts_for_nothing(
    https_harness: Harness, clock: FakeClock
) -> None:
    """evil.example.test can set `signon_sid` for .example.test, and the browser sends it to
    signon too. If it counted, the person would be signed in to the attacker's session."""
    https_harness.user(ADA, PASSWORD)
    https_harness.user("mallory@example.com", PASSWORD)
    assert https_harness.sign_in("mallory@example.com", PASSWORD).status_code == 303
    mallory_session = https_harness.client.cookies["__Host-signon_sid"]
    https_harness.client.cookies.clear()
    assert https_harness.sign_in(ADA, PASSWORD).status_code == 303
    for name in ("signon_sid", "signon_sid_x"):
        https_harness.client.cookies.set(name, mallory_session, domain=".example.test")
    assert chooser_emails(https_harness) == [ADA]
    https_harness.client.cookies.delete("__Host-signon_sid")
    https_harness.client.cookies.delete("__Host-signon_sid_x")
    assert https_harness.client.get("/signin/chooser").status_code == 303  # signed out


def test_signin_csrf_cookie_is_a_host_cookie_on_https_issuer(https_harness: Harness) -> None:
    """`__Host-`: browsers refuse it from a sibling subdomain, so nobody can plant their own
    cookie (and matching token) to submit the sign-in form as someone else's browser."""
    response = https_harness.client.get("/signin")
    attributes = cookie_attributes(response, "__Host-signon_csrf")
    assert "secure" in attributes and attributes["path"] == "/" and "domain" not in attributes
    assert not sets_cookie(response, "signon_csrf")
    https_harness.user(ADA, PASSWORD)
    assert https_harness.sign_in(ADA, PASSWORD).status_code == 303  # and the forms work
    https_harness.client.cookies.delete("__Host-signon_csrf")
    https_harness.client.cookies.set("signon_csrf", attributes[""], domain="accounts.example.test")
    token = csrf_from(response.text)
    refused = https_harness.client.post("/signin", data={
        "email": ADA, "password": PASSWORD, "continue": "/", "csrf_token": token})  # fmt: skip
    assert refused.status_code == 403  # the unprefixed name counts for nothing on https


def test_signin_wrong_password_is_401_without_session(harness: Harness) -> None:
    harness.user(ADA, PASSWORD)
    response = harness.sign_in(ADA, "wrong horse")
    assert response.status_code == 401
    assert "Wrong email or password. Try again." in response.text
    assert not sets_cookie(response, "signon_sid")
    assert harness.client.get("/signin/chooser").status_code == 303


def test_signin_unknown_email_answers_like_wrong_password(harness: Harness) -> None:
    harness.user(ADA, PASSWORD)
    wrong = harness.sign_in(ADA, "wrong horse")
    unknown = harness.sign_in("nobody@example.com", "wrong horse")
    assert (unknown.status_code, wrong.status_code) == (401, 401)
    assert unknown.text.replace("nobody@example.com", ADA) == wrong.text


def test_signin_empty_fields_is_401(harness: Harness) -> None:
    response = harness.sign_in("", "")
    assert response.status_code == 401
    assert "Enter an email and password." in response.text


def test_signin_wrong_password_page_keeps_email_and_escapes_it(harness: Harness) -> None:
    response = harness.sign_in('"><script>x</script>@example.com', "wrong horse")
    assert response.status_code == 401
    assert "<script>x</script>" not in response.text
    assert "&lt;script&gt;x&lt;/script&gt;@example.com" in response.text


def test_signin_session_cookie_stored_only_as_hash(harness: Harness, sqlite_url: str) -> None:
    harness.user(ADA, PASSWORD)
    cookie = cookie_attributes(harness.sign_in(ADA, PASSWORD), "signon_sid")[""]
    dump = all_rows_text(sqlite_url)
    assert cookie not in dump
    assert hash_secret(cookie) in dump


def test_signin_new_session_id_on_every_sign_in(harness: Harness) -> None:
    harness.user(ADA, PASSWORD)
    first = cookie_attributes(harness.sign_in(ADA, PASSWORD), "signon_sid")[""]
    second = cookie_attributes(harness.sign_in(ADA, PASSWORD), "signon_sid")[""]
    assert first != second
    assert chooser_emails(harness) == [ADA]
    harness.client.cookies.clear()
    harness.client.cookies.set("signon_sid", first)
    assert harness.client.get("/signin/chooser").status_code == 303  # the old ID is dead


def test_signin_session_id_planted_before_sign_in_is_replaced(harness: Harness) -> None:
    harness.user(ADA, PASSWORD)
    harness.client.cookies.set("signon_sid", "planted-by-an-attacker")
    cookie = cookie_attributes(harness.sign_in(ADA, PASSWORD), "signon_sid")[""]
    assert cookie != "planted-by-an-attacker"


# several accounts ----------------------------------------------------------------------------
def test_second_account_gets_authuser_1(two_users: Harness) -> None:
    assert two_users.sign_in(ADA, PASSWORD).headers["location"] == "/?authuser=0"
    assert two_users.sign_in(BOB, PASSWORD).headers["location"] == "/?authuser=1"


def test_chooser_lists_accounts_in_sign_in_order(two_users: Harness) -> None:
    two_users.sign_in(BOB, PASSWORD)
    two_users.sign_in(ADA, PASSWORD)
    response = two_users.client.get("/signin/chooser")
    assert response.status_code == 200
    html = response.text
    assert chooser_emails(two_users) == [BOB, ADA]
    # Each account is a link to the continue URL with its index: <a href="/?authuser=0">bob...
    positions = [html.index(s) for s in ('href="/?authuser=0"', BOB, 'href="/?authuser=1"', ADA)]
    assert positions == sorted(positions)
    assert "Use another account" in html


def test_chooser_without_session_redirects_to_signin(harness: Harness) -> None:
    response = harness.client.get("/signin/chooser")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?continue=%2F"


def test_signout_page_lists_each_account(two_users: Harness) -> None:
    two_users.sign_in(ADA, PASSWORD)
    two_users.sign_in(BOB, PASSWORD)
    html = two_users.client.get("/signout").text
    assert "Sign out of ada@example.com" in html
    assert "Sign out of bob@example.com" in html
    assert "Sign out of all accounts" in html


def test_signout_of_one_account_keeps_the_other(two_users: Harness) -> None:
    two_users.sign_in(ADA, PASSWORD)
    two_users.sign_in(BOB, PASSWORD)
    response = post_form(two_users, "/signout", "/signout", authuser="0")
    assert response.status_code == 303
    assert response.headers["location"] == "/signedout?remaining=1"
    assert not sets_cookie(response, "signon_sid")
    assert chooser_emails(two_users) == [BOB]
    assert 'href="/?authuser=0"' in two_users.client.get("/signin/chooser").text


def test_signout_of_all_accounts_clears_the_session(two_users: Harness) -> None:
    two_users.sign_in(ADA, PASSWORD)
    cookie = cookie_attributes(two_users.sign_in(BOB, PASSWORD), "signon_sid")[""]
    response = post_form(two_users, "/signout", "/signout")
    assert response.status_code == 303
    assert response.headers["location"] == "/signedout?remaining=0"
    cleared = cookie_attributes(response, "signon_sid")
    assert (cleared[""], cleared["max-age"]) in {('""', "0"), ("", "0")}
    assert two_users.client.get("/signin/chooser").status_code == 303
    # The session is gone from the store too, not just from this browser.
    two_users.client.cookies.clear()
    two_users.client.cookies.set("signon_sid", cookie)
    assert two_users.client.get("/signin/chooser").status_code == 303


def test_signout_of_the_only_account_clears_the_cookie(two_users: Harness) -> None:
    two_users.sign_in(ADA, PASSWORD)
    response = post_form(two_users, "/signout", "/signout", authuser="0")
    assert response.headers["location"] == "/signedout?remaining=0"
    assert cookie_attributes(response, "signon_sid")["max-age"] == "0"


def test_signedout_page(harness: Harness) -> None:
    response = harness.client.get("/signedout")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"


# CSRF ----------------------------------------------------------------------------------------
def signin_fields(**overrides: str) -> dict[str, str]:
    return {"email": ADA, "password": PASSWORD, "continue": "/", **overrides}


def assert_csrf_refused(response: Any) -> None:
    assert response.status_code == 403
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert CSRF_REFUSED in response.text
    assert not sets_cookie(response, "signon_sid")


def test_signin_without_csrf_token_refused(harness: Harness) -> None:
    harness.user(ADA, PASSWORD)
    harness.client.get("/signin")
    assert_csrf_refused(harness.client.post("/signin", data=signin_fields()))
    assert harness.client.get("/signin/chooser").status_code == 303


def test_signin_with_wrong_csrf_token_refused(harness: Harness) -> None:
    harness.user(ADA, PASSWORD)
    token = csrf_from(harness.client.get("/signin").text)
    wrong = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = harness.client.post("/signin", data=signin_fields(csrf_token=wrong))
    assert_csrf_refused(response)


def test_signin_without_csrf_cookie_refused(harness: Harness) -> None:
    harness.user(ADA, PASSWORD)
    token = csrf_from(harness.client.get("/signin").text)
    harness.client.cookies.clear()
    assert_csrf_refused(harness.client.post("/signin", data=signin_fields(csrf_token=token)))


def test_signin_with_another_browsers_csrf_token_refused(harness: Harness) -> None:
    harness.user(ADA, PASSWORD)
    attacker_token = csrf_from(harness.client.get("/signin").text)
    harness.client.cookies.clear()
    harness.client.get("/signin")  # the victim's browser gets its own CSRF cookie
    response = harness.client.post("/signin", data=signin_fields(csrf_token=attacker_token))
    assert_csrf_refused(response)


def test_signin_refused_for_csrf_creates_no_session(harness: Harness) -> None:
    ada = harness.user(ADA, PASSWORD)
    harness.client.get("/signin")
    harness.client.post("/signin", data=signin_fields())
    assert harness.run(harness.ctx.store.list_user_sessions, ada.sub, 0) == []


@pytest.mark.parametrize("token", [None, "forged"])
def test_signout_with_bad_csrf_token_refused(harness: Harness, token: str | None) -> None:
    harness.user(ADA, PASSWORD)
    harness.sign_in(ADA, PASSWORD)
    data = {"authuser": "0"} if token is None else {"authuser": "0", "csrf_token": token}
    assert_csrf_refused(harness.client.post("/signout", data=data))
    assert chooser_emails(harness) == [ADA]


# continue URLs -------------------------------------------------------------------------------
OPEN_REDIRECTS = [
    "//evil.com",
    "//evil.com/path",
    "https://evil.com",
    "http://evil.com/",
    "/\\evil.com",
    "\\\\evil.com",
    "/\t/evil.com",
    "javascript:alert(1)",
    "https:evil.com",
    "evil.com",
]


# (Loops rather than parameters: each case needs no fresh app, and a failure names its target.)
def test_signin_continue_to_another_site_replaced(harness: Harness) -> None:
    harness.user(ADA, PASSWORD)
    for target in OPEN_REDIRECTS:
        response = post_form(harness, "/signin", "/signin", **signin_fields(**{"continue": target}))
        assert response.status_code == 303, target
        assert response.headers["location"] == "/signin/chooser?authuser=0", target


def test_signin_page_does_not_carry_foreign_continue(harness: Harness) -> None:
    for target in OPEN_REDIRECTS:
        html = harness.client.get("/signin", params={"continue": target}).text
        assert 'name="continue" value="/signin/chooser"' in html, target


def test_chooser_links_never_leave_the_site(harness: Harness) -> None:
    harness.user(ADA, PASSWORD)
    harness.sign_in(ADA, PASSWORD)
    for target in OPEN_REDIRECTS:
        html = harness.client.get("/signin/chooser", params={"continue": target}).text
        assert 'href="/?authuser=0"' in html, target
        assert "evil.com" not in html, target


def test_signin_continue_on_this_site_kept(harness: Harness) -> None:
    harness.user(ADA, PASSWORD)
    target = "/o/oauth2/v2/auth?client_id=abc&scope=openid"
    response = post_form(harness, "/signin", "/signin", **signin_fields(**{"continue": target}))
    assert response.headers["location"] == f"{target}&authuser=0"


# anti-framing --------------------------------------------------------------------------------
PAGES = [
    ("GET", "/", 200),
    ("GET", "/signin", 200),
    ("GET", "/signin/chooser", 200),
    ("GET", "/signout", 200),
    ("GET", "/signedout", 200),
    ("GET", "/no-such-page", 404),
    ("POST", "/signin", 403),
    ("POST", "/signout", 403),
]


def test_pages_refuse_to_be_framed(harness: Harness) -> None:
    harness.user(ADA, PASSWORD)
    harness.sign_in(ADA, PASSWORD)
    for method, path, status in PAGES:
        form = {"email": ADA} if method == "POST" else None
        response = harness.client.request(method, path, data=form)
        assert response.status_code == status, path
        assert response.headers["content-type"] == "text/html; charset=utf-8", path
        assert response.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
        assert response.headers["x-content-type-options"] == "nosniff", path


def test_stale_signout_form_never_signs_out_another_account(two_users: Harness) -> None:
    two_users.sign_in(ADA, PASSWORD)
    two_users.sign_in(BOB, PASSWORD)
    page = two_users.client.get("/signout").text  # "Sign out of ada" is the form for index 0
    ada_form = page[: page.index("Sign out of ada@example.com")]
    ada_form = ada_form[ada_form.rindex("<form") :]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', ada_form))
    post_form(two_users, "/signout", "/signout", authuser="0")  # another tab signs ada out
    response = two_users.client.post("/signout", data=fields)  # bob is index 0 now
    assert response.status_code == 303
    assert chooser_emails(two_users) == [BOB]

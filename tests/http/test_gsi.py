"""The GIS endpoints on the wire: the library's caching, status, the iframes' framing rules,
the credential endpoint's CSRF defences, redirect-mode login_uri rules, the iframe cookie."""

from __future__ import annotations

import re

from joserfc import jwt

from signon.protocol.gsi import GSI_SCOPES
from signon.protocol.ids import new_opaque_id
from tests.conftest import ISSUER, Harness, csrf_from

ORIGIN = "http://localhost:5000"


def _ticket(html: str) -> str:
    match = re.search(r'data-ticket="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def test_client_script_is_javascript_with_caching_headers(harness: Harness) -> None:
    response = harness.client.get("/gsi/client")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=3600"
    assert "google.accounts" in response.text
    again = harness.client.get("/gsi/client", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


def test_status_reports_client_and_calling_origin(harness: Harness) -> None:
    client_id = harness.web_client().client.client_id
    ok = harness.client.get(f"/gsi/status?client_id={client_id}", headers={"Origin": ORIGIN})
    assert ok.json() == {"client": True, "origin": True}
    assert ok.headers["access-control-allow-origin"] == "*"
    other = harness.client.get(
        f"/gsi/status?client_id={client_id}", headers={"Origin": "http://localhost:6000"}
    )
    assert other.json() == {"client": True, "origin": False}
    assert harness.client.get("/gsi/status?client_id=nope").json() == {
        "client": False,
        "origin": False,
    }


def test_button_frame_is_framed_only_by_the_registered_origin(harness: Harness) -> None:
    client_id = harness.web_client().client.client_id
    ok = harness.client.get(f"/gsi/button?client_id={client_id}&origin={ORIGIN}&locale=fr")
    assert ok.status_code == 200
    assert ok.headers["content-security-policy"] == f"frame-ancestors {ORIGIN}"
    assert "x-frame-options" not in ok.headers
    assert "Se connecter avec signon" in ok.text
    refused = harness.client.get(f"/gsi/button?client_id={client_id}&origin=http://evil.test")
    assert refused.status_code == 403
    assert refused.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert harness.client.get(f"/gsi/iframe/select?client_id=x&origin={ORIGIN}").status_code == 403


def test_one_tap_frame_without_a_session_says_so(harness: Harness) -> None:
    client_id = harness.web_client().client.client_id
    frame = harness.client.get(f"/gsi/iframe/select?client_id={client_id}&origin={ORIGIN}")
    assert frame.status_code == 200
    assert 'data-no-session="1"' in frame.text
    assert "data-ticket" not in frame.text


def test_credential_endpoint_issues_a_credential_for_the_framed_session(
    harness: Harness,
) -> None:
    user = harness.user(given_name="Ada")
    client_id = harness.web_client().client.client_id
    harness.sign_in()
    frame = harness.client.get(
        f"/gsi/iframe/select?client_id={client_id}&origin={ORIGIN}&nonce=n1&context=signup"
    )
    assert "Sign up to localhost with signon" in frame.text
    body = {"ticket": _ticket(frame.text), "sub": user.sub, "mode": "user"}
    headers = {"Origin": ISSUER}
    first = harness.client.post("/gsi/credential", json=body, headers=headers)
    assert first.status_code == 200
    assert first.headers["cache-control"] == "no-store"
    assert first.json()["select_by"] == "user_1tap"
    claims = jwt.decode(first.json()["credential"], harness.ctx.keyring.signer().jwk).claims
    assert claims["aud"] == claims["azp"] == client_id
    assert claims["nonce"] == "n1" and claims["nbf"] < claims["iat"] and claims["jti"]
    second = harness.client.post("/gsi/credential", json=body, headers=headers)
    assert second.json()["select_by"] == "user"
    auto = harness.client.post("/gsi/credential", json={**body, "mode": "auto"}, headers=headers)
    assert auto.json()["select_by"] == "auto"


def test_credential_endpoint_refuses_cross_site_and_forged_requests(harness: Harness) -> None:
    user = harness.user()
    client_id = harness.web_client().client.client_id
    harness.sign_in()
    frame = harness.client.get(f"/gsi/iframe/select?client_id={client_id}&origin={ORIGIN}")
    body = {"ticket": _ticket(frame.text), "sub": user.sub, "mode": "user"}
    cross_site = harness.client.post("/gsi/credential", json=body, headers={"Origin": ORIGIN})
    assert (cross_site.status_code, cross_site.json()) == (403, {"error": "invalid_origin"})
    as_form = harness.client.post("/gsi/credential", data=body, headers={"Origin": ISSUER})
    assert as_form.status_code == 400
    json_headers = {"Origin": ISSUER, "Content-Type": "application/json"}
    for raw in (b"{nope", b"[" * 20000 + b"]" * 20000, b"[1]"):
        hostile = harness.client.post("/gsi/credential", content=raw, headers=json_headers)
        assert (hostile.status_code, hostile.json()) == (400, {"error": "invalid_request"})
    forged = {**body, "ticket": body["ticket"][:-2] + "xx"}
    bad = harness.client.post("/gsi/credential", json=forged, headers={"Origin": ISSUER})
    assert (bad.status_code, bad.json()) == (403, {"error": "invalid_ticket"})
    other_sub = {**body, "sub": "100000000000000000000"}
    wrong = harness.client.post("/gsi/credential", json=other_sub, headers={"Origin": ISSUER})
    assert (wrong.status_code, wrong.json()) == (403, {"error": "issuing_failed"})
    harness.client.cookies.clear()
    no_session = harness.client.post("/gsi/credential", json=body, headers={"Origin": ISSUER})
    assert (no_session.status_code, no_session.json()) == (403, {"error": "invalid_ticket"})


def test_auto_mode_needs_earlier_consent(harness: Harness) -> None:
    user = harness.user()
    client_id = harness.web_client().client.client_id
    harness.sign_in()
    frame = harness.client.get(f"/gsi/iframe/select?client_id={client_id}&origin={ORIGIN}")
    body = {"ticket": _ticket(frame.text), "sub": user.sub, "mode": "auto"}
    response = harness.client.post("/gsi/credential", json=body, headers={"Origin": ISSUER})
    assert (response.status_code, response.json()) == (403, {"error": "consent_required"})


def test_redirect_mode_login_uri_must_be_registered(harness: Harness) -> None:
    client_id = harness.web_client().client.client_id
    for login_uri, status in [
        ("http://localhost:5000/callback", 303),  # a registered redirect URI
        ("http://localhost:5000/anywhere", 303),  # on a registered loopback origin
        ("http://localhost:6000/login", 400),
        ("https://evil.test/login", 400),
    ]:
        response = harness.client.get(
            "/gsi/select",
            params={"client_id": client_id, "ux_mode": "redirect", "login_uri": login_uri},
        )
        assert response.status_code == status, login_uri
    public = harness.web_client(
        origins=["https://app.example.test"], redirect_uris=["https://app.example.test/login"]
    ).client.client_id
    for login_uri, status in [
        ("https://app.example.test/login", 303),
        ("https://app.example.test/go?to=https://evil.test/steal", 400),  # only on loopback
    ]:
        response = harness.client.get(
            "/gsi/select",
            params={"client_id": public, "ux_mode": "redirect", "login_uri": login_uri},
        )
        assert response.status_code == status, login_uri


def test_popup_needs_a_registered_origin(harness: Harness) -> None:
    client_id = harness.web_client().client.client_id
    ok = harness.client.get(f"/gsi/select?client_id={client_id}&origin={ORIGIN}")
    assert ok.status_code == 303 and ok.headers["location"].startswith("/signin?")
    bad = harness.client.get(f"/gsi/select?client_id={client_id}&origin=http://evil.test")
    assert bad.status_code == 400


def test_revoke_needs_a_registered_origin(harness: Harness) -> None:
    user = harness.user()
    client_id = harness.web_client().client.client_id
    data = {"client_id": client_id, "hint": user.email}
    refused = harness.client.post("/gsi/revoke", data=data, headers={"Origin": "http://evil.test"})
    assert refused.status_code == 403
    none = harness.client.post("/gsi/revoke", data=data, headers={"Origin": ORIGIN})
    assert none.json()["successful"] is False
    assert none.headers["access-control-allow-origin"] == ORIGIN
    assert none.headers["access-control-allow-credentials"] == "true"


def test_revoke_needs_the_account_signed_in_on_this_browser(harness: Harness) -> None:
    """An Origin header proves nothing outside a browser: without the user's session, knowing
    an email must not be enough to revoke that user's access (and refresh tokens) to an app."""
    ada, bob = harness.user(), harness.user("bob@example.com")
    client_id = harness.web_client().client.client_id
    for user in (ada, bob):
        harness.run(harness.ctx.store.save_grant, user.sub, client_id, GSI_SCOPES,
                    int(harness.clock()), new_opaque_id())  # fmt: skip
    headers = {"Origin": ORIGIN}
    anonymous = harness.client.post(
        "/gsi/revoke", data={"client_id": client_id, "hint": ada.email}, headers=headers
    )
    assert anonymous.json() == {"successful": False, "error": "no_session"}
    harness.sign_in()  # Ada only
    for hint in (bob.email, bob.sub):
        other = harness.client.post(
            "/gsi/revoke", data={"client_id": client_id, "hint": hint}, headers=headers
        )
        assert other.json() == {"successful": False, "error": "no_session"}
    assert harness.run(harness.ctx.store.find_grant, bob.sub, client_id) is not None
    own = harness.client.post(
        "/gsi/revoke", data={"client_id": client_id, "hint": ada.email.upper()}, headers=headers
    )
    assert own.json() == {"successful": True}
    assert harness.run(harness.ctx.store.find_grant, ada.sub, client_id) is None
    assert harness.run(harness.ctx.store.find_grant, bob.sub, client_id) is not None


def test_sign_in_sets_the_cross_site_cookie_for_the_iframes(harness: Harness) -> None:
    harness.user()
    response = harness.sign_in()
    cookies = response.headers.get_list("set-cookie")
    main = next(c for c in cookies if c.startswith("signon_sid="))
    cross = next(c for c in cookies if c.startswith("signon_sid_x="))
    assert "samesite=lax" in main.lower()
    assert main.split(";")[0].split("=")[1] == cross.split(";")[0].split("=")[1]
    assert all(a in cross.lower() for a in ("samesite=none", "secure", "httponly"))
    page = harness.client.get("/signout")
    token = csrf_from(page.text)
    out = harness.client.post("/signout", data={"csrf_token": token})
    cleared = out.headers.get_list("set-cookie")
    assert any(c.startswith("signon_sid=") and "max-age=0" in c.lower() for c in cleared)
    assert any(c.startswith("signon_sid_x=") and "max-age=0" in c.lower() for c in cleared)


def test_popup_confirm_counts_only_for_the_account_it_was_shown_to(harness: Harness) -> None:
    harness.user("ada@example.com")
    grace = harness.user("grace@example.com")
    harness.sign_in("ada@example.com")
    harness.sign_in("grace@example.com")  # the browser has ada (0) and grace (1)
    client_id = harness.web_client().client.client_id
    page = harness.client.get(f"/gsi/select?client_id={client_id}&origin={ORIGIN}&authuser=0")
    assert page.status_code == 200 and "ada@example.com" in page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    signout = harness.client.get("/signout")  # another tab signs ada out: 0 is grace now
    harness.client.post("/signout", data={"csrf_token": csrf_from(signout.text), "authuser": "0"})
    response = harness.client.post("/gsi/select", data={**fields, "signon_action": "confirm"})
    assert response.status_code == 200
    assert "grace@example.com" in response.text and "signon:gsi_credential" not in response.text
    assert harness.run(harness.ctx.store.find_grant, grace.sub, client_id) is None

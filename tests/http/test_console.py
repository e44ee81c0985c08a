"""The developer console: who may use it, projects, the consent screen, OAuth clients."""

from __future__ import annotations

import base64
import dataclasses
import html
import json
import re
from typing import Any

import pytest

from signon.protocol.clients import NewClient
from signon.protocol.ids import hash_secret
from signon.storage.records import Client
from tests.conftest import FakeClock, Harness, csrf_from, harness_for, make_settings
from tests.http.flows import approve, auth_params, authorize, exchange, redirect_of, signed_in

ISSUER = "http://testserver"


@pytest.fixture(name="dev")
def developer_harness(harness: Harness) -> Harness:
    """An admin signed in on the harness's browser."""
    harness.user("dev@example.com", is_admin=True)
    assert harness.sign_in("dev@example.com").status_code == 303
    return harness


def post_form(h: Harness, page_url: str, action: str, **fields: str) -> Any:
    page = h.client.get(page_url)
    assert page.status_code == 200, page.text[:300]
    return h.client.post(action, data={"csrf_token": csrf_from(page.text), **fields})


def field_error(page: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="f-{name}-error">([^<]*)</p>', page)
    assert found is not None, f"no error shown for {name}"
    return html.unescape(found.group(1))


def create_project(h: Harness, name: str = "photos", app_name: str = "Photo Frame") -> Any:
    return post_form(h, "/console", "/console/projects", name=name, app_name=app_name)


def create_web_client(h: Harness, project: str = "photos", **fields: str) -> Any:
    values = {"type": "web", "name": "Web", "origins": "http://localhost:5000",
              "redirect_uris": "http://localhost:5000/callback"}  # fmt: skip
    values.update(fields)
    return post_form(h, f"/console/projects/{project}/clients/new",
                     f"/console/projects/{project}/clients", **values)  # fmt: skip


def shown(page: str, element_id: str) -> str:
    found = re.search(rf'<code id="{element_id}">([^<]+)</code>', page)
    assert found is not None, f"no #{element_id} on the page"
    return html.unescape(found.group(1))


def downloaded_json(page: str) -> dict[str, Any]:
    found = re.search(r'href="data:application/json;base64,([^"]+)" download="([^"]+)"', page)
    assert found is not None
    document: dict[str, Any] = json.loads(base64.b64decode(found.group(1)))
    return document


# access ------------------------------------------------------------------------------------


def test_console_sends_signed_out_people_to_sign_in(harness: Harness) -> None:
    response = harness.client.get("/console")
    assert (response.status_code, response.headers["location"]) == (
        303, "/signin?continue=%2Fconsole"
    )  # fmt: skip


def test_console_refuses_accounts_that_are_not_developers(harness: Harness) -> None:
    signed_in(harness)
    response = harness.client.get("/console")
    assert response.status_code == 403
    assert "ada@example.com cannot use the developer console" in response.text


def test_console_lets_admin_accounts_in(dev: Harness) -> None:
    page = dev.client.get("/console")
    assert page.status_code == 200
    assert "<h1>Projects</h1>" in page.text and "dev@example.com" in page.text


def test_console_lets_any_account_in_emulator_mode(sqlite_url: str, clock: FakeClock) -> None:
    with harness_for(make_settings(sqlite_url, emulator=True), clock) as h:
        signed_in(h)
        page = h.client.get("/console")
    assert page.status_code == 200
    assert "signon emulator: test accounts only" in page.text


def test_console_forms_need_csrf(dev: Harness) -> None:
    response = dev.client.post("/console/projects", data={"name": "photos"})
    assert response.status_code == 403
    assert dev.run(dev.ctx.store.find_project, "photos") is None


# projects and the consent screen -----------------------------------------------------------


def test_console_create_project_then_it_is_listed(dev: Harness) -> None:
    response = create_project(dev)
    assert (response.status_code, response.headers["location"]) == (303, "/console/projects/photos")
    project = dev.run(dev.ctx.store.find_project, "photos")
    assert project is not None and project.app_name == "Photo Frame"
    assert re.fullmatch(r"[1-9][0-9]{11}", project.number)
    listing = dev.client.get("/console").text
    assert '<a href="/console/projects/photos">photos</a>' in listing


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Photos!", "Use lower-case letters, digits and '-', starting with a letter (at most 63)."),
        ("", "Use lower-case letters, digits and '-', starting with a letter (at most 63)."),
    ],
)
def test_console_create_project_invalid_name_is_shown_next_to_field(
    dev: Harness, name: str, message: str
) -> None:
    response = create_project(dev, name=name)
    assert response.status_code == 400
    assert field_error(response.text, "name") == message
    assert 'aria-describedby="f-name-error f-name-hint"' in response.text


def test_console_create_duplicate_project_is_refused(dev: Harness) -> None:
    create_project(dev)
    response = create_project(dev)
    assert field_error(response.text, "name") == "A project named photos already exists."


def test_console_unknown_project_is_404(dev: Harness) -> None:
    assert dev.client.get("/console/projects/nope").status_code == 404


def test_console_consent_screen_is_saved(dev: Harness) -> None:
    create_project(dev)
    response = post_form(
        dev, "/console/projects/photos", "/console/projects/photos/consent",
        app_name="Photo Frame Pro", support_email="help@photos.example",
        logo_url="https://photos.example/logo.png", homepage_url="https://photos.example",
        privacy_url="https://photos.example/privacy",
    )  # fmt: skip
    assert response.status_code == 303
    project = dev.run(dev.ctx.store.find_project, "photos")
    assert project is not None
    assert (project.app_name, project.support_email, project.privacy_url) == (
        "Photo Frame Pro", "help@photos.example", "https://photos.example/privacy"
    )  # fmt: skip
    assert "Consent screen saved." in dev.client.get(response.headers["location"]).text


def test_console_consent_screen_invalid_fields_are_shown_next_to_them(dev: Harness) -> None:
    create_project(dev)
    response = post_form(
        dev, "/console/projects/photos", "/console/projects/photos/consent",
        support_email="help", logo_url="http://photos.example/logo.png", privacy_url="privacy",
    )  # fmt: skip
    assert response.status_code == 400
    assert field_error(response.text, "support_email") == "Enter an email address."
    assert field_error(response.text, "logo_url") == (
        "Use https (http only on localhost, 127.0.0.1, [::1])"
    )
    assert field_error(response.text, "privacy_url") == (
        "Enter an absolute URL, e.g. https://example.com/privacy"
    )


def test_console_consent_screen_is_shown_on_the_consent_page(dev: Harness) -> None:
    create_project(dev)
    post_form(dev, "/console/projects/photos", "/console/projects/photos/consent",
              app_name="Photo Frame Pro", logo_url="https://photos.example/logo.png",
              homepage_url="https://photos.example", privacy_url="https://photos.example/p",
              support_email="help@photos.example")  # fmt: skip
    created = create_web_client(dev)
    client_id = shown(created.text, "client-id")
    client = dev.run(dev.ctx.store.find_client, client_id)
    assert client is not None
    params = {"client_id": client_id, "redirect_uri": client.redirect_uris[0],
              "response_type": "code", "scope": "openid email"}  # fmt: skip
    consent = dev.client.get("/o/oauth2/v2/auth", params=params)
    assert "<strong>Photo Frame Pro</strong> wants to access" in consent.text
    assert '<img class="app-logo" src="https://photos.example/logo.png"' in consent.text
    assert 'href="https://photos.example/p"' in consent.text
    assert 'href="https://photos.example"' in consent.text
    assert "mailto:help@photos.example" in consent.text
    # Whatever reaches the database (an old import, a manual edit), only http(s) becomes a link.
    project = dev.run(dev.ctx.store.find_project, "photos")
    assert project is not None
    hostile = dataclasses.replace(
        project,
        privacy_url="javascript:alert(document.domain)",
        logo_url="javascript:1",
        homepage_url="data:text/html,x",
    )
    dev.run(dev.ctx.store.update_project, hostile)
    consent = dev.client.get("/o/oauth2/v2/auth", params=params)
    assert "wants to access" in consent.text
    assert "javascript:" not in consent.text and "data:text" not in consent.text


# clients -----------------------------------------------------------------------------------


def test_console_create_web_client_shows_secret_once_and_stores_its_hash(dev: Harness) -> None:
    create_project(dev)
    page = create_web_client(dev)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    client_id = shown(page.text, "client-id")
    secret = shown(page.text, "client-secret")
    assert re.fullmatch(r"GOCSPX-[A-Za-z0-9_-]{28}", secret)
    client = dev.run(dev.ctx.store.find_client, client_id)
    assert client is not None and client.project == "photos"
    assert client.secret_hash == hash_secret(secret)
    assert client.origins == ("http://localhost:5000",)
    assert secret not in dev.client.get(f"/console/clients/{client_id}").text


def test_console_client_secret_json_has_googles_shape_with_this_issuer(dev: Harness) -> None:
    create_project(dev)
    page = create_web_client(dev)
    client_id = shown(page.text, "client-id")
    secret = shown(page.text, "client-secret")
    assert f'download="client_secret_{client_id}.json"' in page.text
    assert downloaded_json(page.text) == {"web": {
        "client_id": client_id, "project_id": "photos",
        "auth_uri": f"{ISSUER}/o/oauth2/auth", "token_uri": f"{ISSUER}/token",
        "auth_provider_x509_cert_url": f"{ISSUER}/oauth2/v1/certs",
        "client_secret": secret, "redirect_uris": ["http://localhost:5000/callback"],
        "javascript_origins": ["http://localhost:5000"],
    }}  # fmt: skip


def test_console_desktop_client_json_is_installed(dev: Harness) -> None:
    create_project(dev)
    page = create_web_client(dev, type="desktop", name="CLI", origins="", redirect_uris="")
    document = downloaded_json(page.text)
    assert list(document) == ["installed"]
    assert document["installed"]["redirect_uris"] == ["http://localhost"]


def test_console_ios_client_has_no_secret_page(dev: Harness) -> None:
    create_project(dev)
    response = create_web_client(dev, type="ios", name="iPhone", origins="", redirect_uris="")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/clients/")


@pytest.mark.parametrize(
    ("origins", "message"),
    [
        ("https://*.example.com",
         "'https://*.example.com': wildcards are not allowed in JavaScript origins"),
        ("https://example.com/app",
         "'https://example.com/app': an origin cannot contain a path or end with '/'"),
        ("https://example.com/",
         "'https://example.com/': an origin cannot contain a path or end with '/'"),
        ("http://example.com",
         "'http://example.com': must use https (http is allowed only on localhost, 127.0.0.1, "
         "[::1])"),
    ],
)  # fmt: skip
def test_console_invalid_origin_is_refused_next_to_the_field(
    dev: Harness, origins: str, message: str
) -> None:
    create_project(dev)
    response = create_web_client(dev, origins=f"http://localhost:5000\n{origins}")
    assert response.status_code == 400
    assert field_error(response.text, "origins") == message
    assert (
        'id="f-origins" name="origins" rows="4" spellcheck="false" class="mono" '
        'aria-describedby="f-origins-error f-origins-hint" aria-invalid="true"' in response.text
    )
    assert dev.run(dev.ctx.store.list_clients, "photos") == []


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("https://example.com/cb#done",
         "'https://example.com/cb#done': a redirect URI cannot contain a fragment (#)"),
        ("https://*.example.com/cb",
         "'https://*.example.com/cb': wildcards are not allowed in redirect URIs"),
        ("http://example.com/cb",
         "'http://example.com/cb': must use https (http is allowed only on localhost, "
         "127.0.0.1, [::1])"),
        ("/callback", "'/callback': a redirect URI must be an absolute http(s) URL"),
    ],
)  # fmt: skip
def test_console_invalid_redirect_uri_is_refused_next_to_the_field(
    dev: Harness, uri: str, message: str
) -> None:
    create_project(dev)
    response = create_web_client(dev, redirect_uris=uri)
    assert response.status_code == 400
    assert field_error(response.text, "redirect_uris") == message


def test_console_shows_origin_and_redirect_errors_together_and_keeps_input(dev: Harness) -> None:
    create_project(dev)
    response = create_web_client(dev, origins="https://a.example/x", redirect_uris="ftp://b")
    assert field_error(response.text, "origins")
    assert field_error(response.text, "redirect_uris")
    assert "https://a.example/x</textarea>" in response.text


def test_console_client_without_name_is_refused(dev: Harness) -> None:
    create_project(dev)
    response = create_web_client(dev, name=" ")
    assert field_error(response.text, "name") == "Enter a name."


def test_console_edit_client_replaces_uris(dev: Harness) -> None:
    create_project(dev)
    page = create_web_client(dev)
    client_id = shown(page.text, "client-id")
    response = post_form(dev, f"/console/clients/{client_id}", f"/console/clients/{client_id}",
                         name="Web 2", origins="https://photos.example\nhttp://127.0.0.1:8000",
                         redirect_uris="https://photos.example/cb")  # fmt: skip
    assert (response.status_code, response.headers["location"]) == (
        303, f"/console/clients/{client_id}?saved=1"
    )  # fmt: skip
    client = dev.run(dev.ctx.store.find_client, client_id)
    assert client is not None
    assert (client.name, client.origins, client.redirect_uris) == (
        "Web 2", ("https://photos.example", "http://127.0.0.1:8000"), ("https://photos.example/cb",)
    )  # fmt: skip


def test_console_edit_client_invalid_origin_is_refused(dev: Harness) -> None:
    create_project(dev)
    page = create_web_client(dev)
    client_id = shown(page.text, "client-id")
    response = post_form(dev, f"/console/clients/{client_id}", f"/console/clients/{client_id}",
                         name="Web", origins="https://*.example.com", redirect_uris="")  # fmt: skip
    assert response.status_code == 400
    assert field_error(response.text, "origins") == (
        "'https://*.example.com': wildcards are not allowed in JavaScript origins"
    )
    client = dev.run(dev.ctx.store.find_client, client_id)
    assert client is not None and client.origins == ("http://localhost:5000",)


def test_console_reset_secret_shows_a_new_secret_and_the_old_stops_working(dev: Harness) -> None:
    create_project(dev)
    page = create_web_client(dev)
    client_id = shown(page.text, "client-id")
    old = shown(page.text, "client-secret")
    reset = post_form(dev, f"/console/clients/{client_id}", f"/console/clients/{client_id}/secret")
    new = shown(reset.text, "client-secret")
    assert new != old
    client = dev.run(dev.ctx.store.find_client, client_id)
    assert client is not None and client.secret_hash == hash_secret(new)


def test_console_delete_asks_for_confirmation_then_revokes_tokens(dev: Harness) -> None:
    create_project(dev)
    page = create_web_client(dev)
    client_id = shown(page.text, "client-id")
    secret = shown(page.text, "client-secret")
    client = dev.run(dev.ctx.store.find_client, client_id)
    assert client is not None
    app = NewClient(client, secret)
    consent = authorize(dev, auth_params(app, access_type="offline"))
    code = redirect_of(approve(dev, consent)).params["code"]
    tokens = exchange(dev, app, code).json()
    confirm = dev.client.get(f"/console/clients/{client_id}/delete")
    assert confirm.status_code == 200 and "<h1>Delete Web?</h1>" in confirm.text
    assert "1 person loses the access they granted" in confirm.text
    assert dev.run(dev.ctx.store.find_client, client_id) is not None  # not deleted by a GET
    done = post_form(dev, f"/console/clients/{client_id}/delete",
                     f"/console/clients/{client_id}/delete")  # fmt: skip
    assert (done.status_code, done.headers["location"]) == (
        303, "/console/projects/photos?deleted=1"
    )  # fmt: skip
    assert dev.run(dev.ctx.store.find_client, client_id) is None
    token = dev.run(dev.ctx.store.find_token, hash_secret(tokens["refresh_token"]))
    assert token is not None and token.revoked_at is not None


def test_console_links_to_each_client_with_its_id_escaped(dev: Harness) -> None:
    """IDs stored before they were restricted to URL-safe characters: `victim-app?x`'s links
    must open its own page, not `victim-app`'s (the `?x` would have become a query)."""
    create_project(dev)
    for client_id, name in (("victim-app", "Victim"), ("victim-app?x", "Other")):
        record = Client(client_id=client_id, project="photos", name=name, type="web")
        dev.run(dev.ctx.store.create_client, record)
    listing = dev.client.get("/console/projects/photos").text
    edit = re.search(r'<a href="([^"]+)" aria-label="Edit Other">', listing)
    delete = re.search(r'<a href="([^"]+)" aria-label="Delete Other"', listing)
    assert edit is not None and delete is not None
    assert (edit.group(1), delete.group(1)) == (
        "/console/clients/victim-app%3Fx", "/console/clients/victim-app%3Fx/delete"
    )  # fmt: skip
    page = dev.client.get(html.unescape(edit.group(1)))
    assert page.status_code == 200 and 'value="Other"' in page.text
    assert 'action="/console/clients/victim-app%3Fx"' in page.text
    assert 'href="/console/clients/victim-app%3Fx/delete"' in page.text
    confirm = dev.client.get(html.unescape(delete.group(1)))
    assert "<h1>Delete Other?</h1>" in confirm.text
    assert 'action="/console/clients/victim-app%3Fx/delete"' in confirm.text
    saved = post_form(dev, "/console/clients/victim-app%3Fx", "/console/clients/victim-app%3Fx",
                      name="Other 2", origins="", redirect_uris="")  # fmt: skip
    assert saved.headers["location"] == "/console/clients/victim-app%3Fx?saved=1"
    victim = dev.run(dev.ctx.store.find_client, "victim-app")
    assert victim is not None and victim.name == "Victim"


def test_console_lists_clients_registered_on_first_use(sqlite_url: str, clock: FakeClock) -> None:
    settings = make_settings(sqlite_url, emulator=True, register_on_first_use=True)
    with harness_for(settings, clock) as h:
        signed_in(h)
        h.client.get("/o/oauth2/v2/auth", params={
            "client_id": "42-firstuse.apps.googleusercontent.com", "response_type": "code",
            "redirect_uri": "http://localhost:3000/cb", "scope": "openid"})  # fmt: skip
        page = h.client.get("/console/projects/emulator")
    assert page.status_code == 200
    assert "42-firstuse.apps.googleusercontent.com" in page.text
    assert "Registered on first use" in page.text


def test_console_says_when_a_client_skips_consent(dev: Harness) -> None:
    """Per-client auto_consent (first-party apps; set with the admin API or the CLI) changes
    what people see, so the console shows it."""
    quiet = dev.web_client(name="Own app", auto_consent=True)
    normal = dev.web_client(name="Other app")
    assert (
        "Consent</dt><dd>Skipped"
        in dev.client.get(f"/console/clients/{quiet.client.client_id}").text
    )
    assert "Consent</dt>" not in dev.client.get(f"/console/clients/{normal.client.client_id}").text

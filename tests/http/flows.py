"""Driving the OAuth flows over HTTP the way a browser and an app would, for the HTTP tests.

Each helper does one step (authorize, approve the consent page, exchange a code, ...) and
returns the raw response, so tests can assert on exactly what the wire carries.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx2
import jwt
import pytest
from starlette.testclient import TestClient

from signon.app import create_app
from signon.protocol.clients import NewClient, native_scheme
from signon.storage import open_store
from signon.storage.records import User
from tests.conftest import ISSUER, FakeClock, Harness, fast_hasher, harness_for, make_settings

AUTH = "/o/oauth2/v2/auth"
TOKEN = "/token"
ORIGIN = "http://localhost:5000"
REDIRECT_URI = "http://localhost:5000/callback"
SCOPE = "openid email profile"
EMAIL_SCOPE = "https://www.googleapis.com/auth/userinfo.email"
PROFILE_SCOPE = "https://www.googleapis.com/auth/userinfo.profile"
# The token endpoint's `scope` for "openid email profile": long forms, Google's order.
FULL_SCOPE = f"{EMAIL_SCOPE} {PROFILE_SCOPE} openid"
STATE = "st-42"
PASSWORD = "correct horse"
# RFC 7636 appendix B.
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

Response = httpx2.Response
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


# -- a faster harness ----------------------------------------------------------------------
# The conftest harness migrates a new database and generates an RSA key for every test (about
# 0.25 s). These tests start from a copy of one database that already has both, so several
# hundred of them stay fast; the app, store and clock are built exactly as the harness does.

_TEMPLATES: dict[Path, Path] = {}


def _template(factory: pytest.TempPathFactory) -> Path:
    base = factory.getbasetemp()
    if base not in _TEMPLATES:
        folder = factory.mktemp("template-db")
        with harness_for(make_settings(f"sqlite:///{folder}/signon.db"), FakeClock()):
            pass
        _TEMPLATES[base] = folder
    return _TEMPLATES[base]


@pytest.fixture(name="harness")
def fast_harness(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, clock: FakeClock
) -> Iterator[Harness]:
    """Import into a test module to replace conftest's `harness` there."""
    for file in _template(tmp_path_factory).iterdir():  # signon.db and any -wal / -shm
        shutil.copyfile(file, tmp_path / file.name)
    settings = make_settings(f"sqlite:///{tmp_path}/signon.db")
    app = create_app(settings, open_store(settings.database_url), clock, fast_hasher())
    with TestClient(app, base_url=ISSUER, follow_redirects=False) as client:
        yield Harness(client, clock)


def native_redirect(client: NewClient, path: str = "/oauth2redirect") -> str:
    return f"{native_scheme(client.client.client_id)}:{path}"


def default_redirect(client: NewClient) -> str:
    if client.client.type in ("ios", "android"):
        return native_redirect(client)
    if client.client.type == "desktop" and not client.client.redirect_uris:
        return "http://127.0.0.1:8400/"
    return client.client.redirect_uris[0]


# -- people and sessions ------------------------------------------------------------------


def signed_in(harness: Harness, email: str = "ada@example.com", **fields: Any) -> User:
    """A new account, signed in on the harness's browser (added to its session)."""
    user = harness.user(email, **fields)
    response = harness.sign_in(email)
    assert response.status_code == 303, response.text
    return user


def sign_in_from(harness: Harness, signin_location: str, email: str) -> Response:
    """Submit the sign-in page the authorization endpoint sent us to; returns the 303."""
    page = harness.client.get(signin_location)
    assert page.status_code == 200, page.text
    fields = hidden_fields(page.text)
    fields.update(email=email, password=PASSWORD)
    return harness.client.post("/signin", data=fields)


def hidden_fields(page: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in _HIDDEN.findall(page)}


# -- the authorization endpoint -----------------------------------------------------------


def auth_params(client: NewClient, **overrides: str | None) -> dict[str, str]:
    """A valid code request for `client`; an override of None leaves the parameter out."""
    params: dict[str, str | None] = {
        "client_id": client.client.client_id,
        "redirect_uri": default_redirect(client),
        "response_type": "code",
        "scope": SCOPE,
        "state": STATE,
    }
    if client.client.type in ("ios", "android"):
        params.update(code_challenge=CHALLENGE, code_challenge_method="S256")
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def authorize(
    harness: Harness,
    params: dict[str, str],
    *,
    method: str = "GET",
    path: str = AUTH,
) -> Response:
    if method == "GET":
        return harness.client.get(path, params=params)
    return harness.client.post(path, data=params)


def is_consent_page(response: Response) -> bool:
    return response.status_code == 200 and 'name="signon_action" value="allow"' in response.text


def approve(harness: Harness, consent: Response, action: str = "allow") -> Response:
    """Press Allow (or Cancel) on a consent page."""
    assert is_consent_page(consent), (consent.status_code, consent.text[:300])
    fields = hidden_fields(consent.text)
    fields["signon_action"] = action
    return harness.client.post(AUTH, data=fields)


def consent_through(harness: Harness, response: Response) -> Response:
    return approve(harness, response) if is_consent_page(response) else response


@dataclass(frozen=True)
class Redirect:
    target: str  # the redirect URI the response went to, without query or fragment
    query: dict[str, str]
    fragment: dict[str, str]

    @property
    def params(self) -> dict[str, str]:
        return {**self.query, **self.fragment}


def redirect_of(response: Response) -> Redirect:
    assert response.status_code in (302, 303), (response.status_code, response.text[:300])
    location = response.headers["location"]
    before_fragment, _, fragment = location.partition("#")
    target, _, query = before_fragment.partition("?")
    return Redirect(
        target, dict(parse_qsl(query, keep_blank_values=True)), dict(parse_qsl(fragment))
    )


def form_post_of(response: Response) -> tuple[str, dict[str, str]]:
    """The action and fields of a response_mode=form_post page."""
    assert response.status_code == 200
    action = re.search(r'<form method="post" action="([^"]*)"', response.text)
    assert action is not None, response.text
    return html.unescape(action.group(1)), hidden_fields(response.text)


def postmessage_of(response: Response) -> tuple[dict[str, Any], str]:
    """The message and target origin of a redirect_uri=postmessage page."""
    assert response.status_code == 200
    message = re.search(r"var message = (.*);\n", response.text)
    origin = re.search(r"var targetOrigin = (.*);\n", response.text)
    assert message is not None and origin is not None, response.text
    return json.loads(message.group(1)), json.loads(origin.group(1))


def authorized(harness: Harness, client: NewClient, **overrides: str | None) -> Redirect:
    """Run an authorization (consenting if asked) and return the successful redirect."""
    response = consent_through(harness, authorize(harness, auth_params(client, **overrides)))
    redirect = redirect_of(response)
    assert "error" not in redirect.params, redirect.params
    return redirect


def get_code(harness: Harness, client: NewClient, **overrides: str | None) -> str:
    return authorized(harness, client, **overrides).params["code"]


# -- the token endpoint -------------------------------------------------------------------


def exchange(
    harness: Harness,
    client: NewClient,
    code: str,
    /,
    *,
    path: str = TOKEN,
    auth: tuple[str, str] | None = None,
    **overrides: str | None,
) -> Response:
    """POST grant_type=authorization_code with client_secret_post (or Basic with `auth`)."""
    form: dict[str, str | None] = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": client.client.client_id,
        "client_secret": client.secret,
        "redirect_uri": default_redirect(client),
    }
    if client.client.type in ("ios", "android"):
        form["code_verifier"] = VERIFIER
    form.update(overrides)
    data = {k: v for k, v in form.items() if v is not None}
    return harness.client.post(path, data=data, auth=auth)


def refresh(
    harness: Harness, client: NewClient, refresh_token: str, /, **overrides: str | None
) -> Response:
    form: dict[str, str | None] = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client.client.client_id,
        "client_secret": client.secret,
    }
    form.update(overrides)
    return harness.client.post(TOKEN, data={k: v for k, v in form.items() if v is not None})


def tokens(harness: Harness, client: NewClient, **overrides: str | None) -> dict[str, Any]:
    """Authorize and exchange the code; the token response's JSON."""
    code = get_code(harness, client, **overrides)
    response = exchange(harness, client, code)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# -- resource endpoints -------------------------------------------------------------------


def userinfo(harness: Harness, access_token: str, path: str = "/oauth2/v3/userinfo") -> Response:
    return harness.client.get(path, headers={"Authorization": f"Bearer {access_token}"})


# -- ID tokens ----------------------------------------------------------------------------


def half_hash(value: str) -> str:
    """OIDC Core 3.1.3.6 (at_hash) and 3.3.2.11 (c_hash), computed independently."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


def verify_id_token(harness: Harness, token: str, audience: str) -> dict[str, Any]:
    """Verify with PyJWT against the published JWKS: signature, alg, kid, iss, aud.

    The harness clock is not the wall clock, so time claims are checked against the harness
    clock here rather than by PyJWT.
    """
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    keys = harness.client.get("/oauth2/v3/certs").json()["keys"]
    matching = [k for k in keys if k["kid"] == header["kid"]]
    assert len(matching) == 1, f"kid {header['kid']} is not published"
    claims: dict[str, Any] = jwt.decode(
        token,
        key=jwt.PyJWK(matching[0]),
        algorithms=["RS256"],
        audience=audience,
        issuer=ISSUER,
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    assert claims["iat"] == int(harness.clock())
    assert claims["exp"] - claims["iat"] == 3600
    return claims


__all__ = [
    "AUTH",
    "CHALLENGE",
    "EMAIL_SCOPE",
    "FULL_SCOPE",
    "ORIGIN",
    "PASSWORD",
    "PROFILE_SCOPE",
    "REDIRECT_URI",
    "SCOPE",
    "STATE",
    "TOKEN",
    "VERIFIER",
    "Redirect",
    "Response",
    "approve",
    "auth_params",
    "authorize",
    "authorized",
    "consent_through",
    "default_redirect",
    "exchange",
    "fast_harness",
    "form_post_of",
    "get_code",
    "half_hash",
    "hidden_fields",
    "is_consent_page",
    "native_redirect",
    "postmessage_of",
    "redirect_of",
    "refresh",
    "sign_in_from",
    "signed_in",
    "tokens",
    "userinfo",
    "verify_id_token",
]

"""/js/platform/frame: platform.js's hidden iframe that restores a returning user (prompt=none),
framed only by the client's registered origin and answering only to it."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.conftest import Harness
from tests.http.flows import ORIGIN, SCOPE, authorized, fast_harness, signed_in, verify_id_token

harness = fast_harness

FRAME = "/js/platform/frame"


def frame(harness: Harness, client_id: str, origin: str = ORIGIN, **extra: str) -> Any:
    params = {"client_id": client_id, "origin": origin, "scope": SCOPE, "nonce": "n-1",
              "id": "f1", **extra}  # fmt: skip
    return harness.client.get(FRAME, params=params)


def message_of(response: Any) -> tuple[dict[str, Any], str]:
    message = re.search(r"var message = (.*);\n", response.text)
    origin = re.search(r"var targetOrigin = (.*);\n", response.text)
    assert message is not None and origin is not None, response.text
    return json.loads(message.group(1)), json.loads(origin.group(1))


def test_frame_is_framed_only_by_the_registered_origin(harness: Harness) -> None:
    client = harness.web_client()
    response = frame(harness, client.client.client_id)
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == f"frame-ancestors {ORIGIN}"
    assert "x-frame-options" not in response.headers
    assert response.headers["cache-control"] == "no-store"
    message, target = message_of(response)
    assert target == ORIGIN
    assert message["type"] == "signon:platform:frame" and message["id"] == "f1"


def test_frame_without_a_session_answers_login_required(harness: Harness) -> None:
    client = harness.web_client()
    message, _ = message_of(frame(harness, client.client.client_id))
    assert message["params"]["error"] == "login_required"


def test_frame_without_a_grant_answers_consent_required(harness: Harness) -> None:
    client = harness.web_client()
    signed_in(harness)
    message, _ = message_of(frame(harness, client.client.client_id))
    assert message["params"]["error"] == "consent_required"


def test_frame_with_session_and_grant_answers_tokens_without_consent(harness: Harness) -> None:
    client = harness.web_client()
    user = signed_in(harness)
    authorized(harness, client)  # the first sign-in: consent given
    message, target = message_of(frame(harness, client.client.client_id, login_hint=user.sub))
    params = message["params"]
    assert target == ORIGIN
    assert params["prompt"] == "none"
    assert params["access_token"].startswith("ya29.")
    claims = verify_id_token(harness, params["id_token"], client.client.client_id)
    assert claims["sub"] == user.sub and claims["nonce"] == "n-1"


def test_frame_reads_the_cross_site_session_cookie(harness: Harness) -> None:
    client = harness.web_client()
    signed_in(harness)
    authorized(harness, client)
    lax = harness.client.cookies["signon_sid"]
    harness.client.cookies.clear()
    harness.client.cookies.set("signon_sid_x", lax)  # all a cross-site iframe gets
    message, _ = message_of(frame(harness, client.client.client_id))
    assert "id_token" in message["params"]


def test_frame_with_another_login_hint_answers_login_required(harness: Harness) -> None:
    client = harness.web_client()
    signed_in(harness)
    authorized(harness, client)
    message, _ = message_of(frame(harness, client.client.client_id, login_hint="someone@else"))
    assert message["params"]["error"] == "login_required"


def test_frame_for_an_unregistered_origin_reports_initialisation_failure(harness: Harness) -> None:
    client = harness.web_client()
    signed_in(harness)
    authorized(harness, client)
    response = frame(harness, client.client.client_id, origin="https://evil.example")
    message, target = message_of(response)
    assert target == "*"  # public facts only: no tokens
    assert message["error"] == "idpiframe_initialization_failed"
    assert "https://evil.example has not been registered" in message["details"]
    assert "params" not in message and "ya29." not in response.text
    unknown, _ = message_of(frame(harness, "nope.apps.googleusercontent.com"))
    assert unknown["details"] == "Not a valid client ID: nope.apps.googleusercontent.com"

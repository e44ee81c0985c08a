"""The public surface of signon.rp and its import footprint; the neutral helper checks."""

from __future__ import annotations

import subprocess
import sys

import pytest

import signon.rp
from signon.rp import (
    CsrfCheckFailed,
    IdTokenError,
    MissingField,
    MissingRequestedWith,
    RequestRefused,
    RpError,
    check_csrf_double_submit,
    check_requested_with,
    get_auth_code,
    get_login_credential,
    get_tokensignin_token,
)


def test_rp_all_is_the_public_surface() -> None:
    assert sorted(signon.rp.__all__) == sorted(
        [
            "ANY_HOSTED_DOMAIN", "GOOGLE_CERTS_URL", "GOOGLE_ISSUERS",
            "IdTokenVerifier", "IdToken", "KeyCache", "verify_id_token",
            "OAuthClient", "TokenSet",
            "check_csrf_double_submit", "check_requested_with", "error_status",
            "get_auth_code", "get_login_credential", "get_tokensignin_token",
            "RpError", "IdTokenError", "Malformed", "UnsupportedAlgorithm", "UnknownKey",
            "InvalidSignature", "Expired", "NotYetValid", "WrongIssuer", "WrongAudience",
            "WrongAuthorizedParty", "WrongHostedDomain", "WrongNonce", "CertsUnavailable",
            "OAuthEndpointError", "TokenEndpointError",
            "RequestRefused", "CsrfCheckFailed", "MissingRequestedWith", "MissingField",
            "BodyTooLarge",
        ]
    )  # fmt: skip
    for name in signon.rp.__all__:
        assert getattr(signon.rp, name) is not None


def test_rp_import_loads_no_server_or_framework_module() -> None:
    code = (
        "import sys, signon.rp\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'starlette', 'sqlalchemy', 'jinja2', 'flask', 'uvicorn', 'werkzeug'} "
        "or (m.startswith('signon.') and not m.startswith('signon.rp')))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_rp_errors_share_one_base() -> None:
    for name in signon.rp.__all__:
        obj = getattr(signon.rp, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, RpError), name
    assert issubclass(signon.rp.CertsUnavailable, IdTokenError)


@pytest.mark.parametrize(
    ("cookie", "body", "message"),
    [
        (None, "a", "No CSRF token in Cookie."),
        ("", "a", "No CSRF token in Cookie."),
        ("a", None, "No CSRF token in post body."),
        ("a", "b", "Failed to verify double submit cookie."),
    ],
)
def test_check_csrf_double_submit_refusals(
    cookie: str | None, body: str | None, message: str
) -> None:
    with pytest.raises(CsrfCheckFailed) as info:
        check_csrf_double_submit(cookie, body)
    assert (str(info.value), info.value.status) == (message, 400)


def test_check_csrf_double_submit_accepts_equal_values() -> None:
    check_csrf_double_submit("c5f1e2", "c5f1e2")


@pytest.mark.parametrize("name", ["X-Requested-With", "x-requested-with", "X-REQUESTED-WITH"])
def test_check_requested_with_any_case_in_plain_dict(name: str) -> None:
    check_requested_with({name: "XMLHttpRequest"})


def test_check_requested_with_refuses_missing_or_empty() -> None:
    for headers in ({}, {"X-Requested-With": ""}):
        with pytest.raises(MissingRequestedWith) as info:
            check_requested_with(headers)
        assert info.value.status == 403


def test_get_auth_code_reads_raw_form_or_json_body() -> None:
    xhr = {"X-Requested-With": "XMLHttpRequest"}
    assert get_auth_code(xhr, "application/octet-stream; charset=utf-8", b"4/0A-x\n") == "4/0A-x"
    assert get_auth_code(xhr, None, b"4/0A-x") == "4/0A-x"
    assert get_auth_code(xhr, "application/x-www-form-urlencoded", b"code=4%2F0A") == "4/0A"
    assert get_auth_code(xhr, "application/json", b'{"code": "4/0A"}') == "4/0A"


@pytest.mark.parametrize("body", [b"\xff\xfe", b"a b", b"x" * 3000, b"4/0A\x00"])
def test_get_auth_code_refuses_non_codes(body: bytes) -> None:
    with pytest.raises(RequestRefused) as info:
        get_auth_code({"X-Requested-With": "x"}, "text/plain", body)
    assert info.value.status == 400


def test_get_tokensignin_token_and_bad_bodies() -> None:
    form = "application/x-www-form-urlencoded"
    assert get_tokensignin_token(form, b"idtoken=eyJ.a.b") == "eyJ.a.b"
    with pytest.raises(MissingField):
        get_tokensignin_token(form, b"")
    with pytest.raises(RequestRefused, match="neither a form nor a JSON"):
        get_tokensignin_token("application/json", b"[1]")
    with pytest.raises(RequestRefused, match="too large"):
        get_tokensignin_token(form, b"a" * 70000)


def test_get_login_credential_checks_csrf_before_reading_credential() -> None:
    body = b'{"credential": "eyJ.a.b", "g_csrf_token": "t"}'
    assert get_login_credential({"g_csrf_token": "t"}, "application/json", body) == "eyJ.a.b"
    with pytest.raises(CsrfCheckFailed):
        get_login_credential({}, "application/json", body)

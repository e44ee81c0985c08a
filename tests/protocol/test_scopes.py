"""Scope normalisation the way Google does it (spec 2.6)."""

from __future__ import annotations

import pytest

from signon.errors import InvalidRequest, InvalidScope
from signon.protocol.scopes import (
    EMAIL,
    OPENID,
    PROFILE,
    describe_scopes,
    normalise_scopes,
    redirect_scope_string,
    scope_string,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("openid", (OPENID,)),
        ("email", (EMAIL, OPENID)),
        ("profile", (PROFILE, OPENID)),
        ("openid email profile", (EMAIL, PROFILE, OPENID)),
        ("profile email", (EMAIL, PROFILE, OPENID)),
        (f"{EMAIL} {PROFILE}", (EMAIL, PROFILE, OPENID)),
        (f"email {EMAIL} openid openid", (EMAIL, OPENID)),
        ("openid+email", (EMAIL, OPENID)),  # a literal + from a badly encoded URL
        ("  email\tprofile ", (EMAIL, PROFILE, OPENID)),
    ],
)
def test_normalise_scopes_long_forms_with_openid_in_google_order(
    raw: str, expected: tuple[str, ...]
) -> None:
    assert normalise_scopes(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_normalise_scopes_missing_is_invalid_request(raw: str | None) -> None:
    with pytest.raises(InvalidRequest) as caught:
        normalise_scopes(raw)
    assert caught.value.description == "Missing required parameter: scope"


def test_normalise_scopes_unknown_scope_lists_valid_and_invalid() -> None:
    with pytest.raises(InvalidScope) as caught:
        normalise_scopes("email youtube.readonly profile drive drive")
    assert caught.value.error == "invalid_scope"
    assert caught.value.description == (
        f"Some requested scopes were invalid. {{valid=[{EMAIL}, {PROFILE}], "
        "invalid=[youtube.readonly, drive]}"
    )


def test_normalise_scopes_is_case_sensitive() -> None:
    with pytest.raises(InvalidScope):
        normalise_scopes("OpenID")


def test_scope_string_orders_email_profile_openid() -> None:
    assert scope_string([OPENID, PROFILE, EMAIL, EMAIL]) == f"{EMAIL} {PROFILE} openid"


def test_redirect_scope_string_echoes_short_forms_then_long_forms() -> None:
    granted = normalise_scopes("openid email profile")
    assert redirect_scope_string("openid email profile", granted) == (
        f"email profile {PROFILE} {EMAIL} openid"
    )


def test_redirect_scope_string_without_short_forms() -> None:
    assert redirect_scope_string(EMAIL, (EMAIL, OPENID)) == f"{EMAIL} openid"


def test_redirect_scope_string_keeps_the_requested_order_of_short_forms() -> None:
    granted = (EMAIL, PROFILE, OPENID)
    assert redirect_scope_string("profile email", granted).startswith("profile email ")


def test_describe_scopes_in_words() -> None:
    assert describe_scopes([OPENID, EMAIL]) == [
        "See your primary email address",
        "Associate you with your personal info on signon",
    ]


DRIVE_APPDATA = "https://www.googleapis.com/auth/drive.appdata"
CALENDAR = "https://www.googleapis.com/auth/calendar.events.readonly"


def test_google_api_scopes_are_granted_by_name_when_asked_to() -> None:
    """The emulator's mode: seed 001's server sample asks for drive.appdata."""
    assert normalise_scopes(f"profile {DRIVE_APPDATA} email {CALENDAR}", api_scopes=True) == (
        EMAIL, PROFILE, OPENID, CALENDAR, DRIVE_APPDATA
    )  # fmt: skip
    assert normalise_scopes(DRIVE_APPDATA, api_scopes=True) == (DRIVE_APPDATA,)  # no openid


@pytest.mark.parametrize(
    "scope",
    [
        "drive",  # a short name is no Google scope
        "https://www.googleapis.com/auth/",
        "https://www.googleapis.com/auth/Drive",
        "https://www.googleapis.com/auth/drive appdata",
        "https://www.googleapis.com/auth/../../x",
        "https://www.googleapis.com.evil.example/auth/drive",
        "http://www.googleapis.com/auth/drive",
        "https://mail.google.com/",
        "https://www.googleapis.com/auth/" + "a" * 200,
    ],
)
def test_anything_else_stays_invalid_even_for_the_emulator(scope: str) -> None:
    with pytest.raises(InvalidScope):
        normalise_scopes(f"openid {scope}", api_scopes=True)


def test_google_api_scopes_are_refused_outside_the_emulator() -> None:
    with pytest.raises(InvalidScope) as caught:
        normalise_scopes(f"openid {DRIVE_APPDATA}")
    assert caught.value.description.endswith(f"invalid=[{DRIVE_APPDATA}]}}")


def test_at_most_30_scopes() -> None:
    many = " ".join(f"https://www.googleapis.com/auth/s{i}" for i in range(30))
    with pytest.raises(InvalidScope):
        normalise_scopes(f"openid {many}", api_scopes=True)
    assert len(normalise_scopes(many, api_scopes=True)) == 30


def test_google_api_scopes_are_described_by_name_and_sorted_last() -> None:
    assert describe_scopes([DRIVE_APPDATA, EMAIL]) == [
        "See your primary email address",
        "Google API scope “drive.appdata” (granted by name only: signon serves no Google APIs)",
    ]
    assert scope_string([DRIVE_APPDATA, OPENID, CALENDAR]) == f"openid {CALENDAR} {DRIVE_APPDATA}"

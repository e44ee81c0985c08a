"""Scopes, normalised the way Google does (spec 2.6).

`email` and `profile` are stored in their long forms
(`https://www.googleapis.com/auth/userinfo.email`, `.../userinfo.profile`), and `openid` is added
whenever either is requested, so the granted scope differs from the requested one exactly as
Google's does (oauthlib users know this as "Scope has changed").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from signon.errors import InvalidRequest, InvalidScope

__all__ = [
    "EMAIL",
    "OFFLINE",
    "OPENID",
    "PROFILE",
    "describe_scopes",
    "has_email",
    "has_profile",
    "is_api_scope",
    "normalise_scopes",
    "redirect_scope_string",
    "scope_string",
]

OPENID = "openid"
EMAIL = "https://www.googleapis.com/auth/userinfo.email"
PROFILE = "https://www.googleapis.com/auth/userinfo.profile"
# Recorded in a grant (never requested as a scope, never in a token) when the user consented to
# offline access, so that a later access_type=offline request by an app that was granted only
# online access asks again and gets its refresh token.
OFFLINE = "offline_access"
_ALIASES = {"email": EMAIL, "profile": PROFILE, OPENID: OPENID, EMAIL: EMAIL, PROFILE: PROFILE}
_ORDER = {EMAIL: 0, PROFILE: 1, OPENID: 2}
# A Google API's scope (`https://www.googleapis.com/auth/drive.appdata`). signon serves no Google
# API; the emulator grants such scopes as names only, so an app that asks for one (seed 001's
# server sample asks for drive.appdata) can still sign people in during development and CI.
API_SCOPE_PREFIX = "https://www.googleapis.com/auth/"
_API_SCOPE = re.compile(
    r"https://www\.googleapis\.com/auth/[a-z0-9][a-z0-9._-]{0,80}(/[a-z0-9._-]{1,80})?"
)
MAX_SCOPES = 30


def _order(scope: str) -> tuple[int, str]:
    return _ORDER.get(scope, 9), scope


def is_api_scope(scope: str) -> bool:
    return scope not in _ALIASES and _API_SCOPE.fullmatch(scope) is not None


def normalise_scopes(raw: str | None, api_scopes: bool = False) -> tuple[str, ...]:
    """Space-delimited scopes -> the canonical set, in Google's order. Unknown scopes refused;
    Google API scopes too, unless `api_scopes` (the emulator)."""
    requested = (raw or "").replace("+", " ").split()
    if not requested:
        raise InvalidRequest("Missing required parameter: scope")
    unknown = [
        s
        for s in dict.fromkeys(requested)
        if s not in _ALIASES and not (api_scopes and is_api_scope(s))
    ]
    if unknown:
        # Google's wording: "... {valid=[https://www.googleapis.com/auth/userinfo.email],
        # invalid=[youtube.readonly]}" (valid ones in their long forms).
        valid = dict.fromkeys(_ALIASES[s] for s in requested if s in _ALIASES)
        raise InvalidScope(
            "Some requested scopes were invalid. "
            f"{{valid=[{', '.join(valid)}], invalid=[{', '.join(unknown)}]}}"
        )
    scopes = {_ALIASES.get(s, s) for s in requested}
    if len(scopes) > MAX_SCOPES:
        raise InvalidScope(f"Too many scopes: at most {MAX_SCOPES}.")
    if scopes & {EMAIL, PROFILE}:
        scopes.add(OPENID)
    return tuple(sorted(scopes, key=_order))


def scope_string(scopes: Iterable[str]) -> str:
    return " ".join(sorted(set(scopes), key=_order))


def redirect_scope_string(requested_raw: str, granted: Iterable[str]) -> str:
    """Google's redirect echoes the short forms the app asked for, then the long forms."""
    short = [s for s in dict.fromkeys(requested_raw.split()) if s in ("email", "profile")]
    order = {PROFILE: 0, EMAIL: 1, OPENID: 2}
    return " ".join([*short, *sorted(set(granted), key=lambda s: (order.get(s, 9), s))])


def has_email(scopes: Iterable[str]) -> bool:
    return EMAIL in scopes


def has_profile(scopes: Iterable[str]) -> bool:
    return PROFILE in scopes


_WORDS = {
    OPENID: "Associate you with your personal info on signon",
    EMAIL: "See your primary email address",
    PROFILE: "See your personal info, including any personal info you've made publicly available",
    OFFLINE: "Keep this access when you are not using the app",
}


def describe_scopes(scopes: Iterable[str]) -> list[str]:
    """Each permission in words, for the consent page."""
    return [_describe(s) for s in sorted(set(scopes), key=_order) if s in _WORDS or is_api_scope(s)]


def _describe(scope: str) -> str:
    if scope in _WORDS:
        return _WORDS[scope]
    name = scope.removeprefix(API_SCOPE_PREFIX)
    return f"Google API scope “{name}” (granted by name only: signon serves no Google APIs)"

"""Sign In With Google (GIS) rules with no web framework in them: which scopes a credential
shares, how `select_by` is decided (spec 4.1), where a redirect-mode credential may be posted,
and the signed "frame ticket" that lets an issuer iframe ask for a credential.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from signon.protocol.redirects import is_origin_registered
from signon.protocol.scopes import EMAIL, OPENID, PROFILE
from signon.settings import is_loopback_host
from signon.storage.records import Client, Grant

__all__ = [
    "GSI_SCOPES",
    "FrameTicket",
    "SelectBy",
    "button_select_by",
    "has_gsi_grant",
    "is_login_uri_allowed",
    "mint_ticket",
    "onetap_select_by",
    "origin_of",
    "read_ticket",
]

# What a GIS credential shares: "your name, email address and profile picture".
GSI_SCOPES = (EMAIL, PROFILE, OPENID)
TICKET_LIFETIME = 3600  # a One Tap prompt may stay open a while

SelectBy = Literal[
    "auto", "user", "user_1tap", "btn", "btn_confirm", "btn_add_session", "btn_confirm_add_session"
]


def has_gsi_grant(grant: Grant | None) -> bool:
    return grant is not None and set(GSI_SCOPES) <= set(grant.scopes)


def button_select_by(had_session: bool, confirmed: bool) -> SelectBy:
    """Seed 002's table: `_confirm` when the user consented now, `_add_session` when they
    signed in during the flow."""
    if had_session:
        return "btn_confirm" if confirmed else "btn"
    return "btn_confirm_add_session" if confirmed else "btn_add_session"


def onetap_select_by(auto: bool, confirmed: bool) -> SelectBy:
    if auto:
        return "auto"
    return "user_1tap" if confirmed else "user"


def origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    suffix = f":{port}" if port is not None and port != default else ""
    return f"{parts.scheme}://{host}{suffix}".lower()


def _url_form(url: str) -> str | None:
    """`url` as a browser's URL parser writes it (scheme, host and port as `origin_of` does;
    the path, "/" when empty, and the query, both as given), or None if it is not http(s)."""
    origin = origin_of(url)
    if origin is None:
        return None
    parts = urlsplit(url)
    return origin + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def is_login_uri_allowed(client: Client, login_uri: str) -> bool:
    """Redirect mode posts the credential to `login_uri`, which must exactly match a registered
    redirect URI (Google's rule). Any other URL on a registered origin would do for a thief: a
    page anyone can send the browser to (`/gsi/select?ux_mode=redirect&authuser=0`) would post a
    fresh credential to, say, an open redirect on that origin, which forwards the POST to them.
    Only on a registered *loopback* origin (local development, which registers origins only) is
    any path accepted."""
    if not login_uri or "#" in login_uri or any(ch.isspace() for ch in login_uri):
        return False
    # client.js sends `new URL(login_uri).href`: host lowercased, default port dropped, an empty
    # path made "/". Compared in that form, a registered URI matches what the library sends.
    wanted = _url_form(login_uri)
    if wanted is not None and wanted in {_url_form(uri) for uri in client.redirect_uris}:
        return True
    origin = origin_of(login_uri)
    hostname = urlsplit(login_uri).hostname
    return (
        origin is not None
        and hostname is not None
        and is_loopback_host(hostname)
        and is_origin_registered(client, origin)
    )


@dataclass(frozen=True, slots=True)
class FrameTicket:
    """What an issuer iframe was rendered for: the client, the registered origin that frames
    it, the nonce, and the browser session it saw. Signed, so the credential endpoint can trust
    it without state, and bound to the session so a copy is useless to anyone else."""

    client_id: str
    origin: str
    session: str  # the session's id hash
    expires_at: int
    nonce: str | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _mac(secret: bytes, body: str) -> str:
    key = hmac.new(secret, b"signon gsi frame ticket", hashlib.sha256).digest()
    return _b64(hmac.new(key, body.encode("ascii"), hashlib.sha256).digest())


def mint_ticket(secret: bytes, ticket: FrameTicket) -> str:
    payload = [ticket.client_id, ticket.origin, ticket.session, ticket.expires_at, ticket.nonce]
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    return f"{body}.{_mac(secret, body)}"


def read_ticket(secret: bytes, value: object, now: int) -> FrameTicket | None:
    if not isinstance(value, str) or len(value) > 4096 or value.count(".") != 1:
        return None
    body, mac = value.split(".")
    if not hmac.compare_digest(_mac(secret, body), mac):
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        client_id, origin, session, expires_at, nonce = raw
    except (ValueError, TypeError):
        return None
    if not isinstance(expires_at, int) or expires_at <= now:
        return None
    return FrameTicket(str(client_id), str(origin), str(session), expires_at, nonce)

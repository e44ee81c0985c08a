"""Which redirect URIs and JavaScript origins a client may use (shared/DESIGN.md, spec 1.3).

web: exactly a registered URI, or `postmessage` from a registered JavaScript origin;
desktop: a registered URI, or http on a loopback host with any port and path (RFC 8252 7.3);
ios/android: the reversed-client-ID scheme that is theirs alone.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from signon.protocol.clients import native_scheme
from signon.settings import is_loopback_host
from signon.storage.records import Client

__all__ = ["POSTMESSAGE", "is_origin_registered", "is_redirect_allowed"]

POSTMESSAGE = "postmessage"


def is_origin_registered(client: Client, origin: str | None) -> bool:
    return bool(origin) and client.type == "web" and origin.lower() in client.origins  # type: ignore[union-attr]


def _is_loopback_redirect(uri: str) -> bool:
    parts = urlsplit(uri)
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return False
    return (
        parts.scheme == "http"
        and parts.hostname is not None
        and is_loopback_host(parts.hostname)
        and not parts.fragment
        and not parts.username
    )


def is_redirect_allowed(client: Client, redirect_uri: str, origin: str | None = None) -> bool:
    if redirect_uri in client.redirect_uris:  # exact, case-sensitive string comparison
        return True
    if client.type == "web":
        return redirect_uri == POSTMESSAGE and is_origin_registered(client, origin)
    if client.type == "desktop":
        return _is_loopback_redirect(redirect_uri)
    # ios / android: `com.googleusercontent.apps.<id>:/path`
    scheme, sep, rest = redirect_uri.partition(":")
    return sep == ":" and scheme == native_scheme(client.client_id) and rest.startswith("/")

"""OAuth clients: validating origins and redirect URIs, creating clients in Google's shapes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from signon.protocol.ids import (
    CLIENT_ID_SUFFIX,
    hash_secret,
    new_client_id,
    new_client_secret,
    new_project_number,
)
from signon.protocol.projects import is_project_name
from signon.settings import is_loopback_host
from signon.storage.records import Client, ClientType, Project
from signon.storage.store import Conflict, Store

__all__ = [
    "CLIENT_TYPES",
    "INSTALLED_TYPES",
    "NAME_MAX",
    "URL_MAX",
    "ClientError",
    "NewClient",
    "check_client_name",
    "check_client_secret",
    "check_origin",
    "check_redirect_uri",
    "create_client",
    "native_scheme",
]

CLIENT_TYPES: tuple[ClientType, ...] = ("web", "ios", "android", "desktop")
# Apps installed on a person's device: no secret they can keep, a refresh token with every code.
INSTALLED_TYPES: frozenset[ClientType] = frozenset({"ios", "android", "desktop"})
# Matched with fullmatch, as every pattern here: "$" would also match before a final "\n".
# An imported client ID (Google's `<digits>-<32 chars>.apps.googleusercontent.com`, or another
# provider's) is one segment of URL paths (`/admin/api/clients/{id}`, the console's pages): only
# RFC 3986's unreserved characters, so no `/`, `?`, `#` or `%` can make it name another page.
_IMPORTED_ID = re.compile(r"[A-Za-z0-9._~-]{1,255}")
_ID_RULE = "use letters, digits, '.', '_', '~' and '-' (at most 255)"
# A client's name is shown on consent pages and in the console; 255 is plenty for that.
NAME_MAX = 255


class ClientError(ValueError):
    """A client field is invalid; `field` says which, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_client_name(name: str) -> str:
    """The name as stored (trimmed). A NUL is refused here because PostgreSQL refuses it in
    any text (naming no field) while SQLite stores it, and an export must import into either."""
    if not name.strip():
        raise ClientError("name", "a client needs a name")
    if "\x00" in name:
        raise ClientError("name", "a client name cannot contain a NUL character")
    if len(name.strip()) > NAME_MAX:
        raise ClientError("name", f"a client name has at most {NAME_MAX} characters")
    return name.strip()


# The longest origin or redirect URI registered: the authorization endpoint redirects to a
# registered URI with the response appended, and URLs much longer than this are cut or refused
# by browsers and servers along the way.
URL_MAX = 2048
# What a host in an origin or redirect URI may be: a DNS name (IDNs in their xn-- form) or an IP
# literal; it ends up in CSP `frame-ancestors`, postMessage calls and Location headers.
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|[0-9a-f:.]+")


def _check_url_basics(field: str, url: str, what: str) -> None:
    if len(url) > URL_MAX:
        raise ClientError(field, f"a {what} has at most {URL_MAX:,} characters")
    if "*" in url:
        raise ClientError(field, f"{url!r}: wildcards are not allowed in {what}s")
    if any(ch.isspace() for ch in url):
        raise ClientError(field, f"{url!r}: {what}s cannot contain whitespace")
    if any(ch < " " or ch == "\x7f" for ch in url):  # C0 controls and DEL
        raise ClientError(field, f"{url!r}: {what}s cannot contain control characters")
    try:
        parts = urlsplit(url)  # ValueError: "[::1" (no "]"), a full-width "#" in the host...
    except ValueError:
        raise ClientError(field, f"{url!r}: a {what} must be an absolute http(s) URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ClientError(field, f"{url!r}: a {what} must be an absolute http(s) URL")
    # Any "@" in the authority is user info, even empty ("https://@example.com"), which
    # `parts.username` reports as "" (falsy).
    if "@" in parts.netloc:
        raise ClientError(field, f"{url!r}: a {what} cannot contain a user name or password")
    if parts.fragment or "#" in url:
        raise ClientError(field, f"{url!r}: a {what} cannot contain a fragment (#)")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ClientError(field, f"{url!r}: the port is not a number from 0 to 65535") from None
    if not _HOST.fullmatch(parts.hostname):
        raise ClientError(field, f"{url!r}: {parts.hostname!r} is not a host name or IP address")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ClientError(
            field, f"{url!r}: must use https (http is allowed only on localhost, 127.0.0.1, [::1])"
        )


def check_origin(origin: str) -> str:
    """An Authorized JavaScript origin: scheme://host[:port], no path, no trailing slash.

    Returned the way a browser's Origin header spells it (lower case, no default port), since
    it is compared with that header and placed in CSP `frame-ancestors` and postMessage calls.
    """
    _check_url_basics("origins", origin, "JavaScript origin")
    parts = urlsplit(origin)
    if parts.path or parts.query:
        raise ClientError("origins", f"{origin!r}: an origin cannot contain a path or end with '/'")
    host = parts.hostname or ""
    port = parts.port
    default = {"http": 80, "https": 443}[parts.scheme]
    shown_host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown_host}" + (f":{port}" if port not in (None, default) else "")


def check_client_record(client: Client) -> None:
    """The rules `create_client` enforces, for a record that arrives whole (admin import):
    ClientError for the first one it breaks. Origins must already be in their stored form."""
    if not _IMPORTED_ID.fullmatch(client.client_id):
        raise ClientError("client_id", f"client ID {client.client_id!r}: {_ID_RULE}")
    check_client_name(client.name)
    for origin in client.origins:
        if check_origin(origin) != origin:
            raise ClientError("origins", f"{origin!r}: write it as {check_origin(origin)!r}")
    for uri in client.redirect_uris:
        check_redirect_uri(uri)
    if client.type != "web" and client.origins:
        raise ClientError("origins", "only web clients have Authorized JavaScript origins")
    if client.type in ("ios", "android") and (client.redirect_uris or client.secret_hash):
        raise ClientError("type", f"{client.type} clients have no redirect URI and no secret")


def check_redirect_uri(uri: str) -> str:
    """An Authorized redirect URI, kept as typed: it is compared exactly with the `redirect_uri`
    of requests, and the authorization endpoint sends codes and tokens to it."""
    _check_url_basics("redirect_uris", uri, "redirect URI")
    return uri


def native_scheme(client_id: str) -> str:
    """iOS/Android clients own `com.googleusercontent.apps.<id without the domain>`."""
    return "com.googleusercontent.apps." + client_id.removesuffix(CLIENT_ID_SUFFIX)


def check_client_secret(client: Client, presented: str) -> bool:
    from signon.protocol.ids import secrets_equal

    if client.secret_hash is None:
        return False
    return secrets_equal(client.secret_hash, hash_secret(presented))


@dataclass(frozen=True, slots=True)
class NewClient:
    client: Client
    secret: str | None  # shown once; only its hash is stored


def _dedupe(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


async def create_client(
    store: Store,
    *,
    name: str,
    type: ClientType = "web",
    project: str = "default",
    origins: Iterable[str] = (),
    redirect_uris: Iterable[str] = (),
    client_id: str | None = None,
    client_secret: str | None = None,
    auto_consent: bool = False,
    now: int,
    secret_factory: Callable[[], str] = new_client_secret,
) -> NewClient:
    name = check_client_name(name)
    if type not in CLIENT_TYPES:
        raise ClientError("type", f"type {type!r} is not one of {', '.join(CLIENT_TYPES)}")
    origins = _dedupe(check_origin(o) for o in origins)
    redirect_uris = _dedupe(check_redirect_uri(u) for u in redirect_uris)
    if type != "web" and origins:
        raise ClientError("origins", "only web clients have Authorized JavaScript origins")
    if type in ("ios", "android") and redirect_uris:
        raise ClientError(
            "redirect_uris",
            f"{type} clients need no redirect URI: their scheme is the reversed client ID",
        )
    if client_id is not None and not _IMPORTED_ID.fullmatch(client_id):
        raise ClientError("client_id", f"client ID {client_id!r}: {_ID_RULE}")
    if client_secret is not None and type in ("ios", "android"):
        raise ClientError("client_secret", f"{type} clients are public: they have no secret")
    if client_secret is not None and len(client_secret) < 8:
        raise ClientError("client_secret", "a client secret needs at least 8 characters")
    if not is_project_name(project):
        raise ClientError(
            "project",
            f"project {project!r}: use lower-case letters, digits and '-', starting with a letter",
        )
    # Every check is above: from here on only a taken client ID can refuse the client, and the
    # store creates a missing project in the client's own transaction, so a refused client
    # leaves no empty project behind.
    if client_id is not None and await store.find_client(client_id) is not None:
        raise ClientError("client_id", f"a client with ID {client_id} already exists")
    secret = None if type in ("ios", "android") else (client_secret or secret_factory())
    for attempt in (1, 2):
        proj, new_project = await store.find_project(project), None
        if proj is None:  # created by the store together with the client
            proj = new_project = Project(project, new_project_number(), created_at=now)
        client = Client(
            client_id=client_id or new_client_id(proj.number),
            project=proj.name,
            name=name,
            type=type,
            secret_hash=hash_secret(secret) if secret else None,
            origins=origins,
            redirect_uris=redirect_uris,
            auto_consent=auto_consent,
            created_at=now,
        )
        try:
            await store.create_client(client, new_project)
        except Conflict:
            if new_project is None or attempt == 2 or await store.find_project(project) is None:
                raise ClientError(
                    "client_id", f"a client with ID {client.client_id} already exists"
                ) from None
            # The project was created concurrently: put the client into that one.
        else:
            return NewClient(client, secret)
    raise AssertionError("unreachable")

"""Emulator mode's `--register-on-first-use`: an unknown client ID becomes a web client in the
`emulator` project, registered with the origin or redirect URI it first arrives with.

Shared by every entry point that meets a client ID in a browser first: the authorization
endpoint, `/gsi/status` (which every GIS page calls before anything else) and the platform.js
frame call `register_on_first_use` before looking the client up.
Clients people created (console, CLI, admin API) stay strict; a client that was itself
registered on first use also learns each new origin or redirect URI it arrives with, so one
app can use the button (origin) and the code flow (redirect URI) without a console visit.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from signon.protocol.clients import ClientError, check_origin, check_redirect_uri, create_client
from signon.protocol.ids import hash_secret
from signon.protocol.redirects import POSTMESSAGE
from signon.settings import Settings, is_loopback_host
from signon.storage.records import Client
from signon.storage.store import Store

__all__ = [
    "EMULATOR_PROJECT",
    "UNADOPTED_SECRET",
    "adopt_secret",
    "is_registering",
    "register_on_first_use",
]

# The secret hash of a client registered on first use until its server first authenticates:
# never the SHA-256 of anything, so no secret matches it before adoption.
UNADOPTED_SECRET = "unadopted"  # noqa: S105 - a marker, not a secret

EMULATOR_PROJECT = "emulator"
_NAME = "Registered on first use"


def is_registering(settings: Settings) -> bool:
    """Only in emulator mode: a real deployment never lets a request create a client."""
    return settings.emulator and settings.register_on_first_use


def _valid(check: object, value: str | None) -> tuple[str, ...]:
    """`value` as registered, if it may be learned: only on a loopback host. A client learns
    the origins and redirect URIs it arrives with, and the test accounts' browser also visits
    other sites: learning `https://evil.example` because a page there framed the platform.js
    frame with this client ID would hand that site the test accounts' tokens. Apps under test
    run on localhost; anything else is registered explicitly (CLI, console, admin API)."""
    if not value or value == POSTMESSAGE or not is_loopback_host(urlsplit(value).hostname or ""):
        return ()
    try:
        return (check(value),)  # type: ignore[operator]
    except ClientError:
        return ()  # not registrable: the strict checks refuse it


async def register_on_first_use(
    store: Store,
    client_id: str | None,
    *,
    now: int,
    origin: str | None = None,
    redirect_uri: str | None = None,
) -> Client | None:
    """The client after registration (None when `client_id` is empty or not registrable)."""
    if not client_id:
        return None
    origins = _valid(check_origin, origin)
    uris = _valid(check_redirect_uri, redirect_uri)
    client = await store.find_client(client_id)
    if client is None:
        try:
            new = await create_client(
                store, name=_NAME, type="web", project=EMULATOR_PROJECT, client_id=client_id,
                origins=origins, redirect_uris=uris, now=now,
            )  # fmt: skip
        except ClientError:  # a bad ID, or created concurrently
            return await store.find_client(client_id)
        registered = replace(new.client, secret_hash=UNADOPTED_SECRET)
        await store.update_client(registered, before=new.client)
        return registered
    if client.project != EMULATOR_PROJECT or client.name != _NAME:
        return client
    learned = replace(
        client,
        origins=tuple(dict.fromkeys((*client.origins, *origins))),
        redirect_uris=tuple(dict.fromkeys((*client.redirect_uris, *uris))),
    )
    if learned != client:
        await store.update_client(learned, before=client)
    return learned


async def adopt_secret(store: Store, client: Client, secret: str) -> bool:
    """A client registered on first use takes the secret its server presents with its first
    *successful* token request, so an app keeps its real Google client secret unchanged; from
    then on that secret is checked like any other. The token endpoint calls this only after the
    grant succeeded (a request with a made-up code must not claim the client), and the write is
    a compare-and-set, so of two racing first requests only one secret is kept. False when the
    client already has a secret (or is not a first-use client)."""
    if client.secret_hash != UNADOPTED_SECRET:
        return False
    return await store.replace_client_secret(
        client.client_id, UNADOPTED_SECRET, hash_secret(secret)
    )

"""Changing an OAuth client after creation (console and admin API), with the same checks as
`create_client`, and the `client_secret.json` file apps load (spec 2.5)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from signon.protocol.clients import (
    ClientError,
    check_client_name,
    check_origin,
    check_redirect_uri,
)
from signon.protocol.ids import hash_secret, new_client_secret
from signon.storage.records import Client
from signon.storage.store import Store

__all__ = ["client_secret_json", "reset_client_secret", "update_client"]


async def update_client(
    store: Store,
    client: Client,
    *,
    name: str | None = None,
    origins: Iterable[str] | None = None,
    redirect_uris: Iterable[str] | None = None,
    auto_consent: bool | None = None,
    client_secret: str | None = None,
) -> Client:
    """The client with the given fields replaced (None: unchanged), checked, then saved."""
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = check_client_name(name)
    if origins is not None:
        checked = tuple(dict.fromkeys(check_origin(o) for o in origins))
        if checked and client.type != "web":
            raise ClientError("origins", "only web clients have Authorized JavaScript origins")
        changes["origins"] = checked
    if redirect_uris is not None:
        uris = tuple(dict.fromkeys(check_redirect_uri(u) for u in redirect_uris))
        if uris and client.type in ("ios", "android"):
            raise ClientError(
                "redirect_uris",
                f"{client.type} clients need no redirect URI: their scheme is the reversed "
                "client ID",
            )
        changes["redirect_uris"] = uris
    if auto_consent is not None:
        changes["auto_consent"] = auto_consent
    if client_secret is not None:
        if client.type in ("ios", "android"):
            raise ClientError("client_secret", f"{client.type} clients are public: no secret")
        if len(client_secret) < 8:
            raise ClientError("client_secret", "a client secret needs at least 8 characters")
        changes["secret_hash"] = hash_secret(client_secret)
    updated = replace(client, **changes)
    await store.update_client(updated, before=client)
    return updated


async def reset_client_secret(store: Store, client: Client) -> tuple[Client, str]:
    """A new secret replaces the old one at once; only its hash is kept."""
    if client.type in ("ios", "android"):
        raise ClientError("client_secret", f"{client.type} clients are public: no secret")
    secret = new_client_secret()
    updated = replace(client, secret_hash=hash_secret(secret))
    await store.update_client(updated, before=client)
    return updated, secret


def client_secret_json(client: Client, secret: str, issuer: str) -> dict[str, Any]:
    """Google's shape: {"web": {...}} for web clients, {"installed": {...}} for the others."""
    body: dict[str, Any] = {
        "client_id": client.client_id,
        "project_id": client.project,
        "auth_uri": f"{issuer}/o/oauth2/auth",
        "token_uri": f"{issuer}/token",
        "auth_provider_x509_cert_url": f"{issuer}/oauth2/v1/certs",
        "client_secret": secret,
        "redirect_uris": list(client.redirect_uris),
    }
    if client.type == "web":
        body["javascript_origins"] = list(client.origins)
        return {"web": body}
    if not body["redirect_uris"]:
        body["redirect_uris"] = ["http://localhost"]  # what Google puts in desktop files
    return {"installed": body}

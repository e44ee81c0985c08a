"""JSON views of stored records for the admin API (never a password or secret hash)."""

from __future__ import annotations

from typing import Any

from signon.keys.keyring import Keyring
from signon.storage.records import Client, Grant, Project, SigningKey, User

__all__ = ["client_view", "grant_view", "key_view", "project_view", "user_view"]


def user_view(u: User) -> dict[str, Any]:
    return {
        "sub": u.sub,
        "email": u.email,
        "email_verified": u.email_verified,
        "name": u.name,
        "given_name": u.given_name,
        "family_name": u.family_name,
        "picture": u.picture,
        "locale": u.locale,
        "hd": u.hd,
        "is_admin": u.is_admin,
        "has_password": u.password_hash is not None,
        "custom_claims": u.custom_claims,
        "created_at": u.created_at,
    }


def client_view(c: Client, secret: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "client_id": c.client_id,
        "project": c.project,
        "name": c.name,
        "type": c.type,
        "public": c.is_public,
        "origins": list(c.origins),
        "redirect_uris": list(c.redirect_uris),
        "auto_consent": c.auto_consent,
        "created_at": c.created_at,
    }
    if secret is not None:
        view["client_secret"] = secret
    return view


def project_view(p: Project) -> dict[str, Any]:
    return {name: getattr(p, name) for name in p.__slots__}


def grant_view(g: Grant) -> dict[str, Any]:
    return {
        "grant_id": g.grant_id,
        "user_sub": g.user_sub,
        "client_id": g.client_id,
        "scopes": list(g.scopes),
        "created_at": g.created_at,
        "updated_at": g.updated_at,
    }


def key_view(k: SigningKey, keys: list[SigningKey], now: int) -> dict[str, Any]:
    return {
        "kid": k.kid,
        "state": Keyring.state(k, keys, now),
        "created_at": k.created_at,
        "activates_at": k.activates_at,
        "publish_until": k.publish_until,
    }

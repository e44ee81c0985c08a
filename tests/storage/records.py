"""Record factories for the storage tests: valid records with every field set, overridable."""

from __future__ import annotations

import hashlib
from typing import Any

from signon.storage.records import AuthCode, BrowserSession, Client, Project, Token, User
from signon.storage.store import Store

NOW = 1_790_000_000
PROJECT = "default"
CLIENT_ID = "123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com"


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def sub_for(n: int) -> str:
    return f"1{n:020d}"


def user(n: int = 1, **fields: Any) -> User:
    values: dict[str, Any] = {
        "sub": sub_for(n),
        "email": f"user{n}@example.com",
        "name": f"User {n}",
        "given_name": "User",
        "family_name": str(n),
        "picture": f"https://example.com/{n}.png",
        "locale": "en",
        "hd": "example.com",
        "password_hash": "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA",
        "custom_claims": {"roles": ["a", "b"], "level": n},
        "created_at": NOW + n,
    }
    values.update(fields)
    return User(**values)


def project(name: str = PROJECT, **fields: Any) -> Project:
    values: dict[str, Any] = {
        "name": name,
        "number": "123456789012",
        "app_name": "Example app",
        "support_email": "support@example.com",
        "created_at": NOW,
    }
    values.update(fields)
    return Project(**values)


def client(client_id: str = CLIENT_ID, **fields: Any) -> Client:
    values: dict[str, Any] = {
        "client_id": client_id,
        "project": PROJECT,
        "name": "Example web app",
        "type": "web",
        "secret_hash": sha("GOCSPX-secret"),
        "origins": ("https://app.example.com", "http://localhost:5000"),
        "redirect_uris": ("https://app.example.com/cb", "http://localhost:5000/cb?x=1"),
        "created_at": NOW,
    }
    values.update(fields)
    return Client(**values)


def session(name: str = "s1", **fields: Any) -> BrowserSession:
    values: dict[str, Any] = {
        "id_hash": sha(name),
        "created_at": NOW,
        "last_seen_at": NOW,
        "expires_at": NOW + 1000,
        "user_agent": "Mozilla/5.0",
    }
    values.update(fields)
    return BrowserSession(**values)


def code(name: str, grant_id: str, **fields: Any) -> AuthCode:
    values: dict[str, Any] = {
        "code_hash": sha(name),
        "code_id": "family-" + name,
        "client_id": CLIENT_ID,
        "user_sub": sub_for(1),
        "grant_id": grant_id,
        "redirect_uri": "https://app.example.com/cb",
        "scopes": ("email", "openid", "profile"),
        "created_at": NOW,
        "expires_at": NOW + 60,
        "auth_time": NOW - 5,
        "nonce": "n-0S6",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
        "offline": True,
        "issue_refresh": True,
    }
    values.update(fields)
    return AuthCode(**values)


def token(name: str, grant_id: str, family_id: str, **fields: Any) -> Token:
    values: dict[str, Any] = {
        "token_hash": sha(name),
        "kind": "access",
        "client_id": CLIENT_ID,
        "user_sub": sub_for(1),
        "grant_id": grant_id,
        "family_id": family_id,
        "scopes": ("email", "openid"),
        "created_at": NOW,
        "expires_at": NOW + 3600,
    }
    values.update(fields)
    return Token(**values)


def tokens_for(c: AuthCode, tag: str = "") -> tuple[Token, ...]:
    """What a token endpoint would issue for a code: an access and a refresh token."""
    common = {"scopes": c.scopes, "client_id": c.client_id, "user_sub": c.user_sub}
    return (
        token(f"{tag}access:{c.code_id}", c.grant_id, c.code_id, **common),
        token(
            f"{tag}refresh:{c.code_id}",
            c.grant_id,
            c.code_id,
            kind="refresh",
            expires_at=None,
            offline=True,
            **common,
        ),
    )


async def seed_client(store: Store, *users: User) -> None:
    """A project, a web client and the given users (grants need all three)."""
    await store.create_project(project())
    await store.create_client(client())
    for u in users or (user(1),):
        await store.create_user(u)

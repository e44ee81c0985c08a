"""Demo data for README command 1: one web client and one user, with known credentials."""

from __future__ import annotations

from dataclasses import dataclass

from signon.accounts.passwords import PasswordHasher
from signon.accounts.users import create_user
from signon.protocol.clients import create_client
from signon.storage.store import Store

__all__ = ["DEMO_CLIENT_ID", "DEMO_CLIENT_SECRET", "DEMO_EMAIL", "DEMO_PASSWORD", "seed_demo"]

DEMO_CLIENT_ID = "100000000001-signondemowebclient0000000000000.apps.googleusercontent.com"
DEMO_CLIENT_SECRET = "GOCSPX-signon-demo-secret-000000000"  # noqa: S105 - public demo credential
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "signon-demo"  # noqa: S105 - public demo credential
DEMO_ORIGINS = ("http://localhost:8000", "http://127.0.0.1:8000")
DEMO_REDIRECTS = ("http://localhost:8000/callback", "http://127.0.0.1:8000/callback")


@dataclass(frozen=True, slots=True)
class Demo:
    created: bool


async def seed_demo(store: Store, hasher: PasswordHasher, now: int) -> Demo:
    created = False
    if await store.find_client(DEMO_CLIENT_ID) is None:
        await create_client(
            store,
            name="signon demo app",
            type="web",
            project="demo",
            origins=DEMO_ORIGINS,
            redirect_uris=DEMO_REDIRECTS,
            client_id=DEMO_CLIENT_ID,
            client_secret=DEMO_CLIENT_SECRET,
            now=now,
        )
        created = True
    if await store.find_user_by_email(DEMO_EMAIL) is None:
        await create_user(
            store,
            hasher,
            password=DEMO_PASSWORD,
            email=DEMO_EMAIL,
            name="Demo User",
            given_name="Demo",
            family_name="User",
            locale="en",
            now=now,
        )
        created = True
    return Demo(created)

"""Seed 001: the one-time-code flow. The page calls `grantOfflineAccess()` and POSTs the code
(with `X-Requested-With`) to /storeauthcode; the server exchanges it with
`redirect_uri=postmessage` and its client secret, keeps the refresh token, and later calls the
userinfo API on its own, refreshing the access token when it has expired.

    python examples/server_side/app.py --client-secrets client_secret.json \\
        --issuer http://127.0.0.1:8080 [--port 8002] [--db server_side.db]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from signon.rp import OAuthClient, RpError, TokenSet, error_status
from signon.rp.starlette import storeauthcode_endpoint

PAGE = Path(__file__).with_name("index.html")
SESSION_COOKIE = "server_side_session"
SCHEMA = """
CREATE TABLE IF NOT EXISTS credentials (
    sub TEXT PRIMARY KEY, email TEXT, refresh_token TEXT, access_token TEXT, expires_at REAL
);
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, sub TEXT NOT NULL);
"""


class TokenStore:
    """The server's own copy of each user's tokens (SQLite). The refresh token is what lets
    the server act while the user is away; keep it as secret as a password."""

    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def save(self, tokens: TokenSet) -> str:
        claims = tokens.id_token_claims
        assert claims is not None  # profile/email were requested, so there is an ID token
        with self._lock:
            # Only the first offline consent yields a refresh token: never forget it.
            self._db.execute(
                "INSERT INTO credentials VALUES (?, ?, ?, ?, ?) ON CONFLICT(sub) DO UPDATE SET"
                " email=excluded.email, access_token=excluded.access_token,"
                " expires_at=excluded.expires_at,"
                " refresh_token=COALESCE(excluded.refresh_token, credentials.refresh_token)",
                (claims.sub, claims.email, tokens.refresh_token, tokens.access_token,
                 tokens.expires_at),
            )  # fmt: skip
            session = secrets.token_urlsafe(24)
            self._db.execute("INSERT INTO sessions VALUES (?, ?)", (session, claims.sub))
        return session

    def find(self, session: str | None) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT c.sub, c.email, c.refresh_token, c.access_token, c.expires_at"
                " FROM sessions s JOIN credentials c ON c.sub = s.sub WHERE s.id = ?",
                (session or "",),
            ).fetchone()
        keys = ("sub", "email", "refresh_token", "access_token", "expires_at")
        return dict(zip(keys, row, strict=True)) if row else None

    def update_access(self, sub: str, access_token: str, expires_at: float | None) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE credentials SET access_token = ?, expires_at = ? WHERE sub = ?",
                (access_token, expires_at, sub),
            )


def create_app(client: OAuthClient, db_path: str, issuer: str) -> Starlette:
    page = PAGE.read_text().replace("{{ISSUER}}", issuer)
    page = page.replace("{{CLIENT_ID}}", client.client_id)
    store = TokenStore(db_path)

    async def index(request: Request) -> Response:
        return HTMLResponse(page)

    def stored(tokens: TokenSet) -> Response:
        claims = tokens.id_token_claims
        body = {
            "email": claims.email if claims else None,
            "offline": tokens.refresh_token is not None,
        }
        response = JSONResponse(body)
        response.set_cookie(SESSION_COOKIE, store.save(tokens), httponly=True, samesite="lax")
        return response

    async def userinfo(request: Request) -> Response:
        user = store.find(request.cookies.get(SESSION_COOKIE))
        if user is None:
            return JSONResponse({"error": "not signed in"}, status_code=401)
        refreshed = False
        try:
            if user["expires_at"] is None or user["expires_at"] - 60 < time.time():
                if not user["refresh_token"]:
                    return JSONResponse({"error": "no refresh token"}, status_code=401)
                tokens = await client.arefresh(user["refresh_token"])
                store.update_access(user["sub"], tokens.access_token, tokens.expires_at)
                user["access_token"], refreshed = tokens.access_token, True
            info = await client.auserinfo(user["access_token"])
        except RpError as exc:
            return JSONResponse({"error": str(exc)}, status_code=error_status(exc))
        return JSONResponse({"userinfo": info, "access_token_refreshed": refreshed})

    async def expire(request: Request) -> Response:
        """For the demo and its test: make the stored access token look expired."""
        if not request.headers.get("x-requested-with"):
            return JSONResponse({"error": "missing X-Requested-With"}, status_code=403)
        user = store.find(request.cookies.get(SESSION_COOKIE))
        if user is None:
            return JSONResponse({"error": "not signed in"}, status_code=401)
        store.update_access(user["sub"], user["access_token"], 0)
        return JSONResponse({"access_token": "expired; the next API call refreshes it"})

    return Starlette(
        routes=[
            Route("/", index),
            Route("/storeauthcode", storeauthcode_endpoint(client, stored), methods=["POST"]),
            Route("/api/userinfo", userinfo),
            Route("/api/expire", expire, methods=["POST"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    env = os.environ.get
    parser.add_argument("--client-secrets", default=env("CLIENT_SECRETS", "client_secret.json"))
    parser.add_argument("--issuer", default=env("ISSUER", "http://127.0.0.1:8080"))
    parser.add_argument("--port", type=int, default=int(env("PORT", "8002")))
    parser.add_argument("--db", default=env("TOKEN_DB", "server_side.db"))
    args = parser.parse_args()
    with open(args.client_secrets, encoding="utf-8") as file:
        secrets_json = json.load(file)
    # token_uri and the keys come from client_secret.json, as downloaded from the console.
    client = OAuthClient.from_client_secrets(secrets_json, issuer=args.issuer)

    import uvicorn

    uvicorn.run(create_app(client, args.db, args.issuer), host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()

"""`signon serve`: migrate, optionally seed the demo, then run uvicorn."""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import time
from dataclasses import fields

import uvicorn
from sqlalchemy.engine import make_url

from signon.accounts.passwords import PasswordHasher
from signon.app import create_app
from signon.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_EMAIL, DEMO_PASSWORD, seed_demo
from signon.settings import Settings, env_name
from signon.storage import open_store, upgrade

__all__ = ["CannotListen", "check_port", "serve"]


class CannotListen(Exception):
    """The address and port cannot be listened on: in use, or not allowed."""


def check_port(host: str, port: int, option: str = "--port") -> None:
    """Bind and release the socket uvicorn will bind, so that a port in use is one line up front
    instead of uvicorn's log and exit status 3 (or a traceback when several servers share a
    loop). Another process can still take the port in between; uvicorn then reports it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # as uvicorn's bind_socket
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise CannotListen(
                f"port {port} on {host} is in use (choose another with {option})"
            ) from None
        raise CannotListen(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from exc


async def _seed(settings: Settings) -> None:
    store = open_store(settings.database_url)
    try:
        await seed_demo(store, PasswordHasher(), int(time.time()))
    finally:
        await store.close()


def _shown(database_url: str) -> str:
    """The database URL with its password masked (left alone otherwise: SQLAlchemy would
    re-render `sqlite:///:memory:` as `sqlite:///%3Amemory%3A`)."""
    url = make_url(database_url)
    return database_url if url.password is None else url.render_as_string(hide_password=True)


def _banner(settings: Settings) -> str:
    lines = [
        f"signon {'emulator ' if settings.emulator else ''}on {settings.issuer}",
        f"  database  {_shown(settings.database_url)}",
        f"  discovery {settings.issuer}/.well-known/openid-configuration",
    ]
    if settings.demo:
        lines += [
            "  demo web client (origins http://localhost:8000, http://127.0.0.1:8000)",
            f"    client_id     {DEMO_CLIENT_ID}",
            f"    client_secret {DEMO_CLIENT_SECRET}",
            f"  demo user       {DEMO_EMAIL} / {DEMO_PASSWORD}",
            f"  sign in at      {settings.issuer}/signin",
        ]
    return "\n".join(lines)


def serve(settings: Settings) -> int:
    check_port(settings.host, settings.port)
    upgrade(settings.database_url)
    if settings.demo:
        asyncio.run(_seed(settings))
    print(_banner(settings), flush=True)
    if settings.workers > 1:
        # Each worker builds its own app from the environment (flags already folded in).
        for f in fields(Settings):
            value = getattr(settings, f.name)
            if value is not None:
                os.environ[env_name(f.name)] = (
                    str(value).lower() if isinstance(value, bool) else str(value)
                )
        uvicorn.run(
            "signon.app:app_from_environment",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_level="info",
            access_log=settings.access_log,
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )
    else:
        app = create_app(settings, open_store(settings.database_url))
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_level="info",
            access_log=settings.access_log,
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )
    return 0

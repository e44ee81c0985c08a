"""A real signon server on 127.0.0.1 (uvicorn in a thread), for tests that need real HTTP:
independent client libraries, the browser, the relying-party SDK end to end."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import uvicorn
from starlette.applications import Starlette

from signon.accounts.passwords import PasswordHasher
from signon.app import create_app
from signon.context import Context
from signon.settings import Settings, build_settings
from signon.storage import open_store, upgrade

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class LiveServer:
    url: str
    settings: Settings
    app: Starlette
    loop: asyncio.AbstractEventLoop

    @property
    def ctx(self) -> Context:
        context: Context = self.app.state.ctx
        return context

    def run(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Run a coroutine function on the server's event loop (where its store lives)."""
        return asyncio.run_coroutine_threadsafe(fn(*args, **kwargs), self.loop).result(30)


@contextmanager
def live_server(database_url: str, hasher: PasswordHasher | None = None,
                **overrides: Any) -> Iterator[LiveServer]:  # fmt: skip
    port = free_port()
    flags: dict[str, Any] = {"port": port, "database_url": database_url}
    flags.update(overrides)
    settings = build_settings(flags, environ={})
    upgrade(database_url)
    app = create_app(settings, open_store(database_url), hasher=hasher)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    loop_box: list[asyncio.AbstractEventLoop] = []

    def run() -> None:
        loop = asyncio.new_event_loop()
        loop_box.append(loop)
        loop.run_until_complete(server.serve())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("signon did not start")
        time.sleep(0.02)
    live = LiveServer(settings.issuer, settings, app, loop_box[0])
    try:
        yield live
    finally:
        server.should_exit = True
        thread.join(10)

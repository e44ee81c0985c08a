"""Any ASGI app on 127.0.0.1 in a thread (uvicorn), for relying-party pages and the examples:
browsers load them as http://localhost:PORT, another site than signon on 127.0.0.1."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from tests.livesrv import free_port


@contextmanager
def serve_app(app: Any, port: int | None = None) -> Iterator[str]:
    """Yield the app's base URL (http://localhost:PORT) while it runs."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="auto")
    server = uvicorn.Server(config)

    def run() -> None:
        loop = asyncio.new_event_loop()
        loop.run_until_complete(server.serve())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.02)
    try:
        yield f"http://localhost:{port}"
    finally:
        server.should_exit = True
        thread.join(10)

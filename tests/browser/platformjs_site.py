"""Shared by the platform.js browser tests: the relying party's pages, served on
http://localhost:PORT (another site than signon on 127.0.0.1, as in a real deployment), a
Chromium profile that allows third-party cookies, and a signon with the demo user.

Test modules import the fixtures (as `platformjs_*`; pytest knows them by their short names);
`PAGES` holds the pages the current test serves."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Playwright

from signon.demo import seed_demo
from tests.appserver import serve_app
from tests.browser.thirdparty import fresh, third_party_cookie_context
from tests.conftest import fast_hasher
from tests.livesrv import LiveServer, free_port, live_server

APP_PORT = free_port()
APP = f"http://localhost:{APP_PORT}"
PAGES: dict[str, str] = {}


async def _rp_site(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = PAGES.get(scope["path"])
    status = 200 if body is not None else 404
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8"),
                            (b"cache-control", b"no-store")]})  # fmt: skip
    await send({"type": "http.response.body", "body": (body or "not found").encode()})


def serve(pages: dict[str, str]) -> None:
    PAGES.clear()
    PAGES.update(pages)


@pytest.fixture(scope="module", autouse=True, name="rp_site")
def platformjs_rp_site() -> Iterator[None]:
    with serve_app(_rp_site, APP_PORT):
        yield


@pytest.fixture(scope="module", name="persistent")
def platformjs_persistent(playwright: Playwright) -> Iterator[BrowserContext]:
    with third_party_cookie_context(playwright) as context:
        yield context


@pytest.fixture(name="context")
def platformjs_context(persistent: BrowserContext) -> BrowserContext:
    return fresh(persistent)


@pytest.fixture(name="server")
def platformjs_server(sqlite_url: str) -> Iterator[LiveServer]:
    with live_server(sqlite_url, hasher=fast_hasher()) as live:
        live.run(seed_demo, live.ctx.store, live.ctx.hasher, int(time.time()))
        yield live

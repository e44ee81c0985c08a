"""A Chromium profile that allows third-party cookies, as Chrome's default profile does.

Debian's Chromium, and Playwright's incognito-like contexts, block them; the iframes that find
a returning user's signon session from a relying party's page (platform.js, GIS) need them."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import BrowserContext, Playwright

from tests.browser.conftest import CHROMIUM, FLAGS


@contextmanager
def third_party_cookie_context(playwright: Playwright) -> Iterator[BrowserContext]:
    with tempfile.TemporaryDirectory(prefix="signon-profile-") as directory:
        (Path(directory) / "Default").mkdir()
        prefs = {"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}
        (Path(directory) / "Default" / "Preferences").write_text(json.dumps(prefs))
        context = playwright.chromium.launch_persistent_context(
            directory, executable_path=CHROMIUM, args=FLAGS, headless=True,
            viewport={"width": 1000, "height": 760},
        )  # fmt: skip
        for page in list(context.pages):  # the blank page a persistent context opens with
            page.close()
        try:
            yield context
        finally:
            context.close()


def fresh(context: BrowserContext) -> BrowserContext:
    """Forget cookies and close pages between tests sharing one persistent context."""
    for page in list(context.pages):
        page.close()
    context.clear_cookies()
    return context

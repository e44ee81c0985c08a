"""Every button variant, rendered by the issuer inside its iframe, and the screenshots in docs/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from signon.protocol.clients import NewClient
from tests.browser.conftest import screenshot
from tests.browser.gsi_rp import RelyingParty
from tests.browser.gsi_support import (  # noqa: F401 - fixtures are found by name
    client_fixture,
    gsi_context_fixture,
    page_fixture,
    rp_fixture,
    signon_fixture,
)

pytestmark = pytest.mark.browser

EXPECTED_FRAMES = 9 + 4 + 3 + 6 + 2 + 3 + 4


def test_every_variant_renders_with_its_size_and_words(
    page: Page, rp: RelyingParty, client: NewClient
) -> None:
    page.goto(rp.url("buttons.html"))
    frames = page.locator(".button iframe")
    expect(frames).to_have_count(EXPECTED_FRAMES)
    for i in range(EXPECTED_FRAMES):
        expect(frames.nth(i).content_frame.get_by_role("button")).to_be_visible()
    heights = [frames.nth(i).evaluate("f => f.getBoundingClientRect().height") for i in range(9)]
    assert heights == [40, 32, 20] * 3
    texts = page.locator("#texts iframe")
    words = ["Sign in with signon", "Sign up with signon", "Continue with signon", "Sign in"]
    for i, text in enumerate(words):
        expect(texts.nth(i).content_frame.get_by_role("button")).to_have_accessible_name(text)
    locales = page.locator("#locales iframe")
    names = ["Continue with signon", "Continuer avec signon", "Weiter mit signon",
             "Continuar con signon"]  # fmt: skip
    for i, name in enumerate(names):
        expect(locales.nth(i).content_frame.get_by_role("button")).to_have_accessible_name(name)
    icons = page.locator("#shapes iframe")
    assert icons.nth(3).evaluate("f => f.getBoundingClientRect().width") == 40
    widths = page.locator("#widths iframe")
    assert widths.nth(0).evaluate("f => f.getBoundingClientRect().width") == 300
    assert widths.nth(2).evaluate("f => f.getBoundingClientRect().width") == 400
    screenshot(page, "gsi-button-grid")
    for name, row, index in [("outline", "#themes", 0), ("filled_blue", "#themes", 3),
                             ("filled_black", "#themes", 6), ("pill", "#shapes", 0),
                             ("icon", "#shapes", 3), ("center", "#widths", 1),
                             ("fr", "#locales", 1)]:  # fmt: skip
        screenshot(page.locator(f"{row} .button").nth(index), f"gsi-button-{name}")

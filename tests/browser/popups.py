"""What a person does in signon's popup: sign in, then allow (or cancel) on the consent page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from signon.demo import DEMO_EMAIL, DEMO_PASSWORD


def sign_in(popup: Page, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD) -> None:
    popup.get_by_label("Email").fill(email)
    popup.get_by_label("Password").fill(password)
    popup.get_by_role("button", name="Sign in").click()


def allow(popup: Page) -> None:
    button = popup.get_by_role("button", name="Allow")
    expect(button).to_be_visible()
    button.click()


def sign_in_and_allow(popup: Page, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD) -> None:
    sign_in(popup, email, password)
    allow(popup)


def closes(popup: Page) -> None:
    if not popup.is_closed():
        popup.wait_for_event("close")

from __future__ import annotations

from tests.conftest import Harness


def test_signin_sets_session_and_home_shows_account(harness: Harness) -> None:
    harness.user()
    response = harness.sign_in()
    assert response.status_code == 303
    assert response.headers["location"] == "/?authuser=0"
    assert "signon_sid" in response.cookies
    home = harness.client.get("/")
    assert "ada@example.com" in home.text

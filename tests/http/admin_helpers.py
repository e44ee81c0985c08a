"""Helpers for the admin API tests: an app with a known admin token, and authorised calls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import FakeClock, Harness, harness_for, make_settings

TOKEN = "test-admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(name="admin")
def admin_harness(sqlite_url: str, clock: FakeClock) -> Iterator[Harness]:
    with harness_for(make_settings(sqlite_url, admin_token=TOKEN), clock) as h:
        yield h


@pytest.fixture(name="emulator_admin")
def emulator_admin_harness(sqlite_url: str, clock: FakeClock) -> Iterator[Harness]:
    settings = make_settings(sqlite_url, admin_token=TOKEN, emulator=True)
    with harness_for(settings, clock) as h:
        yield h


def call(h: Harness, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
    if body is not None:
        kwargs["json"] = body
    return h.client.request(method, "/admin/api" + path, headers=AUTH, **kwargs)


def invalid(description: str) -> dict[str, str]:
    return {"error": "invalid_request", "error_description": description}

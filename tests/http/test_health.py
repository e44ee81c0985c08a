"""/healthz: 200 while the database answers, 503 when it does not."""

from __future__ import annotations

import psycopg

from tests.conftest import (
    FakeClock,
    Harness,
    harness_for,
    make_settings,
    pg_admin_url,
    temporary_pg_database,
)


def test_healthz_is_ok_while_the_database_answers(harness: Harness) -> None:
    response = harness.client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert response.headers["cache-control"] == "no-store"
    assert harness.client.head("/healthz").status_code == 200


def test_healthz_is_503_when_the_database_is_gone(clock: FakeClock) -> None:
    """A real outage: the app's PostgreSQL database is dropped under it."""
    with temporary_pg_database() as url, harness_for(make_settings(url), clock) as h:
        assert h.client.get("/healthz").status_code == 200
        admin = pg_admin_url()
        assert admin is not None
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        response = h.client.get("/healthz")
        assert (response.status_code, response.json()["status"]) == (503, "unavailable")
        assert response.headers["retry-after"] == "5"

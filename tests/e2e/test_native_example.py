"""examples/native run headlessly (seed 003 without an iPhone): the command-line app signs in as
an iOS client with PKCE and a server client ID; a scripted person walks the sign-in; the
backend exchanges the server auth code and sees aud = server client, azp = iOS client."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from signon.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo
from signon.protocol.clients import create_client
from signon.rp import OAuthClient
from tests.appserver import serve_app
from tests.conftest import fast_hasher
from tests.e2e.driver import Person
from tests.examples import EXAMPLES, load_example
from tests.livesrv import LiveServer, live_server


@pytest.fixture
def signon(sqlite_url: str) -> Iterator[LiveServer]:
    with live_server(sqlite_url, hasher=fast_hasher()) as live:
        live.run(seed_demo, live.ctx.store, live.ctx.hasher, int(time.time()))
        yield live


def test_native_example_hands_the_server_auth_code_to_its_backend(signon: LiveServer) -> None:
    now = int(time.time())
    server = signon.run(create_client, signon.ctx.store, name="Photos server", type="web",
                        project="photos", now=now)  # fmt: skip
    ios = signon.run(create_client, signon.ctx.store, name="Photos for iOS", type="ios",
                     project="photos", now=now)  # fmt: skip
    backend = load_example("native", "backend").create_app(
        OAuthClient(server.client.client_id, server.secret, issuer=signon.url)
    )
    person = Person(signon.url, DEMO_EMAIL, DEMO_PASSWORD)
    with serve_app(backend) as backend_url:
        app = subprocess.Popen(
            [sys.executable, str(EXAMPLES / "native" / "app.py"), "--issuer", signon.url,
             "--client-id", ios.client.client_id, "--server-client-id", server.client.client_id,
             "--backend", backend_url],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert app.stdout is not None and app.stdin is not None
            assert app.stdout.readline().startswith("Open this address")
            url = app.stdout.readline().strip()
            redirected = person.authorize(url)  # signs in and allows, like a person would
            assert redirected.startswith("com.googleusercontent.apps.")
            out, err = app.communicate(redirected + "\n", timeout=30)
        finally:
            if app.poll() is None:
                app.kill()
                app.wait()
            person.close()
    assert app.returncode == 0, err
    line = next(x for x in out.splitlines() if x.startswith("Backend: "))
    answer = json.loads(line.removeprefix("Backend: "))
    assert answer["aud"] == server.client.client_id
    assert answer["azp"] == ios.client.client_id
    assert answer["email"] == DEMO_EMAIL
    assert answer["refresh_token"] is True

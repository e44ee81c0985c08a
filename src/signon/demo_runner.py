"""`signon demo`: signon in emulator mode on a throwaway SQLite database, the example apps'
clients registered, and every example in examples/ running on its own port; Ctrl-C stops all.

The examples are plain scripts in the source checkout (they are what a reader of Google's
guides writes), so they are loaded from there by path, and all servers share one event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import uvicorn

from signon.accounts.passwords import PasswordHasher
from signon.app import create_app
from signon.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo
from signon.protocol.clients import NewClient, create_client
from signon.settings import build_settings
from signon.storage import open_store, upgrade
from signon.storage.store import Store

__all__ = ["EXAMPLES_DIR", "run_demo"]

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"


class _Server(uvicorn.Server):
    """One of several servers in one loop: the demo, not each server, handles Ctrl-C."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass(frozen=True, slots=True)
class _Clients:
    basic: NewClient
    server_side: NewClient
    native_server: NewClient
    native_ios: NewClient
    gis: NewClient


def _load(name: str, module: str) -> ModuleType:
    path = EXAMPLES_DIR / name / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"signon_demo_{name}_{module}", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"signon demo: cannot load {path}")
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = loaded  # dataclasses (and pickling) look their module up there
    spec.loader.exec_module(loaded)
    return loaded


async def _register(store: Store, ports: dict[str, int]) -> _Clients:
    now = int(time.time())
    hasher = PasswordHasher()
    await seed_demo(store, hasher, now)

    async def web(name: str, port: int, project: str, *paths: str) -> NewClient:
        origins = [f"http://localhost:{port}"]
        redirect_uris = [origins[0] + path for path in paths]
        return await create_client(store, name=name, project=project, origins=origins,
                                   redirect_uris=redirect_uris, now=now)  # fmt: skip

    clients = _Clients(
        basic=await web("Basic example", ports["basic"], "examples"),
        server_side=await web("Server-side example", ports["server_side"], "examples"),
        native_server=await create_client(
            store, name="Photos server", type="web", project="photos", now=now
        ),
        native_ios=await create_client(
            store, name="Photos for iOS", type="ios", project="photos", now=now
        ),
        # Sign In With Google's redirect mode POSTs to login_uri, an authorized redirect URI.
        gis=await web("Sign In With Google example", ports["gis"], "examples", "/login"),
    )
    await store.close()
    return clients


def _apps(issuer: str, clients: _Clients, folder: Path) -> dict[str, Any]:
    from signon.rp import OAuthClient

    def oauth(new: NewClient) -> OAuthClient:
        return OAuthClient(new.client.client_id, new.secret, issuer=issuer)

    # What the console's download button gives: the server-side example reads this file.
    (folder / "client_secret.json").write_text(
        json.dumps(
            {
                "web": {
                    "client_id": clients.server_side.client.client_id,
                    "client_secret": clients.server_side.secret,
                    "auth_uri": f"{issuer}/o/oauth2/auth",
                    "token_uri": f"{issuer}/token",
                    "auth_provider_x509_cert_url": f"{issuer}/oauth2/v1/certs",
                }
            }
        )
    )
    return {
        "basic": _load("basic", "app").create_app(issuer, clients.basic.client.client_id),
        "server_side": _load("server_side", "app").create_app(
            oauth(clients.server_side), str(folder / "server_side.db"), issuer
        ),
        "native": _load("native", "backend").create_app(oauth(clients.native_server)),
        "gis": _load("gis", "app").create_app(issuer, clients.gis.client.client_id),
    }


def _banner(issuer: str, urls: dict[str, str], clients: _Clients, folder: Path) -> str:
    native_cmd = (
        f"{Path(sys.executable).name} {EXAMPLES_DIR / 'native' / 'app.py'} --issuer {issuer} "
        f"--client-id {clients.native_ios.client.client_id} "
        f"--server-client-id {clients.native_server.client.client_id} "
        f"--backend {urls['native']}"
    )
    return "\n".join(
        [
            f"signon emulator     {issuer}   (sign in as {DEMO_EMAIL} / {DEMO_PASSWORD})",
            f"basic               {urls['basic']}   seeds 000 + 004: g-signin2, /tokensignin",
            f"server_side         {urls['server_side']}   seed 001: grantOfflineAccess",
            f"gis                 {urls['gis']}   seed 002: One Tap + button; redirect mode at"
            " /redirect",
            f"native backend      {urls['native']}   seed 003; run the app with:",
            f"  {native_cmd}",
            f"data                {folder} (deleted on exit)",
            "Press Ctrl-C to stop.",
        ]
    )


def run_demo(host: str = "127.0.0.1", port: int = 8080, first_example_port: int = 8001) -> int:
    if not (EXAMPLES_DIR / "basic" / "app.py").exists():
        print(f"signon demo: needs the examples/ folder of a source checkout ({EXAMPLES_DIR})")
        return 2
    folder = Path(tempfile.mkdtemp(prefix="signon-demo-"))
    try:
        return asyncio.run(_run(host, port, first_example_port, folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _run(host: str, port: int, first_example_port: int, folder: Path) -> int:
    database_url = f"sqlite:///{folder}/signon.db"
    flags = {"host": host, "port": port, "database_url": database_url, "emulator": True}
    settings = build_settings(flags, environ={})
    await asyncio.to_thread(upgrade, database_url)
    names = ("basic", "server_side", "native", "gis")
    ports = {name: first_example_port + i for i, name in enumerate(names)}
    clients = await _register(open_store(database_url), ports)
    apps = _apps(settings.issuer, clients, folder)
    servers = [_Server(uvicorn.Config(create_app(settings, open_store(database_url)),
                                      host=host, port=port, log_level="warning"))]  # fmt: skip
    urls: dict[str, str] = {}
    for name, app in apps.items():
        servers.append(_Server(uvicorn.Config(app, host="127.0.0.1", port=ports[name],
                                              log_level="warning")))  # fmt: skip
        # Pages are opened on localhost, the registered origin (another site than the issuer).
        urls[name] = f"http://{'localhost' if name != 'native' else '127.0.0.1'}:{ports[name]}"

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    while not all(s.started for s in servers):
        if any(t.done() for t in tasks):
            break
        await asyncio.sleep(0.05)
    failed = any(t.done() for t in tasks)
    if not failed:
        print(_banner(settings.issuer, urls, clients, folder), flush=True)
        waiter = asyncio.create_task(stop.wait())
        await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
    for s in servers:
        s.should_exit = True
    await asyncio.gather(*tasks, return_exceptions=True)
    if failed:
        print("signon demo: a server could not start (is a port in use?)", flush=True)
        return 1
    print("signon demo stopped.", flush=True)
    return 0

"""Benchmark: the token endpoint (authorization_code, refresh_token) and tokeninfo under
concurrent load from a separate process, next to raw RSA-2048 signatures/s measured in the same
run on the same machine.

    .venv/bin/python bench/token_endpoint.py [--requests 2000] [--concurrency 32] [--workers 1]

signon runs as `signon serve` (uvicorn) on SQLite in a temporary folder; the load comes from a
separate process (asyncio + httpx, keep-alive connections). Both share the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from signon.accounts.passwords import PasswordHasher
from signon.accounts.users import create_user
from signon.protocol.clients import create_client
from signon.protocol.ids import hash_secret, new_code, new_opaque_id
from signon.protocol.tokens import mint_token
from signon.storage import open_store, upgrade
from signon.storage.records import AuthCode

REDIRECT = "http://127.0.0.1:5000/callback"
SCOPES = ("https://www.googleapis.com/auth/userinfo.email", "openid")


def rsa_signatures_per_second(seconds: float = 2.0) -> float:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    message = b"x" * 400
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        count += 1
    return count / (time.perf_counter() - start)


async def prepare(database_url: str, codes: int) -> dict[str, object]:
    upgrade(database_url)
    store = open_store(database_url)
    now = int(time.time())
    user = await create_user(store, PasswordHasher(memory_kib=1024, time_cost=1),
                             password=None, email="bench@example.com", now=now)  # fmt: skip
    client = await create_client(store, name="bench", redirect_uris=[REDIRECT], now=now)
    grant = await store.save_grant(user.sub, client.client.client_id, SCOPES, now, new_opaque_id())
    raw_codes = []
    for _ in range(codes):
        value = new_code()
        raw_codes.append(value)
        await store.save_code(AuthCode(
            code_hash=hash_secret(value), code_id=new_opaque_id(),
            client_id=client.client.client_id, user_sub=user.sub, grant_id=grant.grant_id,
            redirect_uri=REDIRECT, scopes=SCOPES, created_at=now, expires_at=now + 3600,
            auth_time=now))  # fmt: skip
    refresh = mint_token("refresh", client_id=client.client.client_id, user_sub=user.sub,
                         grant_id=grant.grant_id, family_id=new_opaque_id(), scopes=SCOPES, now=now)  # fmt: skip
    access = mint_token("access", client_id=client.client.client_id, user_sub=user.sub,
                        grant_id=grant.grant_id, family_id=new_opaque_id(), scopes=SCOPES, now=now)  # fmt: skip
    await store.save_tokens([refresh.record, access.record])
    await store.close()
    return {"client_id": client.client.client_id, "secret": client.secret, "codes": raw_codes,
            "refresh": refresh.value, "access": access.value}  # fmt: skip


async def _load(url: str, bodies: list[dict[str, str]], method: str, concurrency: int) -> dict[str, float]:  # noqa: E501
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:

        async def worker() -> None:
            nonlocal errors
            while not queue.empty():
                body = queue.get_nowait()
                t0 = time.perf_counter()
                if method == "POST":
                    response = await http.post(url, data=body)
                else:
                    response = await http.get(url, params=body)
                latencies.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    return {"rps": len(latencies) / elapsed, "p50": statistics.median(latencies) * 1000,
            "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000, "errors": errors,
            "n": len(latencies)}  # fmt: skip


def _load_process(args: tuple[str, list[dict[str, str]], str, int], out: mp.Queue) -> None:  # type: ignore[type-arg]
    out.put(asyncio.run(_load(*args)))


def run_load(url: str, bodies: list[dict[str, str]], method: str, concurrency: int) -> dict[str, float]:  # noqa: E501
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=_load_process, args=((url, bodies, method, concurrency), out))
    proc.start()
    result: dict[str, float] = out.get()
    proc.join()
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="signon-bench-"))
    database_url = f"sqlite:///{folder}/signon.db"
    data = asyncio.run(prepare(database_url, args.requests))
    port = free_port()
    env = {**os.environ, "SIGNON_DATABASE_URL": database_url}
    server = subprocess.Popen(
        [sys.executable, "-m", "signon", "serve", "--port", str(port), "--workers", str(args.workers)],  # noqa: E501
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(base + "/oauth2/v3/certs", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        rsa_rate = rsa_signatures_per_second()
        auth = {"client_id": str(data["client_id"]), "client_secret": str(data["secret"])}
        codes = [{"grant_type": "authorization_code", "code": c, "redirect_uri": REDIRECT, **auth}
                 for c in data["codes"]]  # type: ignore[attr-defined]  # fmt: skip
        refresh = [{"grant_type": "refresh_token", "refresh_token": str(data["refresh"]), **auth}] * args.requests  # noqa: E501
        tokeninfo = [{"access_token": str(data["access"])}] * args.requests
        rows = [
            ("token: authorization_code", run_load(base + "/token", codes, "POST", args.concurrency)),  # noqa: E501
            ("token: refresh_token", run_load(base + "/token", refresh, "POST", args.concurrency)),
            ("tokeninfo: access_token", run_load(base + "/oauth2/v3/tokeninfo", tokeninfo, "GET", args.concurrency)),  # noqa: E501
        ]
    finally:
        server.terminate()
        server.wait(10)
    print(f"signon token endpoint, {args.workers} worker(s), SQLite, {args.concurrency} concurrent "
          f"connections, {os.cpu_count()} cores shared with the load generator")  # fmt: skip
    print(f"baseline: raw RSA-2048 signatures/s (cryptography, 1 thread, same run): {rsa_rate:,.0f}")  # noqa: E501
    print(f"{'scenario':28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs RSA':>7} {'errors':>6}")
    for name, r in rows:
        print(f"{name:28} {r['rps']:8,.0f} {r['p50']:8.1f} {r['p99']:8.1f} "
              f"{r['rps'] / rsa_rate:7.2f} {int(r['errors']):6d}")  # fmt: skip
    print(json.dumps({"rsa_sign_per_s": rsa_rate, **{n: r for n, r in rows}}))


if __name__ == "__main__":
    main()

"""Benchmark: the token endpoint (authorization_code, refresh_token) and tokeninfo under
concurrent load from a separate process, next to raw RSA-2048 signatures/s and a no-work endpoint
measured in the same run on the same machine.

    .venv/bin/python bench/token_endpoint.py [--seconds 5] [--connections 32] [--workers 1]

signon runs as `signon serve` (uvicorn, SQLite in a temporary folder); the load comes from wrk
(`wrk -t1 -cN`, Debian's package; installed here if missing and we are root), a separate
process sharing the machine's cores. Every authorization code is used once: the script mints
more codes than the run can consume.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy import create_engine, insert

from signon.accounts.passwords import PasswordHasher
from signon.accounts.users import create_user
from signon.protocol.clients import create_client
from signon.protocol.ids import hash_secret, new_code, new_opaque_id
from signon.protocol.tokens import mint_token
from signon.settings import database_url_for_sqlalchemy
from signon.storage import open_store, schema, upgrade

REDIRECT = "http://127.0.0.1:5000/callback"
SCOPES = ("https://www.googleapis.com/auth/userinfo.email", "openid")
LUA = """
local bodies = {}
local n = 0
init = function(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
end
request = function()
  n = n + 1
  local body = bodies[((n - 1) % #bodies) + 1]
  if wrk.method == "GET" then
    return wrk.format("GET", wrk.path .. "?" .. body)
  end
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), summary.errors.status))
end
"""


def rsa_signatures_per_second(seconds: float = 2.0) -> float:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        key.sign(b"x" * 400, padding.PKCS1v15(), hashes.SHA256())
        count += 1
    return count / (time.perf_counter() - start)


async def _prepare(database_url: str) -> dict[str, str]:
    upgrade(database_url)
    store = open_store(database_url)
    now = int(time.time())
    user = await create_user(store, PasswordHasher(memory_kib=1024, time_cost=1),
                             password=None, email="bench@example.com", now=now)  # fmt: skip
    client = await create_client(store, name="bench", redirect_uris=[REDIRECT], now=now)
    client_id = client.client.client_id
    grant = await store.save_grant(user.sub, client_id, SCOPES, now, new_opaque_id())
    common = dict(client_id=client_id, user_sub=user.sub, grant_id=grant.grant_id,
                  family_id=new_opaque_id(), scopes=SCOPES, now=now)  # fmt: skip
    refresh = mint_token("refresh", **common)  # type: ignore[arg-type]
    access = mint_token("access", **common)  # type: ignore[arg-type]
    await store.save_tokens([refresh.record, access.record])
    await store.close()
    return {"client_id": client_id, "secret": client.secret or "", "user": user.sub,
            "grant": grant.grant_id, "refresh": refresh.value, "access": access.value}  # fmt: skip


def _mint_codes(database_url: str, data: dict[str, str], count: int) -> list[str]:
    """Codes straight into the table in one transaction (minting 10^4 codes through the
    authorization endpoint would take longer than the benchmark)."""
    now = int(time.time())
    codes = [new_code() for _ in range(count)]
    rows = [
        {"code_hash": hash_secret(c), "code_id": new_opaque_id(), "client_id": data["client_id"],
         "user_sub": data["user"], "grant_id": data["grant"], "redirect_uri": REDIRECT,
         "scopes": " ".join(SCOPES), "nonce": None, "code_challenge": None,
         "code_challenge_method": None, "offline": False, "issue_refresh": False, "azp": None,
         "auth_time": now, "created_at": now, "expires_at": now + 3600, "consumed_at": None}
        for c in codes
    ]  # fmt: skip
    engine = create_engine(database_url_for_sqlalchemy(database_url))
    with engine.begin() as conn:
        conn.execute(insert(schema.auth_codes), rows)
    engine.dispose()
    return codes


def _wrk(
    url: str, method: str, bodies: list[str], seconds: int, connections: int, folder: Path
) -> dict[str, float]:
    script, data = folder / "load.lua", folder / "bodies.txt"
    script.write_text(LUA.replace('wrk.method == "GET"', f'"{method}" == "GET"'))
    data.write_text("\n".join(bodies) + "\n")
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url,
         "--", str(data)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    requests, duration_us, p50_us, p99_us, non2xx = map(int, line.split()[1:])
    return {"rps": requests / (duration_us / 1e6), "p50": p50_us / 1000, "p99": p99_us / 1000,
            "errors": non2xx, "n": requests}  # fmt: skip


def _ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0:
        sys.exit("wrk is needed: sudo apt-get install wrk")
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    import asyncio

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    _ensure_wrk()
    folder = Path(tempfile.mkdtemp(prefix="signon-bench-"))
    database_url = f"sqlite:///{folder}/signon.db"
    data = asyncio.run(_prepare(database_url))
    codes = _mint_codes(database_url, data, 3000 * args.seconds)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "signon", "serve", "--port", str(port), "--workers",
         str(args.workers), "--database", database_url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/oauth2/v3/certs", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        rsa_rate = rsa_signatures_per_second()
        auth = {"client_id": data["client_id"], "client_secret": data["secret"]}
        code_bodies = [urlencode({"grant_type": "authorization_code", "code": c,
                                  "redirect_uri": REDIRECT, **auth}) for c in codes]  # fmt: skip
        refresh_body = urlencode(
            {"grant_type": "refresh_token", "refresh_token": data["refresh"], **auth}
        )
        run = lambda path, method, bodies: _wrk(base + path, method, bodies, args.seconds,  # noqa: E731
                                                args.connections, folder)  # fmt: skip
        rows = [
            ("discovery (no DB, no crypto)", run("/.well-known/openid-configuration", "GET", [""])),
            ("token: authorization_code", run("/token", "POST", code_bodies)),
            ("token: refresh_token", run("/token", "POST", [refresh_body])),
            (
                "tokeninfo: access_token",
                run("/oauth2/v3/tokeninfo", "GET", [urlencode({"access_token": data["access"]})]),
            ),
        ]
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
    if rows[1][1]["n"] > len(codes):
        print("warning: the run used every code; raise the code count", file=sys.stderr)
    print(
        f"signon {args.workers} worker(s) on SQLite; wrk -t1 -c{args.connections} "
        f"-d{args.seconds}s; {os.cpu_count()} cores shared by server and load generator"
    )
    print(f"baseline: raw RSA-2048 signatures/s, cryptography, 1 thread, same run: {rsa_rate:,.0f}")
    header = ("scenario", "req/s", "p50 ms", "p99 ms", "/ RSA sign", "non-2xx")
    print("{:30} {:>7} {:>7} {:>7} {:>10} {:>7}".format(*header))
    for name, r in rows:
        print(f"{name:30} {r['rps']:7,.0f} {r['p50']:7.1f} {r['p99']:7.1f} "
              f"{r['rps'] / rsa_rate:10.2f} {int(r['errors']):7d}")  # fmt: skip
    print(json.dumps({"rsa_sign_per_s": rsa_rate, **{n: r for n, r in rows}}))


if __name__ == "__main__":
    main()

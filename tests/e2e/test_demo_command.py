"""`signon demo` as a person runs it: it prints every URL, each answers, and Ctrl-C stops
everything cleanly and deletes the throwaway database."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.livesrv import free_port


def _free_run(count: int, avoid: int) -> int:
    """The first of `count` consecutive free ports, none of them `avoid` (a port already
    picked, and still free until its server binds it)."""
    for _ in range(50):
        first = free_port()
        if first + count > 65535 or first <= avoid < first + count:
            continue
        sockets = []
        try:
            for port in range(first, first + count):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no run of free ports")


def test_signon_demo_starts_everything_and_stops_on_ctrl_c() -> None:
    port = free_port()
    first = _free_run(4, avoid=port)
    demo = subprocess.Popen(
        [sys.executable, "-m", "signon", "demo", "--port", str(port),
         "--examples-port", str(first)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert demo.stdout is not None
        lines = []
        for line in demo.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        banner = "".join(lines)
        urls = dict(re.findall(r"^(\S.*?)\s{2,}(http://\S+)", banner, re.MULTILINE))
        issuer = urls["signon emulator"]
        assert issuer == f"http://127.0.0.1:{port}"
        assert urls["basic"] == f"http://localhost:{first}"
        assert httpx.get(issuer + "/.well-known/openid-configuration").json()["issuer"] == issuer
        basic = httpx.get(urls["basic"])
        assert basic.status_code == 200 and f'src="{issuer}/js/platform.js"' in basic.text
        server_side = httpx.get(urls["server_side"])
        assert f"{issuer}/js/client:platform.js?onload=start" in server_side.text
        gis = httpx.get(urls["gis"])
        assert urls["gis"] == f"http://localhost:{first + 3}"
        assert f'src="{issuer}/gsi/client"' in gis.text
        redirect_mode = httpx.get(urls["gis"] + "/redirect")
        assert f"login_uri: '{urls['gis']}/login'" in redirect_mode.text
        refused = httpx.post(urls["native backend"] + "/storeauthcode", content=b"4/x")
        assert refused.status_code == 403  # no X-Requested-With
        folder = Path(re.findall(r"^data\s+(\S+)", banner, re.MULTILINE)[0])
        assert (folder / "signon.db").exists()
        assert "app.py --issuer" in banner
        demo.send_signal(signal.SIGINT)
        out, err = demo.communicate(timeout=30)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert demo.returncode == 0, err
    assert "signon demo stopped." in out
    assert not folder.exists()

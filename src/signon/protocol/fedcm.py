"""FedCM (Federated Credential Management) as an identity provider, with no web framework in
it: the well-known and config documents, the accounts list entries, reading the nonce from an
assertion request, and signon's mark as a PNG for the browser's dialog (spec 6, docs/gsi.md).

The HTTP endpoints are in `signon.http.fedcm`.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import orjson

from signon.protocol.gsi import has_gsi_grant
from signon.storage.records import Grant, User

__all__ = [
    "ACCOUNTS_PATH",
    "ASSERTION_PATH",
    "BRAND_BACKGROUND",
    "BRAND_COLOR",
    "CLIENT_METADATA_PATH",
    "CONFIG_PATH",
    "DISCONNECT_PATH",
    "ERROR_PATH",
    "ICON_PATH",
    "ICON_SIZE",
    "LOGIN_PATH",
    "WELL_KNOWN_PATH",
    "account_entry",
    "approved_clients",
    "config_document",
    "icon_png",
    "nonce_from",
    "well_known_document",
]

WELL_KNOWN_PATH = "/.well-known/web-identity"
CONFIG_PATH = "/fedcm/config.json"
ACCOUNTS_PATH = "/fedcm/accounts"
CLIENT_METADATA_PATH = "/fedcm/client_metadata"
ASSERTION_PATH = "/fedcm/assertion"
DISCONNECT_PATH = "/fedcm/disconnect"
LOGIN_PATH = "/fedcm/login"
ERROR_PATH = "/fedcm/error"
ICON_PATH = "/fedcm/icon.png"
ICON_SIZE = 64
BRAND_BACKGROUND = "#1a73e8"  # signon's blue (signon.css --blue)
BRAND_COLOR = "#ffffff"


def well_known_document(issuer: str) -> dict[str, Any]:
    """`provider_urls` plus, since Chrome 132, `accounts_endpoint` and `login_url`: with both,
    Chromium checks them against the config and logs no warning."""
    return {
        "provider_urls": [issuer + CONFIG_PATH],
        "accounts_endpoint": issuer + ACCOUNTS_PATH,
        "login_url": issuer + LOGIN_PATH,
    }


def config_document(issuer: str) -> dict[str, Any]:
    return {
        "accounts_endpoint": issuer + ACCOUNTS_PATH,
        "client_metadata_endpoint": issuer + CLIENT_METADATA_PATH,
        "id_assertion_endpoint": issuer + ASSERTION_PATH,
        "disconnect_endpoint": issuer + DISCONNECT_PATH,
        "login_url": issuer + LOGIN_PATH,
        "branding": {
            "background_color": BRAND_BACKGROUND,
            "color": BRAND_COLOR,
            "name": "signon",
            "icons": [{"url": issuer + ICON_PATH, "size": ICON_SIZE}],
        },
    }


def approved_clients(grants: Iterable[Grant]) -> list[str]:
    """Clients the user shared their name, email and picture with: the browser skips the
    disclosure text for these ("sign in" rather than "sign up") and may auto re-authenticate."""
    return sorted({g.client_id for g in grants if has_gsi_grant(g)})


def account_entry(user: User, clients: list[str]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": user.sub,
        "email": user.email,
        "name": user.name or user.email,
        "given_name": user.given_name or user.name or user.email,
        "approved_clients": clients,
        "login_hints": [user.email],
        "domain_hints": [user.hd] if user.hd else [],
    }
    if user.picture:
        entry["picture"] = user.picture
    return entry


def nonce_from(params: str | None, legacy_nonce: str | None) -> str | None:
    """The RP's nonce: `params` is the JSON text of the `params` object the page passed
    (`{"nonce": ...}`); the top-level `nonce` field is the older, deprecated form. A `params`
    that is not a JSON object is a bad request (ValueError)."""
    if params:
        value = orjson.loads(params)  # depth-limited: hostile nesting is a ValueError
        if not isinstance(value, dict):
            raise ValueError("params must be a JSON object")
        nonce = value.get("nonce")
        if nonce is not None and not isinstance(nonce, str):
            raise ValueError("params.nonce must be a string")
        if nonce:
            return nonce
    return legacy_nonce or None


# -- the icon ---------------------------------------------------------------------------------
# Chromium's dialog wants a square raster icon; signon's mark is an SVG (a blue disc with a white
# check). This draws the same shape, antialiased by supersampling, into a PNG with no imaging
# library: it is computed once.


def _segment_distance(
    px: float, py: float, a: tuple[float, float], b: tuple[float, float]
) -> float:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    cx, cy = ax + t * dx, ay + t * dy
    return float(((px - cx) ** 2 + (py - cy) ** 2) ** 0.5)


def _mark_pixel(x: float, y: float) -> tuple[int, int, int, int]:
    """The mark on a 48-unit canvas (as in templates/base.html): RGBA at one point."""
    if (x - 24) ** 2 + (y - 24) ** 2 > 22**2:
        return (0, 0, 0, 0)
    check = ((15.0, 25.5), (21.0, 31.5), (33.0, 17.5))
    near = min(
        _segment_distance(x, y, check[0], check[1]), _segment_distance(x, y, check[1], check[2])
    )
    if near <= 2.25:
        return (255, 255, 255, 255)
    return (0x1A, 0x73, 0xE8, 255)


def _png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


@lru_cache(maxsize=1)
def icon_png(size: int = ICON_SIZE) -> bytes:
    samples = 3
    rows = []
    for py in range(size):
        row = bytearray()
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(samples):
                for sx in range(samples):
                    x = (px + (sx + 0.5) / samples) * 48 / size
                    y = (py + (sy + 0.5) / samples) * 48 / size
                    r, g, b, a = _mark_pixel(x, y)
                    acc[0] += r * a
                    acc[1] += g * a
                    acc[2] += b * a
                    acc[3] += a
            alpha = acc[3]
            if alpha:
                row += bytes((acc[0] // alpha, acc[1] // alpha, acc[2] // alpha))
            else:
                row += b"\x00\x00\x00"
            row.append(alpha // (samples * samples))
        rows.append(bytes(row))
    return _png(size, size, rows)

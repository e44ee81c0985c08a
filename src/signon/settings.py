"""One frozen Settings object, built once (CLI flags > SIGNON_* environment > defaults).

Every field is documented where its default is defined. No module imports a global settings
object: `create_app(settings, ...)` and the CLI pass it down explicitly.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = ["Settings", "SettingsError", "build_settings", "env_name", "is_loopback_host"]


class SettingsError(ValueError):
    """A setting has a bad value; the message names the setting and the value."""


@dataclass(frozen=True, slots=True)
class Settings:
    # Interface and port `signon serve` listens on.
    host: str = "127.0.0.1"
    port: int = 8080
    # The `iss` of every token and the base of every URL in discovery. Default: http://HOST:PORT.
    issuer: str = ""
    # sqlite:///path (default ./signon.db) or postgresql://user@host/db.
    database_url: str = "sqlite:///signon.db"
    # Emulator mode: test accounts without passwords, a banner, loopback only.
    emulator: bool = False
    # Allow the emulator on a non-loopback interface.
    emulator_public: bool = False
    # Emulator: skip the consent page for every client.
    auto_consent: bool = False
    # Emulator: register an unknown client ID with the origin / redirect URI it first arrives with.
    register_on_first_use: bool = False
    # uvicorn worker processes.
    workers: int = 1
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed: comma-separated
    # addresses or networks, or "*". The client address from there keys the sign-in throttle;
    # behind a proxy that is not listed, every person would share the proxy's address.
    forwarded_allow_ips: str = "127.0.0.1"
    # Encrypts signing keys at rest (AES-256-GCM, HKDF-derived key). Required on an https issuer.
    secret_key: str | None = field(default=None, repr=False)
    # Bearer token for /admin/api/ (also `signon admin token`).
    admin_token: str | None = field(default=None, repr=False)
    # JWKS Cache-Control max-age. A rotated key starts signing only after this long, so every
    # relying party that cached the JWKS fetches the new key before it sees a token signed by it.
    jwks_max_age: int = 3600
    # How long a browser session lives without use, and at most.
    session_idle_seconds: int = 14 * 24 * 3600
    # A refresh token not used for this long stops working (Google: six months unused).
    refresh_token_idle_seconds: int = 183 * 24 * 3600
    # Live refresh tokens per user and client; issuing one more revokes the oldest (Google: 100).
    refresh_tokens_per_client: int = 100
    # Largest request body accepted, in bytes.
    max_body_bytes: int = 64 * 1024
    # Seed a demo client and a demo user on start (README command 1).
    demo: bool = False
    # Log every request (uvicorn's access log). Off by default: it costs a fifth of the
    # throughput of a cheap endpoint.
    access_log: bool = False

    @property
    def secure_cookies(self) -> bool:
        return self.issuer.startswith("https://")

    def _cookie(self, name: str) -> str:
        """On https every cookie of ours is a `__Host-` cookie: a sibling subdomain cannot set
        or shadow it (it could set a plain `signon_sid` or `signon_csrf` for the parent domain,
        which the browser also sends: login CSRF). Plain http (local development) cannot use the
        prefix, which needs `Secure`."""
        return f"__Host-{name}" if self.secure_cookies else name

    @property
    def session_cookie(self) -> str:
        """The browser session's cookie (SameSite=Lax)."""
        return self._cookie("signon_sid")

    @property
    def cross_site_session_cookie(self) -> str:
        """Its SameSite=None copy, read only by the GIS/platform.js iframes and FedCM."""
        return self._cookie("signon_sid_x")

    @property
    def csrf_cookie(self) -> str:
        """The random value the forms' CSRF tokens are HMACs of."""
        return self._cookie("signon_csrf")


def env_name(name: str) -> str:
    """`database_url` -> SIGNON_DATABASE_URL (the flag is --database); others SIGNON_<NAME>."""
    return "SIGNON_" + name.upper()


_BOOL_TRUE = {"1", "true", "yes", "on"}
_BOOL_FALSE = {"0", "false", "no", "off", ""}


def _coerce(name: str, raw: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _BOOL_TRUE:
            return True
        if text in _BOOL_FALSE:
            return False
        raise SettingsError(f"{env_name(name)}: expected true or false, got {raw!r}")
    if kind is int:
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise SettingsError(f"{env_name(name)}: expected an integer, got {raw!r}") from None
    return None if raw is None else str(raw)


_KINDS: dict[str, type] = {
    "host": str,
    "port": int,
    "issuer": str,
    "database_url": str,
    "emulator": bool,
    "emulator_public": bool,
    "auto_consent": bool,
    "register_on_first_use": bool,
    "workers": int,
    "forwarded_allow_ips": str,
    "secret_key": str,
    "admin_token": str,
    "jwks_max_age": int,
    "session_idle_seconds": int,
    "refresh_token_idle_seconds": int,
    "refresh_tokens_per_client": int,
    "max_body_bytes": int,
    "demo": bool,
    "access_log": bool,
}


def build_settings(
    flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Flags (None means "not given") win over SIGNON_* variables, which win over defaults."""
    flags = flags or {}
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw: Any = flags.get(f.name)
        if raw is None and env_name(f.name) in environ:
            raw = environ[env_name(f.name)]
        if raw is not None:
            values[f.name] = _coerce(f.name, raw, _KINDS[f.name])
    settings = Settings(**values)
    return check_settings(settings)


def check_settings(s: Settings) -> Settings:
    if not 0 < s.port < 65536:
        raise SettingsError(f"SIGNON_PORT: {s.port} is not a TCP port")
    if s.workers < 1:
        raise SettingsError(f"SIGNON_WORKERS: must be at least 1, got {s.workers}")
    _check_forwarded_allow_ips(s.forwarded_allow_ips)
    if s.jwks_max_age < 60:
        raise SettingsError(
            f"SIGNON_JWKS_MAX_AGE: must be at least 60 seconds, got {s.jwks_max_age}"
        )
    if s.refresh_token_idle_seconds < 3600:
        raise SettingsError(
            "SIGNON_REFRESH_TOKEN_IDLE_SECONDS: must be at least 3600 (an access token's "
            f"lifetime), got {s.refresh_token_idle_seconds}"
        )
    if s.refresh_tokens_per_client < 1:
        raise SettingsError(
            "SIGNON_REFRESH_TOKENS_PER_CLIENT: must be at least 1, "
            f"got {s.refresh_tokens_per_client}"
        )
    issuer = s.issuer or f"http://{_url_host(s.host)}:{s.port}"
    check_issuer(issuer)
    database_url_for_sqlalchemy(s.database_url)
    if issuer.startswith("https://") and not s.secret_key:
        raise SettingsError(
            "SIGNON_SECRET_KEY: required when the issuer is https "
            f"({issuer}), so signing keys are encrypted at rest"
        )
    if s.secret_key is not None and len(s.secret_key) < 16:
        raise SettingsError("SIGNON_SECRET_KEY: must be at least 16 characters")
    if s.admin_token is not None and len(s.admin_token) < 16:
        raise SettingsError(
            "SIGNON_ADMIN_TOKEN: must be at least 16 characters (it is the whole admin API's "
            "password); `signon admin token` prints a strong one"
        )
    if s.auto_consent and not s.emulator:
        # Consent skipped for every app is for test accounts only; a server for people that
        # trusts its own apps marks them one by one (`clients create --auto-consent`).
        raise SettingsError(
            "--auto-consent: skips the consent page for every app, so it needs --emulator; "
            "to skip it for your own first-party apps only, create them with "
            "`signon clients create --auto-consent`"
        )
    if s.emulator and not s.emulator_public and not is_loopback_host(s.host):
        raise SettingsError(
            f"--host: the emulator refuses to listen on {s.host!r}, which is not a loopback "
            "address; pass --emulator-public to allow it"
        )
    return _replace(s, issuer=issuer)


def _check_forwarded_allow_ips(value: str) -> None:
    for item in value.split(","):
        item = item.strip()
        if item == "*":
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise SettingsError(
                f"SIGNON_FORWARDED_ALLOW_IPS: {item!r} is not an IP address or network "
                "(give a comma-separated list, or * to believe any proxy)"
            ) from None


def _replace(s: Settings, **changes: Any) -> Settings:
    values = {f.name: getattr(s, f.name) for f in fields(Settings)}
    values.update(changes)
    return Settings(**values)


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - a listening address, not a URL host
        return "localhost"
    return f"[{host}]" if ":" in host else host


def check_issuer(issuer: str) -> None:
    parts = urlsplit(issuer)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or issuer.endswith("/")
        or parts.query
        or parts.fragment
        or "#" in issuer
        or parts.username
        or parts.password
    ):
        raise SettingsError(
            f"--issuer: {issuer!r} must be an absolute http(s) URL without a trailing slash, "
            "query or fragment, e.g. https://accounts.example.com"
        )
    if parts.path:
        # Every endpoint is served at the root, on Google's paths; an issuer with a path would
        # advertise URLs nothing answers.
        raise SettingsError(
            f"--issuer: {issuer!r} must have no path: signon serves Google's paths at the root "
            "of its own host, e.g. https://accounts.example.com"
        )


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def database_url_for_sqlalchemy(url: str) -> str:
    """Map signon's database URL to a SQLAlchemy URL with the driver we pin."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        if not path:
            raise SettingsError(f"SIGNON_DATABASE_URL: {url!r} names no file")
        if path != ":memory:":
            path = str(Path(path).expanduser())
        return "sqlite:///" + path
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise SettingsError(
        f"SIGNON_DATABASE_URL: {_without_password(url)!r} is neither sqlite:///PATH nor "
        "postgresql://..."
    )


def _without_password(url: str) -> str:
    """The URL with the password of its user info masked (error messages end up in logs)."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url.partition("://")[0] + "://..." if "://" in url else url
    if not password:
        return url
    user = parts.netloc.rpartition("@")[0].partition(":")[0]
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))

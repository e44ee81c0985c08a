"""Settings: flags > SIGNON_* environment > defaults, and every unsafe value refused by name."""

from __future__ import annotations

import dataclasses

import pytest

from signon.settings import (
    Settings,
    SettingsError,
    build_settings,
    database_url_for_sqlalchemy,
    env_name,
)

SECRET = "0123456789abcdef0123456789abcdef"


def refusal(flags: dict[str, object], environ: dict[str, str] | None = None) -> str:
    """The message of the SettingsError that building these settings raises."""
    with pytest.raises(SettingsError) as info:
        build_settings(flags, environ=environ or {})
    return str(info.value)


def test_settings_defaults() -> None:
    s = build_settings({}, environ={})
    assert (s.host, s.port, s.issuer) == ("127.0.0.1", 8080, "http://127.0.0.1:8080")
    assert s.database_url == "sqlite:///signon.db"
    assert (s.emulator, s.workers, s.secret_key, s.jwks_max_age) == (False, 1, None, 3600)


def test_settings_environment_overrides_default() -> None:
    s = build_settings({}, environ={"SIGNON_PORT": "9000", "SIGNON_EMULATOR": "yes"})
    assert (s.port, s.emulator, s.issuer) == (9000, True, "http://127.0.0.1:9000")


def test_settings_flag_overrides_environment() -> None:
    s = build_settings({"port": 9100}, environ={"SIGNON_PORT": "9000"})
    assert s.port == 9100


def test_settings_flag_none_means_not_given() -> None:
    s = build_settings({"port": None, "emulator": None}, environ={"SIGNON_PORT": "9000"})
    assert (s.port, s.emulator) == (9000, False)


def test_settings_database_flag_reads_signon_database_url() -> None:
    assert env_name("database_url") == "SIGNON_DATABASE_URL"
    s = build_settings({}, environ={"SIGNON_DATABASE_URL": "postgresql://u@db/x"})
    assert s.database_url == "postgresql://u@db/x"


def test_settings_multiword_flag_environment_name() -> None:
    assert env_name("emulator_public") == "SIGNON_EMULATOR_PUBLIC"
    s = build_settings({}, environ={"SIGNON_JWKS_MAX_AGE": "120"})
    assert s.jwks_max_age == 120


def test_settings_explicit_issuer_kept() -> None:
    s = build_settings({"issuer": "http://localhost:5556"}, environ={})
    assert s.issuer == "http://localhost:5556"


def test_settings_default_issuer_for_wildcard_host_is_localhost() -> None:
    s = build_settings({"host": "0.0.0.0", "port": 8081}, environ={})  # noqa: S104
    assert s.issuer == "http://localhost:8081"


def test_settings_default_issuer_brackets_ipv6_host() -> None:
    assert build_settings({"host": "::1"}, environ={}).issuer == "http://[::1]:8080"


@pytest.mark.parametrize(
    "issuer",
    [
        "http://localhost:8080/",
        "https://accounts.example.com/",
        "accounts.example.com",
        "/relative",
        "ftp://accounts.example.com",
        "https://",
        "https://accounts.example.com?x=1",
        "https://accounts.example.com#frag",
        "https://user:pw@accounts.example.com",
    ],
)
def test_settings_bad_issuer_names_the_setting_and_value(issuer: str) -> None:
    message = refusal({"issuer": issuer, "secret_key": SECRET})
    assert message.startswith(f"--issuer: {issuer!r} must be an absolute http(s) URL")


def test_settings_issuer_with_a_path_refused() -> None:
    message = refusal({"issuer": "https://example.com/idp", "secret_key": SECRET})
    assert message.startswith("--issuer: 'https://example.com/idp' must have no path")


def test_settings_bad_issuer_from_environment_refused() -> None:
    assert refusal({}, {"SIGNON_ISSUER": "http://x/"}).startswith("--issuer: 'http://x/'")


def test_settings_https_issuer_without_secret_key_refused() -> None:
    message = refusal({"issuer": "https://accounts.example.com"})
    assert message.startswith("SIGNON_SECRET_KEY: required when the issuer is https")


def test_settings_https_issuer_with_secret_key_uses_secure_cookies() -> None:
    s = build_settings({"issuer": "https://accounts.example.com", "secret_key": SECRET}, {})
    assert s.secure_cookies is True


def test_settings_http_issuer_uses_plain_cookies() -> None:
    assert build_settings({}, environ={}).secure_cookies is False


def test_settings_short_secret_key_refused() -> None:
    assert refusal({"secret_key": "short"}) == "SIGNON_SECRET_KEY: must be at least 16 characters"


def test_settings_short_admin_token_refused() -> None:
    assert refusal({"admin_token": "a"}).startswith(
        "SIGNON_ADMIN_TOKEN: must be at least 16 characters"
    )


def test_settings_secret_key_not_in_repr() -> None:
    s = build_settings({"secret_key": SECRET, "admin_token": "admin-token-value"}, environ={})
    assert SECRET not in repr(s)
    assert "admin-token-value" not in repr(s)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])  # noqa: S104
def test_settings_emulator_on_public_host_refused(host: str) -> None:
    message = refusal({"emulator": True, "host": host})
    assert message.startswith(f"--host: the emulator refuses to listen on {host!r}")
    assert message.endswith("pass --emulator-public to allow it")


def test_settings_auto_consent_needs_the_emulator() -> None:
    """Consent skipped for every app outside the emulator would be a server for people where
    any registered app signs anyone in without asking; refused at start, not ignored."""
    message = refusal({"auto_consent": True})
    assert message.startswith("--auto-consent: skips the consent page for every app")
    assert build_settings({"auto_consent": True, "emulator": True}, {}).auto_consent is True


def test_settings_emulator_public_allows_public_host() -> None:
    s = build_settings({"emulator": True, "emulator_public": True, "host": "0.0.0.0"}, {})  # noqa: S104
    assert s.emulator is True


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_settings_emulator_on_loopback_allowed(host: str) -> None:
    assert build_settings({"emulator": True, "host": host}, environ={}).emulator is True


def test_settings_public_host_without_emulator_allowed() -> None:
    assert build_settings({"host": "0.0.0.0"}, environ={}).host == "0.0.0.0"  # noqa: S104


@pytest.mark.parametrize(
    ("variable", "value"),
    [("SIGNON_PORT", "eighty"), ("SIGNON_WORKERS", "2.5"), ("SIGNON_MAX_BODY_BYTES", "1e6")],
)
def test_settings_bad_integer_names_the_variable(variable: str, value: str) -> None:
    assert refusal({}, {variable: value}) == f"{variable}: expected an integer, got {value!r}"


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_settings_bad_boolean_names_the_variable(value: str) -> None:
    message = refusal({}, {"SIGNON_EMULATOR": value})
    assert message == f"SIGNON_EMULATOR: expected true or false, got {value!r}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("TRUE", True), ("on", True), ("0", False), ("no", False), ("", False)],
)
def test_settings_boolean_spellings(value: str, expected: bool) -> None:
    assert build_settings({}, environ={"SIGNON_DEMO": value}).demo is expected


@pytest.mark.parametrize("port", [0, 65536, -1])
def test_settings_port_out_of_range_refused(port: int) -> None:
    assert refusal({"port": port}) == f"SIGNON_PORT: {port} is not a TCP port"


def test_settings_zero_workers_refused() -> None:
    assert refusal({"workers": 0}) == "SIGNON_WORKERS: must be at least 1, got 0"


def test_settings_tiny_jwks_max_age_refused() -> None:
    assert refusal({"jwks_max_age": 59}) == (
        "SIGNON_JWKS_MAX_AGE: must be at least 60 seconds, got 59"
    )


@pytest.mark.parametrize("url", ["mysql://u@h/db", "signon.db", "sqlite:///", "sqlite://x.db"])
def test_settings_unsupported_database_url_refused(url: str) -> None:
    assert refusal({"database_url": url}).startswith(f"SIGNON_DATABASE_URL: {url!r}")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///signon.db", "sqlite:///signon.db"),
        ("sqlite:////var/lib/signon.db", "sqlite:////var/lib/signon.db"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_settings_database_url_mapped_to_pinned_driver(url: str, expected: str) -> None:
    assert database_url_for_sqlalchemy(url) == expected


def test_settings_sqlite_home_path_expanded() -> None:
    mapped = database_url_for_sqlalchemy("sqlite:///~/signon.db")
    assert "~" not in mapped
    assert mapped.endswith("/signon.db")


def test_settings_are_frozen() -> None:
    s = build_settings({}, environ={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.port = 1  # type: ignore[misc]


def test_settings_every_field_has_an_environment_variable() -> None:
    environ = {
        "SIGNON_HOST": "localhost",
        "SIGNON_PORT": "8443",
        "SIGNON_ISSUER": "https://id.example.com",
        "SIGNON_DATABASE_URL": "sqlite:///other.db",
        "SIGNON_EMULATOR": "true",
        "SIGNON_EMULATOR_PUBLIC": "true",
        "SIGNON_AUTO_CONSENT": "true",
        "SIGNON_REGISTER_ON_FIRST_USE": "true",
        "SIGNON_WORKERS": "3",
        "SIGNON_FORWARDED_ALLOW_IPS": "10.0.0.0/8, 192.168.1.1",
        "SIGNON_SECRET_KEY": SECRET,
        "SIGNON_ADMIN_TOKEN": "admin-token-0123456789",
        "SIGNON_JWKS_MAX_AGE": "600",
        "SIGNON_SESSION_IDLE_SECONDS": "100",
        "SIGNON_REFRESH_TOKEN_IDLE_SECONDS": "7200",
        "SIGNON_REFRESH_TOKENS_PER_CLIENT": "5",
        "SIGNON_MAX_BODY_BYTES": "1000",
        "SIGNON_DEMO": "true",
        "SIGNON_ACCESS_LOG": "true",
    }
    assert set(environ) == {env_name(f.name) for f in dataclasses.fields(Settings)}
    s = build_settings({}, environ=environ)
    assert s == Settings(
        host="localhost",
        port=8443,
        issuer="https://id.example.com",
        database_url="sqlite:///other.db",
        emulator=True,
        emulator_public=True,
        auto_consent=True,
        register_on_first_use=True,
        workers=3,
        forwarded_allow_ips="10.0.0.0/8, 192.168.1.1",
        secret_key=SECRET,
        admin_token="admin-token-0123456789",
        jwks_max_age=600,
        session_idle_seconds=100,
        refresh_token_idle_seconds=7200,
        refresh_tokens_per_client=5,
        max_body_bytes=1000,
        demo=True,
        access_log=True,
    )


@pytest.mark.parametrize("value", ["*", "127.0.0.1", "10.0.0.0/8, ::1", "2001:db8::/32,10.1.2.3"])
def test_settings_forwarded_allow_ips_takes_addresses_networks_or_star(value: str) -> None:
    assert build_settings({"forwarded_allow_ips": value}, environ={}).forwarded_allow_ips == value


@pytest.mark.parametrize("value", ["", "proxy.example.com", "10.0.0.1;10.0.0.2", "10.0.0.0/33"])
def test_settings_forwarded_allow_ips_refuses_anything_else(value: str) -> None:
    with pytest.raises(SettingsError, match="SIGNON_FORWARDED_ALLOW_IPS"):
        build_settings({"forwarded_allow_ips": value}, environ={})


def test_settings_unsupported_database_url_is_refused_without_its_password() -> None:
    message = refusal({"database_url": "mysql://root:hunter2secret@db/x"})
    assert message == (
        "SIGNON_DATABASE_URL: 'mysql://root:***@db/x' is neither sqlite:///PATH nor "
        "postgresql://..."
    )

"""The `signon` command: every subcommand, its --json shape, and exit status 2 with one line on
bad input. Run in-process through `signon.cli.main`, plus real subprocesses for the entry point
and `serve`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import signon
from signon.accounts.passwords import PasswordHasher
from signon.cli import _parser, main
from signon.keys.keyring import Keyring
from signon.protocol.clients import check_client_secret
from signon.serve import _banner
from signon.settings import build_settings
from signon.storage import open_store, upgrade
from signon.storage.migrate import current_revision, head_revision
from signon.storage.records import Client, SigningKey, User

SIGNON = str(Path(sys.executable).parent / "signon")
CLIENT_ID = re.compile(r"^\d+-[a-z0-9]{32}\.apps\.googleusercontent\.com$")
CLIENT_SECRET = re.compile(r"^GOCSPX-[A-Za-z0-9_-]{28}$")
SECRET_KEY = "cli test secret key, 32+ chars."


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        assert self.code == 0, self.err
        return json.loads(self.out)

    def assert_refused(self, message: str, code: int = 2) -> None:
        """Refused with one line on stderr, nothing on stdout."""
        assert (self.code, self.out) == (code, "")
        assert self.err.count("\n") == 1 and self.err.endswith("\n"), self.err
        assert self.err.startswith("signon") and "error: " in self.err
        assert message in self.err, self.err


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SIGNON_") and name != "SIGNON_TEST_DATABASE_URL":
            monkeypatch.delenv(name)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/cli.db"


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db: str) -> Callable[..., Run]:
    """Run `signon ARGS --database DB` in-process (pass database=None to leave it out)."""

    def run(*args: str, database: str | None = db) -> Run:
        argv = [*args, "--database", database] if database else list(args)
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's errors exit from inside main()
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def stored(db: str, what: str, *args: Any) -> Any:
    """Read straight from the store the CLI wrote to."""

    async def read() -> Any:
        store = open_store(db)
        try:
            return await getattr(store, what)(*args)
        finally:
            await store.close()

    return asyncio.run(read())


# db ------------------------------------------------------------------------------------------
def test_cli_db_upgrade_migrates_to_head(cli: Callable[..., Run], db: str) -> None:
    assert current_revision(db) is None
    run = cli("db", "upgrade")
    assert (run.code, run.out, run.err) == (0, f"database at revision {head_revision()}\n", "")
    assert current_revision(db) == head_revision()


def test_cli_db_upgrade_twice_is_harmless(cli: Callable[..., Run]) -> None:
    cli("db", "upgrade")
    assert cli("db", "upgrade").out == f"database at revision {head_revision()}\n"


def test_cli_unreachable_database_exits_1(cli: Callable[..., Run]) -> None:
    cli("db", "upgrade", database="postgresql://nobody@127.0.0.1:1/none").assert_refused(
        "cannot reach the database", code=1
    )


def test_cli_unsupported_database_url_exits_2(cli: Callable[..., Run]) -> None:
    cli("users", "list", database="mysql://u@h/db").assert_refused(
        "SIGNON_DATABASE_URL: 'mysql://u@h/db'"
    )


def test_cli_database_from_environment(
    cli: Callable[..., Run], db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGNON_DATABASE_URL", db)
    cli("users", "create", "--email", "ada@example.com", database=None)
    assert [u.email for u in stored(db, "list_users")] == ["ada@example.com"]


def test_cli_database_flag_wins_over_environment(
    cli: Callable[..., Run], db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = f"sqlite:///{tmp_path}/other.db"
    monkeypatch.setenv("SIGNON_DATABASE_URL", other)
    cli("users", "create", "--email", "ada@example.com")
    assert [u.email for u in stored(db, "list_users")] == ["ada@example.com"]
    assert not (tmp_path / "other.db").exists()


# users ---------------------------------------------------------------------------------------
def test_cli_users_create_prints_sub(cli: Callable[..., Run], db: str) -> None:
    run = cli("users", "create", "--email", "Ada@Example.com")
    [user] = stored(db, "list_users")
    assert (run.code, run.out, run.err) == (
        0,
        f"created user ada@example.com (sub {user.sub})\n",
        "",
    )


def test_cli_users_create_json(cli: Callable[..., Run], db: str) -> None:
    body = cli("users", "create", "--email", "ada@example.com", "--password", "pw-123456",
               "--json").json()  # fmt: skip
    assert re.fullmatch(r"[0-9]{21}", body["sub"])
    assert (body["email"], body["email_verified"], body["has_password"]) == (
        "ada@example.com",
        True,
        True,
    )
    assert "password_hash" not in body
    assert "pw-123456" not in json.dumps(body)
    assert len(cli("users", "list").out.splitlines()) == 2  # header and one user


def test_cli_users_create_every_field(cli: Callable[..., Run], db: str) -> None:
    body = cli(
        "users", "create", "--email", "ada@example.com", "--name", "Ada L.",
        "--given-name", "Ada", "--family-name", "Lovelace", "--picture",
        "https://example.com/ada.png", "--locale", "en-GB", "--hd", "example.com",
        "--sub", "123456789012345678901", "--unverified-email", "--json",
    ).json()  # fmt: skip
    expected = {
        "sub": "123456789012345678901",
        "email": "ada@example.com",
        "email_verified": False,
        "name": "Ada L.",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "picture": "https://example.com/ada.png",
        "locale": "en-GB",
        "hd": "example.com",
        "has_password": False,
    }
    assert {k: body[k] for k in expected} == expected
    user: User = stored(db, "find_user", "123456789012345678901")
    assert (user.name, user.hd, user.email_verified) == ("Ada L.", "example.com", False)


def test_cli_users_password_is_hashed_and_verifies(cli: Callable[..., Run], db: str) -> None:
    cli("users", "create", "--email", "ada@example.com", "--password", "correct horse")
    user: User = stored(db, "find_user_by_email", "ada@example.com")
    assert user.password_hash is not None
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PasswordHasher().verify(user.password_hash, "correct horse") is True


def test_cli_users_create_duplicate_email_exits_2(cli: Callable[..., Run]) -> None:
    cli("users", "create", "--email", "ada@example.com")
    cli("users", "create", "--email", "ADA@example.com").assert_refused(
        "a user with email ada@example.com already exists"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "not-an-email"], "'not-an-email' is not an email address"),
        (["--email", "a@example.com", "--sub", "42"], "sub '42' must be 21 digits"),
        (["--email", "a@example.com", "--password", "short"], "at least 8 characters"),
        (["--email", "a@example.com", "--hd", "nodot"], "hd 'nodot' is not a domain name"),
        (["--email", "a@example.com", "--picture", "ftp://x/y"], "must be an http(s) URL"),
        (["--email", "a@example.com", "--name", "Ada\x00"], "contains a NUL character"),
        (["--email", "a@example.com", "--locale", "english"], "is not a language tag"),
        ([], "the following arguments are required: --email"),
    ],
)
def test_cli_users_create_bad_input_exits_2(
    cli: Callable[..., Run], db: str, args: list[str], message: str
) -> None:
    cli("users", "create", *args).assert_refused(message)


def test_cli_users_list_json(cli: Callable[..., Run]) -> None:
    cli("db", "upgrade")
    assert cli("users", "list", "--json").json() == []
    cli("users", "create", "--email", "ada@example.com")
    cli("users", "create", "--email", "bob@example.com")
    users = cli("users", "list", "--json").json()
    assert [u["email"] for u in users] == ["ada@example.com", "bob@example.com"]
    assert all(re.fullmatch(r"[0-9]{21}", u["sub"]) for u in users)


def test_cli_users_list_text(cli: Callable[..., Run]) -> None:
    cli("db", "upgrade")
    assert cli("users", "list").out == "no users\n"
    sub = cli("users", "create", "--email", "ada@example.com", "--json").json()["sub"]
    lines = cli("users", "list").out.splitlines()
    assert lines[0].split() == ["SUB", "EMAIL", "NAME", "ADMIN"]
    assert lines[1].split() == [sub, "ada@example.com"]


def test_cli_users_delete_by_email(cli: Callable[..., Run], db: str) -> None:
    cli("users", "create", "--email", "ada@example.com")
    run = cli("users", "delete", "ada@example.com")
    assert (run.code, run.out) == (0, "deleted user ada@example.com\n")
    assert stored(db, "list_users") == []


def test_cli_users_delete_by_sub(cli: Callable[..., Run], db: str) -> None:
    sub = cli("users", "create", "--email", "ada@example.com", "--json").json()["sub"]
    assert cli("users", "delete", sub).code == 0
    assert stored(db, "list_users") == []


def test_cli_users_delete_unknown_exits_2(cli: Callable[..., Run]) -> None:
    cli("db", "upgrade")
    cli("users", "delete", "nobody@example.com").assert_refused("no user nobody@example.com")


# clients -------------------------------------------------------------------------------------
def create_client(cli: Callable[..., Run], *args: str) -> dict[str, Any]:
    body: dict[str, Any] = cli("clients", "create", "--name", "App", *args, "--json").json()
    return body


def test_cli_clients_create_web_json(cli: Callable[..., Run], db: str) -> None:
    body = create_client(
        cli,
        "--origin", "https://app.example.com", "--origin", "http://localhost:5000",
        "--redirect-uri", "https://app.example.com/oauth2/callback",
    )  # fmt: skip
    assert CLIENT_ID.match(body["client_id"])
    assert CLIENT_SECRET.match(body["client_secret"])
    assert (body["type"], body["project"], body["name"]) == ("web", "default", "App")
    assert body["origins"] == ["https://app.example.com", "http://localhost:5000"]
    assert body["redirect_uris"] == ["https://app.example.com/oauth2/callback"]
    client: Client = stored(db, "find_client", body["client_id"])
    assert client.secret_hash is not None
    assert body["client_secret"] not in client.secret_hash
    assert check_client_secret(client, body["client_secret"]) is True


def test_cli_clients_of_a_project_share_its_number(cli: Callable[..., Run]) -> None:
    a = create_client(cli, "--project", "shop")
    b = create_client(cli, "--project", "shop", "--type", "ios")
    c = create_client(cli, "--project", "blog")
    number = a["client_id"].split("-")[0]
    assert b["client_id"].split("-")[0] == number
    assert c["client_id"].split("-")[0] != number
    assert (a["project"], b["project"], c["project"]) == ("shop", "shop", "blog")


def test_cli_clients_create_text_shows_secret_once(cli: Callable[..., Run]) -> None:
    run = cli("clients", "create", "--name", "App")
    lines = run.out.splitlines()
    assert lines[0] == "created web client 'App' in project default"
    assert CLIENT_ID.match(lines[1].removeprefix("client_id:").strip())
    assert CLIENT_SECRET.match(lines[2].removeprefix("client_secret:").split()[0])


@pytest.mark.parametrize("kind", ["ios", "android"])
def test_cli_native_mobile_client_has_no_secret(
    cli: Callable[..., Run], db: str, kind: str
) -> None:
    body = create_client(cli, "--type", kind)
    assert "client_secret" not in body
    assert (body["type"], body["redirect_uris"], body["origins"]) == (kind, [], [])
    client: Client = stored(db, "find_client", body["client_id"])
    assert client.is_public is True


def test_cli_desktop_client_has_a_secret(cli: Callable[..., Run]) -> None:
    body = create_client(cli, "--type", "desktop", "--redirect-uri", "http://127.0.0.1:8765/")
    assert body["type"] == "desktop"
    assert CLIENT_SECRET.match(body["client_secret"])


def test_cli_clients_import_existing_credentials(cli: Callable[..., Run], db: str) -> None:
    client_id = "1234567890-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com"
    secret = "GOCSPX-imported_secret-abcdefghijk"
    body = create_client(cli, "--client-id", client_id, "--client-secret", secret)
    assert (body["client_id"], body["client_secret"]) == (client_id, secret)
    client: Client = stored(db, "find_client", client_id)
    assert check_client_secret(client, secret) is True
    assert check_client_secret(client, secret + "x") is False


def test_cli_clients_import_duplicate_id_exits_2(cli: Callable[..., Run]) -> None:
    create_client(cli, "--client-id", "my-client")
    cli("clients", "create", "--name", "Again", "--client-id", "my-client").assert_refused(
        "a client with ID my-client already exists"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--origin", "http://example.com"], "must use https"),
        (["--redirect-uri", "http://example.com/cb"], "must use https"),
        (["--origin", "https://*.example.com"], "wildcards are not allowed"),
        (["--redirect-uri", "https://*.example.com/cb"], "wildcards are not allowed"),
        (["--origin", "https://example.com/app"], "cannot contain a path"),
        (["--origin", "https://example.com/"], "cannot contain a path or end with '/'"),
        (["--redirect-uri", "https://example.com/cb#done"], "cannot contain a fragment"),
        (["--redirect-uri", "/callback"], "must be an absolute http(s) URL"),
        (["--origin", "ftp://example.com"], "must be an absolute http(s) URL"),
        (["--redirect-uri", "https://user:pw@example.com/cb"], "user name or password"),
        (["--origin", "https://example.com:99999"], "the port is not a number"),
        (["--origin", "https://exa;mple.com"], "'exa;mple.com' is not a host name or IP address"),
        (["--origin", "https://a<b.com"], "is not a host name or IP address"),
        (["--origin", "https://exa'mple.com"], "is not a host name or IP address"),
        (["--type", "ios", "--redirect-uri", "https://example.com/cb"], "need no redirect URI"),
        (["--type", "android", "--client-secret", "GOCSPX-x"], "they have no secret"),
        (["--type", "desktop", "--origin", "https://example.com"], "only web clients"),
        (["--project", "My Project"], "project 'My Project'"),
        (["--client-id", "has space"], "use letters, digits, '.', '_', '~' and '-'"),
        (["--type", "tv"], "invalid choice: 'tv'"),
    ],
)
def test_cli_clients_create_bad_input_exits_2(
    cli: Callable[..., Run], db: str, args: list[str], message: str
) -> None:
    cli("clients", "create", "--name", "App", *args).assert_refused(message)
    if Path(db.removeprefix("sqlite:///")).exists():  # argparse errors stop before the database
        assert stored(db, "list_clients") == []


def test_cli_clients_list_json_and_project_filter(cli: Callable[..., Run]) -> None:
    cli("db", "upgrade")
    assert cli("clients", "list", "--json").json() == []
    a = create_client(cli)
    b = create_client(cli, "--project", "other", "--type", "ios")
    listed = cli("clients", "list", "--json").json()
    assert {c["client_id"] for c in listed} == {a["client_id"], b["client_id"]}
    assert all("client_secret" not in c for c in listed)  # shown once, at creation
    other = cli("clients", "list", "--project", "other", "--json").json()
    assert [c["client_id"] for c in other] == [b["client_id"]]


def test_cli_clients_list_text(cli: Callable[..., Run]) -> None:
    cli("db", "upgrade")
    assert cli("clients", "list").out == "no clients\n"
    a = create_client(cli)
    lines = cli("clients", "list").out.splitlines()
    assert lines[0].split() == ["CLIENT", "ID", "TYPE", "PROJECT", "NAME"]
    assert lines[1].split() == [a["client_id"], "web", "default", "App"]


def test_cli_clients_delete(cli: Callable[..., Run], db: str) -> None:
    a = create_client(cli)
    run = cli("clients", "delete", a["client_id"])
    assert (run.code, run.out) == (0, f"deleted client {a['client_id']}\n")
    assert stored(db, "list_clients") == []


def test_cli_clients_delete_unknown_exits_2(cli: Callable[..., Run]) -> None:
    cli("db", "upgrade")
    cli("clients", "delete", "nope.apps.googleusercontent.com").assert_refused(
        "unknown client nope.apps.googleusercontent.com"
    )


# keys ----------------------------------------------------------------------------------------
def first_key(db: str, secret_key: str | None = None) -> None:
    """What `signon serve` does on an empty database: create the first signing key."""

    async def create() -> None:
        upgrade(db)
        store = open_store(db)
        try:
            await Keyring(store, clock=time.time, secret_key=secret_key, jwks_max_age=3600).load()
        finally:
            await store.close()

    asyncio.run(create())


def test_cli_keys_list_only_reads(cli: Callable[..., Run], db: str) -> None:
    """A read-only command creates nothing (it would create the key with whatever secret the
    shell has, perhaps none, for a server that has one)."""
    cli("db", "upgrade")
    assert cli("keys", "list", "--json").json() == []
    assert cli("keys", "list").out.startswith("no signing keys yet")
    assert stored(db, "list_signing_keys") == []
    first_key(db)
    [key] = cli("keys", "list", "--json").json()
    assert re.fullmatch(r"[0-9a-f]{40}", key["kid"])
    assert key["state"] == "active"
    assert key["publish_until"] is None
    assert abs(key["activates_at"] - time.time()) < 60


def test_cli_keys_rotate_adds_a_pending_key(cli: Callable[..., Run], db: str) -> None:
    first_key(db)
    [first] = cli("keys", "list", "--json").json()
    new = cli("keys", "rotate", "--json").json()
    assert set(new) == {"kid", "activates_at"}
    assert abs(new["activates_at"] - (time.time() + 3600)) < 60
    listed = cli("keys", "list", "--json").json()
    assert [(k["kid"], k["state"]) for k in listed] == [
        (first["kid"], "active"),
        (new["kid"], "pending"),
    ]
    assert listed[0]["publish_until"] > new["activates_at"]
    assert listed[1]["publish_until"] is None


def test_cli_keys_text_output(cli: Callable[..., Run]) -> None:
    rotated = cli("keys", "rotate")
    assert rotated.out.startswith("added key ")
    assert "published now, signs from " in rotated.out
    lines = cli("keys", "list").out.splitlines()
    assert lines[0].split()[:2] == ["KID", "STATE"]
    assert [line.split()[1] for line in lines[1:]] == ["active", "pending"]


def test_cli_keys_encrypted_with_secret_key_from_environment(
    cli: Callable[..., Run], db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGNON_SECRET_KEY", SECRET_KEY)
    cli("keys", "rotate")
    keys: list[SigningKey] = stored(db, "list_signing_keys")
    assert len(keys) == 2
    assert all(k.private_key.startswith("v1:") for k in keys)


def test_cli_keys_without_their_secret_key_exit_2(
    cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGNON_SECRET_KEY", SECRET_KEY)
    cli("keys", "rotate")
    monkeypatch.delenv("SIGNON_SECRET_KEY")
    cli("keys", "list").assert_refused("set SIGNON_SECRET_KEY to open it")


# serve ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--issuer", "http://localhost:8080/"], "--issuer: 'http://localhost:8080/'"),
        (["--issuer", "https://id.example.com"], "SIGNON_SECRET_KEY: required"),
        (["--emulator", "--host", "0.0.0.0"], "--host: the emulator refuses"),  # noqa: S104
        (["--port", "http"], "argument --port: invalid int value: 'http'"),
        (["--forwarded-allow-ips", "10.0.0.1,proxy"], "'proxy' is not an IP address or network"),
    ],
)
def test_cli_serve_bad_settings_exit_2(
    cli: Callable[..., Run], args: list[str], message: str
) -> None:
    cli("serve", *args).assert_refused(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def demo_server(db: str) -> Iterator[tuple[str, list[str]]]:
    """`signon serve --demo` in a real process: its base URL and the banner it printed."""
    with running_demo(db) as server:
        yield server


@contextlib.contextmanager
def running_demo(db: str, *args: str) -> Iterator[tuple[str, list[str]]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNON_")}
    process = subprocess.Popen(
        [SIGNON, "serve", "--demo", "--port", str(port), "--database", db, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**env, "PYTHONUNBUFFERED": "1"},
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert process.stdout is not None
        banner: list[str] = []
        while not banner or "sign in at" not in banner[-1]:  # the banner's last line
            line = process.stdout.readline()
            assert line, f"signon serve exited: {banner}"
            banner.append(line)
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "signon serve exited"
            assert time.monotonic() < deadline, "signon serve did not answer"
            try:
                httpx.get(f"{base}/.well-known/openid-configuration", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base, banner
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_cli_serve_demo_serves_discovery_and_certs(demo_server: tuple[str, list[str]]) -> None:
    base, _ = demo_server
    doc = httpx.get(f"{base}/.well-known/openid-configuration").json()
    assert doc["issuer"] == base
    jwks = httpx.get(doc["jwks_uri"]).json()
    pems = httpx.get(f"{base}/oauth2/v1/certs").json()
    assert [k["kid"] for k in jwks["keys"]] == list(pems)


def test_cli_serve_demo_prints_credentials_that_sign_in(
    demo_server: tuple[str, list[str]],
) -> None:
    base, banner = demo_server
    text = "".join(banner)
    assert f"signon on {base}" in text
    user = re.search(r"demo user\s+(\S+) / (\S+)", text)
    assert user is not None
    assert CLIENT_ID.match(re.search(r"client_id\s+(\S+)", text)[1])  # type: ignore[index]
    assert f"sign in at      {base}/signin" in text
    with httpx.Client(base_url=base) as browser:
        page = browser.get("/signin")
        marker = 'name="csrf_token" value="'
        token = page.text.split(marker)[1].split('"')[0]
        response = browser.post(
            "/signin",
            data={"email": user[1], "password": user[2], "csrf_token": token, "continue": "/"},
        )
        assert response.status_code == 303
        assert "signon_sid" in response.cookies
        assert user[1] in browser.get("/").text


@pytest.mark.parametrize("workers", ["1", "2"])
def test_cli_serve_believes_x_forwarded_for_from_the_proxy(db: str, workers: str) -> None:
    """Behind a reverse proxy on 127.0.0.1 (the default --forwarded-allow-ips), the sign-in
    throttle counts per person, not per proxy: ten wrong passwords from one forwarded address
    do not lock the account for another. (With --workers 2 the header used to be ignored.)"""
    with running_demo(db, "--workers", workers) as (base, banner):
        user = re.search(r"demo user\s+(\S+) / (\S+)", "".join(banner))
        assert user is not None

        def sign_in(password: str, address: str) -> int:
            with httpx.Client(base_url=base, headers={"X-Forwarded-For": address}) as browser:
                page = browser.get("/signin")
                token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
                form = {"email": user[1], "password": password, "csrf_token": token}
                return browser.post("/signin", data=form).status_code

        assert [sign_in("wrong", "203.0.113.9") for _ in range(10)] == [401] * 10
        assert sign_in(user[2], "203.0.113.9") == 429
        assert sign_in(user[2], "198.51.100.7") == 303


# help and the entry point --------------------------------------------------------------------
def subcommands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> Iterator[
    tuple[str, ...]
]:  # fmt: skip
    yield prefix
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from subcommands(child, (*prefix, name))


ALL_COMMANDS = list(subcommands(_parser()))


def test_cli_has_every_documented_command() -> None:
    documented = {
        ("serve",), ("db", "upgrade"), ("users", "create"), ("users", "list"),
        ("users", "delete"), ("clients", "create"), ("clients", "list"), ("clients", "delete"),
        ("keys", "rotate"), ("keys", "list"),
    }  # fmt: skip
    assert documented <= set(ALL_COMMANDS)


@pytest.mark.parametrize("command", ALL_COMMANDS, ids=lambda c: " ".join(c) or "signon")
def test_cli_help_exits_0(capsys: pytest.CaptureFixture[str], command: tuple[str, ...]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: signon {' '.join(command)}".rstrip())


def test_cli_every_data_command_takes_database(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ALL_COMMANDS:
        if len(command) == 2 or command == ("serve",):
            with pytest.raises(SystemExit):
                main([*command, "--help"])
            assert "--database URL" in capsys.readouterr().out, command


def test_cli_entry_point_help() -> None:
    done = subprocess.run([SIGNON, "--help"], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("usage: signon ")


def test_cli_entry_point_bad_input_exits_2(db: str) -> None:
    done = subprocess.run(
        [SIGNON, "users", "create", "--email", "bad", "--database", db],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "signon: error: 'bad' is not an email address\n"


def test_cli_missing_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("signon: error: ")


# a database signon cannot use: one line, no traceback ----------------------------------------
@pytest.mark.parametrize("command", [["db", "upgrade"], ["users", "create", "--email", "a@b.co"]])
def test_cli_file_that_is_not_a_database_exits_2(
    cli: Callable[..., Run], tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "notes.db").write_text("not a database\n")
    cli(*command, database=f"sqlite:///{tmp_path}/notes.db").assert_refused(
        f"cannot use {tmp_path}/notes.db: file is not a database"
    )


def test_cli_database_of_a_newer_signon_exits_2(cli: Callable[..., Run], db: str) -> None:
    upgrade(db)
    with contextlib.closing(sqlite3.connect(db.removeprefix("sqlite:///"))) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    for command in (["db", "upgrade"], ["users", "list"], ["serve"]):
        cli(*command).assert_refused(
            f"schema revision '0099', which signon {signon.__version__} does not know: it was made"
            " by a newer signon (upgrade signon) or is not a signon database"
        )


def test_cli_sqlite_path_under_a_regular_file_exits_2(
    cli: Callable[..., Run], tmp_path: Path
) -> None:
    (tmp_path / "afile").write_text("")
    run = cli("users", "create", "--email", "a@b.co", database=f"sqlite:///{tmp_path}/afile/x.db")
    run.assert_refused(f"cannot create the database {tmp_path}/afile/x.db: {tmp_path}/afile is not")


# arguments that are not valid text -----------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["users", "create", "--email", "a@b.co", "--name", "Ad\udcff"], "--name"),
        (["users", "create", "--email", "a@b.co", "--password", "hunter\udcff22"], "--password"),
        (["users", "delete", "\udcfe@example.com"], "user"),
        (["clients", "create", "--name", "App", "--origin", "https://\udcff.example"], "--origin"),
        (["serve", "--issuer", "http://\udcff"], "--issuer"),
    ],
)
def test_cli_argument_not_valid_utf8_exits_2(
    cli: Callable[..., Run], db: str, args: list[str], name: str
) -> None:
    """Bytes that are not UTF-8 reach sys.argv as lone surrogates (surrogateescape)."""
    run = cli(*args)
    run.assert_refused(f"signon: error: argument {name}: not valid utf-8 text")
    assert "hunter" not in run.err  # a password is named by its option, never echoed
    assert not Path(db.removeprefix("sqlite:///")).exists()


def test_cli_entry_point_database_not_valid_utf8_exits_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [SIGNON, "users", "list", "--database", f"sqlite:///{tmp_path}/\xff.db".encode("latin-1")],
        capture_output=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (2, b"")
    assert done.stderr == b"signon: error: argument --database: not valid utf-8 text\n"
    assert list(tmp_path.iterdir()) == []


# commands that need an existing database ------------------------------------------------------
@pytest.mark.parametrize(
    "command",
    [
        ["users", "list"],
        ["users", "delete", "ada@example.com"],
        ["clients", "list", "--json"],
        ["clients", "delete", "my-client"],
        ["keys", "list"],
    ],
)
def test_cli_reading_a_missing_sqlite_database_exits_2_and_creates_nothing(
    cli: Callable[..., Run], tmp_path: Path, command: list[str]
) -> None:
    """A mistyped --database used to create the folders and an empty database, and print
    `no users`."""
    cli(*command, database=f"sqlite:///{tmp_path}/typo/signon.db").assert_refused(
        f"no database at {tmp_path}/typo/signon.db: check --database (or SIGNON_DATABASE_URL)"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "command",
    [
        ["db", "upgrade"],
        ["users", "create", "--email", "ada@example.com"],
        ["clients", "create", "--name", "App"],
        ["keys", "rotate"],
        ["admin", "token"],
    ],
)
def test_cli_creating_commands_still_create_the_sqlite_database(
    cli: Callable[..., Run], tmp_path: Path, command: list[str]
) -> None:
    db = f"sqlite:///{tmp_path}/new/signon.db"
    assert cli(*command, database=db).code == 0
    assert current_revision(db) == head_revision()
    assert cli("users", "list", "--json", database=db).code == 0


# a port in use -------------------------------------------------------------------------------
@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def run_entry_point(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNON_")}
    return subprocess.run(
        [SIGNON, *args], capture_output=True, text=True, timeout=60, env=env, check=False
    )


@pytest.mark.parametrize("workers", ["1", "2"])
def test_cli_serve_on_a_port_in_use_exits_1_with_one_line(
    db: str, busy_port: int, workers: str
) -> None:
    """uvicorn used to log the bind error after the banner and exit with status 3."""
    done = run_entry_point(
        "serve", "--port", str(busy_port), "--workers", workers, "--database", db
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"signon: error: port {busy_port} on 127.0.0.1 is in use (choose another with --port)\n"
    )


def test_cli_demo_on_a_port_in_use_exits_1_with_one_line(busy_port: int) -> None:
    """The demo used to end in a traceback and `SystemExit: 3`."""
    done = run_entry_point("demo", "--port", str(busy_port), "--examples-port", str(free_port()))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"signon: error: port {busy_port} on 127.0.0.1 is in use (choose another with --port)\n"
    )


def test_cli_demo_with_an_example_port_in_use_exits_1_with_one_line(busy_port: int) -> None:
    done = run_entry_point(
        "demo", "--port", str(free_port()), "--examples-port", str(busy_port - 2)
    )
    assert (done.returncode, done.stdout) == (1, "")
    # busy_port is the last of the four; another program may hold one of the others too
    in_use = r"signon: error: port \d+ on 127\.0\.0\.1 is in use"
    assert re.fullmatch(in_use + r" \(choose another with --examples-port\)\n", done.stderr)


# the banner ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://postgres:S3cret@db.example.com:5432/signon",
            "postgresql://postgres:***@db.example.com:5432/signon",
        ),
        (
            "postgres://u:p%40ss@[::1]/signon?sslmode=require",
            "postgres://u:***@[::1]/signon?sslmode=require",
        ),
        ("postgresql://postgres@127.0.0.1/signon", "postgresql://postgres@127.0.0.1/signon"),
        ("sqlite:////tmp/a b/signon.db", "sqlite:////tmp/a b/signon.db"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
    ],
)
def test_cli_serve_banner_masks_the_database_password(url: str, shown: str) -> None:
    settings = build_settings({"database_url": url}, environ={})
    [line] = [line for line in _banner(settings).splitlines() if "database" in line]
    assert line == f"  database  {shown}"
    assert "S3cret" not in _banner(settings)

"""The `signon` command: serve, db, users, clients, keys, admin.

Every command takes --database like `serve`; bad input exits with status 2 and one line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict
from typing import Any, NoReturn

from signon.accounts.passwords import PasswordHasher
from signon.accounts.users import AccountError, create_user
from signon.keys.keyring import Keyring
from signon.keys.material import KeyDecryptionError
from signon.protocol.clients import CLIENT_TYPES, ClientError, create_client
from signon.settings import (
    Settings,
    SettingsError,
    build_settings,
    database_url_for_sqlalchemy,
    env_name,
)
from signon.storage import SqlStore, open_store, upgrade
from signon.storage.migrate import UnusableDatabase
from signon.storage.records import Client, User
from signon.storage.store import StoreUnavailable

__all__ = ["main"]


class UsageError(Exception):
    """Bad input on the command line: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--database",
        dest="database_url",
        metavar="URL",
        help="sqlite:///PATH (default ./signon.db) or postgresql://... [SIGNON_DATABASE_URL]",
    )


def _parser() -> argparse.ArgumentParser:
    root = _Parser(prog="signon", description="A self-hosted implementation of Google Sign-In.")
    sub = root.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = sub.add_parser("serve", help="run the identity provider")
    _common(serve)
    serve.add_argument("--host", help="listen address (default 127.0.0.1) [SIGNON_HOST]")
    serve.add_argument("--port", type=int, help="listen port (default 8080) [SIGNON_PORT]")
    serve.add_argument("--issuer", help="issuer URL (default http://HOST:PORT) [SIGNON_ISSUER]")
    serve.add_argument("--workers", type=int, help="worker processes [SIGNON_WORKERS]")
    serve.add_argument(
        "--forwarded-allow-ips",
        metavar="IPS",
        help="reverse proxies whose X-Forwarded-For is believed (default 127.0.0.1) "
        "[SIGNON_FORWARDED_ALLOW_IPS]",
    )
    for flag, text in (
        ("--emulator", "emulator mode: test accounts, no passwords"),
        ("--emulator-public", "allow the emulator on a non-loopback address"),
        ("--auto-consent", "emulator: skip the consent page"),
        ("--register-on-first-use", "emulator: register unknown client IDs on first use"),
        ("--demo", "seed a demo client and user and print their credentials"),
        ("--access-log", "log every request"),
    ):
        serve.add_argument(
            flag,
            action="store_const",
            const=True,
            help=f"{text} [{env_name(flag[2:].replace('-', '_'))}]",
        )

    demo = sub.add_parser("demo", help="the emulator and the example apps, on a throwaway database")
    demo.add_argument("--port", type=int, default=8080, help="signon's port (default 8080)")
    demo.add_argument(
        "--examples-port", type=int, default=8001, help="the first example's port (default 8001)"
    )

    db = sub.add_parser("db", help="database schema").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    _common(db.add_parser("upgrade", help="apply schema migrations"))

    users = sub.add_parser("users", help="accounts").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    uc = users.add_parser("create", help="create a user")
    _common(uc)
    uc.add_argument("--email", required=True)
    uc.add_argument("--password", help="omit for an account that signs in only in emulator mode")
    for name in ("name", "given-name", "family-name", "picture", "locale", "hd", "sub"):
        uc.add_argument(f"--{name}")
    uc.add_argument("--unverified-email", action="store_true", help="email_verified = false")
    uc.add_argument("--admin", action="store_true", help="may use the developer console")
    uc.add_argument("--json", action="store_true")
    ul = users.add_parser("list", help="list users")
    _common(ul)
    ul.add_argument("--json", action="store_true")
    ud = users.add_parser("delete", help="delete a user and revoke their tokens")
    _common(ud)
    ud.add_argument("user", help="email or sub")

    clients = sub.add_parser("clients", help="OAuth clients").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    cc = clients.add_parser("create", help="create an OAuth client")
    _common(cc)
    cc.add_argument("--name", required=True)
    cc.add_argument("--type", choices=CLIENT_TYPES, default="web")
    cc.add_argument("--project", default="default")
    cc.add_argument(
        "--origin", action="append", default=[], help="Authorized JavaScript origin (repeatable)"
    )
    cc.add_argument(
        "--redirect-uri", action="append", default=[], help="Authorized redirect URI (repeatable)"
    )
    cc.add_argument("--client-id", help="import an existing client ID")
    cc.add_argument("--client-secret", help="import an existing client secret")
    cc.add_argument("--auto-consent", action="store_true", help="emulator: skip consent for it")
    cc.add_argument("--json", action="store_true")
    cl = clients.add_parser("list", help="list clients")
    _common(cl)
    cl.add_argument("--project")
    cl.add_argument("--json", action="store_true")
    cd = clients.add_parser("delete", help="delete a client and revoke its tokens")
    _common(cd)
    cd.add_argument("client_id")

    keys = sub.add_parser("keys", help="signing keys").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    kr = keys.add_parser(
        "rotate", help="add a key that starts signing after the JWKS cache lifetime"
    )
    _common(kr)
    kr.add_argument("--json", action="store_true")
    kl = keys.add_parser("list", help="list keys with their state and dates")
    _common(kl)
    kl.add_argument("--json", action="store_true")

    admin = sub.add_parser("admin", help="the admin API").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    _common(
        admin.add_parser(
            "token", help="print a new bearer token for /admin/api/ (replaces the previous one)"
        )
    )
    return root


# output ------------------------------------------------------------------------------------
def user_json(u: User) -> dict[str, Any]:
    d = asdict(u)
    d.pop("password_hash")
    d["has_password"] = u.password_hash is not None
    return d


def client_json(c: Client, secret: str | None = None) -> dict[str, Any]:
    d = asdict(c)
    d.pop("secret_hash")
    d["origins"], d["redirect_uris"] = list(c.origins), list(c.redirect_uris)
    if secret is not None:
        d["client_secret"] = secret
    return d


def _print_table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


def _when(ts: int | None) -> str:
    return "-" if ts is None else time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(ts))


# commands ----------------------------------------------------------------------------------
# Commands that only read, or delete what must already be there: a mistyped SQLite path is an
# error for them, not a new empty database (and its folders). The others create one as needed.
_NEED_EXISTING_DATABASE = {
    ("users", "list"),
    ("users", "delete"),
    ("clients", "list"),
    ("clients", "delete"),
    ("keys", "list"),
}


def _require_existing_database(database_url: str) -> None:
    url = database_url_for_sqlalchemy(database_url)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = url[len("sqlite:///") :]
        if not os.path.exists(path):
            raise UsageError(
                f"no database at {path}: check --database (or SIGNON_DATABASE_URL); "
                "`signon db upgrade` creates one"
            )


async def _with_store(settings: Settings, fn: Callable[[SqlStore], Awaitable[int]]) -> int:
    upgrade(settings.database_url)
    store = open_store(settings.database_url)
    try:
        return await fn(store)
    finally:
        await store.close()


async def _users(args: argparse.Namespace, store: SqlStore) -> int:
    now = int(time.time())
    if args.action == "create":
        user = await create_user(
            store,
            PasswordHasher(),
            password=args.password,
            email=args.email,
            sub=args.sub,
            name=args.name,
            given_name=args.given_name,
            family_name=args.family_name,
            picture=args.picture,
            locale=args.locale,
            hd=args.hd,
            email_verified=not args.unverified_email,
            is_admin=args.admin,
            now=now,
        )
        print(
            json.dumps(user_json(user))
            if args.json
            else f"created user {user.email} (sub {user.sub})"
        )
    elif args.action == "list":
        users = await store.list_users()
        if args.json:
            print(json.dumps([user_json(u) for u in users]))
        elif users:
            _print_table(
                [("SUB", "EMAIL", "NAME", "ADMIN")]
                + [(u.sub, u.email, u.name or "", "yes" if u.is_admin else "") for u in users]
            )
        else:
            print("no users")
    elif args.action == "delete":
        found = await (
            store.find_user_by_email(args.user) if "@" in args.user else store.find_user(args.user)
        )
        if found is None:
            raise UsageError(f"no user {args.user}")
        await store.delete_user(found.sub)
        print(f"deleted user {found.email}")
    return 0


async def _clients(args: argparse.Namespace, store: SqlStore) -> int:
    if args.action == "create":
        new = await create_client(
            store,
            name=args.name,
            type=args.type,
            project=args.project,
            origins=args.origin,
            redirect_uris=args.redirect_uri,
            client_id=args.client_id,
            client_secret=args.client_secret,
            auto_consent=args.auto_consent,
            now=int(time.time()),
        )
        if args.json:
            print(json.dumps(client_json(new.client, new.secret)))
        else:
            print(
                f"created {new.client.type} client {new.client.name!r}"
                f" in project {new.client.project}"
            )
            print(f"client_id:     {new.client.client_id}")
            if new.secret:
                print(f"client_secret: {new.secret}   (shown once; only its hash is stored)")
    elif args.action == "list":
        clients = await store.list_clients(args.project)
        if args.json:
            print(json.dumps([client_json(c) for c in clients]))
        elif clients:
            _print_table(
                [("CLIENT ID", "TYPE", "PROJECT", "NAME")]
                + [(c.client_id, c.type, c.project, c.name) for c in clients]
            )
        else:
            print("no clients")
    elif args.action == "delete":
        if not await store.delete_client(args.client_id):
            raise UsageError(f"unknown client {args.client_id}")
        print(f"deleted client {args.client_id}")
    return 0


async def _keys(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    keyring = Keyring(
        store, clock=time.time, secret_key=settings.secret_key, jwks_max_age=settings.jwks_max_age
    )
    await keyring.load(create=args.action == "rotate")  # `keys list` only reads
    if args.action == "rotate":
        new = await keyring.rotate()
        if args.json:
            print(json.dumps({"kid": new.kid, "activates_at": new.activates_at}))
        else:
            print(f"added key {new.kid}: published now, signs from {_when(new.activates_at)}")
        return 0
    now = int(time.time())
    keys = keyring.keys()
    rows = [
        {
            "kid": k.kid,
            "state": Keyring.state(k, keys, now),
            "created_at": k.created_at,
            "activates_at": k.activates_at,
            "publish_until": k.publish_until,
        }
        for k in keys
    ]
    if args.json:
        print(json.dumps(rows))
    elif not keys:
        print("no signing keys yet: `signon serve` creates the first one when it starts")
    else:
        _print_table(
            [("KID", "STATE", "CREATED", "SIGNS FROM", "PUBLISHED UNTIL")]
            + [
                (
                    k.kid,
                    Keyring.state(k, keys, now),
                    _when(k.created_at),
                    _when(k.activates_at),
                    _when(k.publish_until),
                )
                for k in keys
            ]
        )
    return 0


async def _admin(args: argparse.Namespace, store: SqlStore) -> int:
    from signon.admin.tokens import issue_admin_token

    print(await issue_admin_token(store))
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from signon.serve import CannotListen, serve

    try:
        return serve(settings)
    except CannotListen as exc:  # like a database that cannot be reached: status 1
        _fail(exc)
        return 1


def _demo(args: argparse.Namespace) -> int:
    from signon.demo_runner import run_demo
    from signon.serve import CannotListen, check_port

    try:
        check_port("127.0.0.1", args.port)
        for offset in range(4):  # the four example apps, on consecutive ports
            check_port("127.0.0.1", args.examples_port + offset, "--examples-port")
    except CannotListen as exc:
        _fail(exc)
        return 1
    return run_demo(port=args.port, first_example_port=args.examples_port)


def _settings(args: argparse.Namespace) -> Settings:
    flags = {k: v for k, v in vars(args).items() if k not in ("command", "action")}
    known = {f for f in Settings.__dataclass_fields__}
    return build_settings({k: v for k, v in flags.items() if k in known})


def _option_names(parser: argparse.ArgumentParser, names: dict[str, str]) -> dict[str, str]:
    """Each argument's dest and how --help names it (`--database`, `user`), every subcommand."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _option_names(child, names)
        else:
            names.setdefault(action.dest, max(action.option_strings, key=len, default=action.dest))
    return names


def _refuse_undecodable(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    # Bytes that are not valid in the locale's encoding arrive as lone surrogates
    # (surrogateescape), which no database driver can encode: refuse them here, by name (not
    # by value: it may be a password).
    names = _option_names(parser, {})
    for dest, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and any("\ud800" <= c <= "\udfff" for c in item):
                encoding = sys.getfilesystemencoding()
                raise UsageError(f"argument {names.get(dest, dest)}: not valid {encoding} text")


def run(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _refuse_undecodable(parser, args)
    if args.command == "demo":
        return _demo(args)
    settings = _settings(args)
    if args.command == "serve":
        return _serve(args, settings)
    if args.command == "db":
        print(f"database at revision {upgrade(settings.database_url)}")
        return 0
    if (args.command, args.action) in _NEED_EXISTING_DATABASE:
        _require_existing_database(settings.database_url)
    handlers: dict[str, Callable[[SqlStore], Awaitable[int]]] = {
        "users": lambda s: _users(args, s),
        "clients": lambda s: _clients(args, s),
        "keys": lambda s: _keys(args, settings, s),
        "admin": lambda s: _admin(args, s),
    }
    return asyncio.run(_with_store(settings, handlers[args.command]))


def _fail(exc: Exception) -> None:
    # One line, always: driver messages (psycopg's "connection refused") span several.
    print(f"signon: error: {' '.join(str(exc).split())}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(argv)
    except (
        SettingsError,
        AccountError,
        ClientError,
        UsageError,
        KeyDecryptionError,
        UnusableDatabase,
    ) as exc:
        _fail(exc)
        return 2
    except StoreUnavailable as exc:
        _fail(exc)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())

"""Export and import of an instance's state as one JSON document, and reset (emulator only).

Exported: users (with password hashes), projects, clients (with secret hashes), signing keys
(private keys exactly as stored: sealed with SIGNON_SECRET_KEY when one is set) and live grants.
Not exported: browser sessions, authorization codes, access and refresh tokens (short-lived or
tied to a browser); after an import people sign in again and apps obtain new tokens, while ID
tokens signed before still verify because the keys come along.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from typing import Any

from sqlalchemy import Column, Table

from signon.accounts.changes import EDITABLE_FIELDS, FieldError, check_user_fields
from signon.admin.tokens import ADMIN_TOKEN_SECRET
from signon.errors import InvalidRequest
from signon.keys.keyring import ADVERTISED_MAX_AGE, Keyring
from signon.keys.material import KeyDecryptionError, check_certificate, open_private_key
from signon.protocol.clients import CLIENT_TYPES, ClientError, check_client_record
from signon.protocol.projects import (
    CONSENT_FIELDS,
    ProjectErrors,
    check_consent_screen,
    is_project_name,
    is_project_number,
)
from signon.storage import schema
from signon.storage.records import Client, Grant, Project, SigningKey, User
from signon.storage.store import Conflict, Store

__all__ = ["EXPORT_FORMAT", "ImportConflict", "export_state", "import_state", "reset_state"]

EXPORT_FORMAT = "signon-export-v1"
# Survive a reset: pages and the API keep working, `keys rotate` still knows the JWKS max-age.
_KEPT_SECRETS = ("csrf", ADMIN_TOKEN_SECRET, ADVERTISED_MAX_AGE)


class ImportConflict(Exception):
    """The instance already holds users, projects or clients."""


def _record(r: Any) -> dict[str, Any]:
    out = {name: getattr(r, name) for name in r.__slots__}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


async def export_state(store: Store, now: int) -> dict[str, Any]:
    users, projects, clients, keys, grants = await store.dump_state()  # one moment
    return {
        "format": EXPORT_FORMAT,
        "exported_at": now,
        "users": [_record(u) for u in users],
        "projects": [_record(p) for p in projects],
        "clients": [_record(c) for c in clients],
        "signing_keys": [_record(k) for k in keys],
        "grants": [_record(g) for g in grants],
    }


async def reset_state(store: Store, keyring: Keyring) -> None:
    """Delete all data; keep the instance secrets; start again with one fresh signing key."""
    kept = {name: await store.find_secret(name) for name in _KEPT_SECRETS}
    await store.reset()
    for name, value in kept.items():
        if value is not None:
            await store.set_secret(name, value)
    await keyring.load()


# import ------------------------------------------------------------------------------------
_CHECKS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "str | None": lambda v: v is None or isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "int | None": lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)),
    "bool": lambda v: isinstance(v, bool),
    "tuple[str, ...]": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "dict[str, Any]": lambda v: isinstance(v, dict),
    "ClientType": lambda v: v in CLIENT_TYPES,
}


# Each record's table: an imported value must fit its column on both databases.
_TABLES: dict[type, Table] = {
    User: schema.users,
    Project: schema.projects,
    Client: schema.clients,
    SigningKey: schema.signing_keys,
    Grant: schema.grants,
}


# Every integer in an export is a time in seconds, stored as a signed 64-bit BIGINT.
_INT_MAX = 2**63 - 1


def _value_problem(column: Column[Any] | None, value: Any) -> str | None:
    """Why `value` would not fit `column` on one of the two databases, if it would not. SQLite
    stores a NUL character and a string of any length; PostgreSQL refuses both (a NUL in any
    text, and more characters than a VARCHAR's length), with an error that names no field. An
    export from an instance on SQLite must import into one on PostgreSQL. Neither stores an
    integer beyond 64 bits (SQLite's driver raised OverflowError: a 500), and no time we store
    is before 1970."""
    if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= _INT_MAX:
        return f"must be a whole number from 0 to {_INT_MAX}"
    texts = value if isinstance(value, list) else [value]
    if any(isinstance(text, str) and "\x00" in text for text in texts):
        return "contains a NUL character"
    length = getattr(column.type, "length", None) if column is not None else None
    if isinstance(value, str) and length is not None and len(value) > length:
        return f"has more than {length} characters"
    return None


def _parse(cls: type, raw: Any, where: str) -> Any:
    if not isinstance(raw, dict):
        raise InvalidRequest(f"{where}: expected a JSON object")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise InvalidRequest(f"{where}.{unknown[0]}: unknown field")
    values: dict[str, Any] = {}
    for name, f in known.items():
        if name not in raw:
            if f.default is MISSING and f.default_factory is MISSING:
                raise InvalidRequest(f"{where}.{name}: required field is missing")
            continue
        if not _CHECKS[str(f.type)](raw[name]):
            raise InvalidRequest(f"{where}.{name}: expected {f.type}")
        problem = _value_problem(_TABLES[cls].c.get(name), raw[name])
        if problem:
            raise InvalidRequest(f"{where}.{name}: {problem}")
        values[name] = tuple(raw[name]) if str(f.type).startswith("tuple") else raw[name]
    return cls(**values)


def _list(doc: dict[str, Any], name: str, cls: type) -> list[Any]:
    raw = doc.get(name, [])
    if not isinstance(raw, list):
        raise InvalidRequest(f"{name}: expected an array")
    return [_parse(cls, item, f"{name}[{i}]") for i, item in enumerate(raw)]


@dataclass(frozen=True, slots=True)
class _State:
    users: list[User]
    projects: list[Project]
    clients: list[Client]
    keys: list[SigningKey]
    grants: list[Grant]


def _check(doc: dict[str, Any], secret_key: str | None, now: int) -> _State:
    if doc.get("format") != EXPORT_FORMAT:
        raise InvalidRequest(f"format: expected {EXPORT_FORMAT!r} (a document from /export)")
    state = _State(
        _list(doc, "users", User),
        _list(doc, "projects", Project),
        _list(doc, "clients", Client),
        _list(doc, "signing_keys", SigningKey),
        _list(doc, "grants", Grant),
    )
    for i, u in enumerate(state.users):
        try:
            check_user_fields({name: getattr(u, name) for name in ("sub", *EDITABLE_FIELDS)})
        except FieldError as exc:
            raise InvalidRequest(f"users[{i}].{exc.field}: {exc.message}") from None
    # The same rules as the console, the CLI and the API: an export file is data from outside
    # (e.g. `origins: ["*"]` or a `javascript:` privacy URL must not get in this way).
    for i, p in enumerate(state.projects):
        if not is_project_name(p.name):
            raise InvalidRequest(f"projects[{i}].name: {p.name!r} is not a project name")
        if not is_project_number(p.number):  # new client IDs start with it
            raise InvalidRequest(f"projects[{i}].number: {p.number!r} is not 1 to 20 digits")
        try:
            check_consent_screen({k: getattr(p, k) or "" for k in CONSENT_FIELDS})
        except ProjectErrors as exc:
            field, message = next(iter(exc.errors.items()))
            raise InvalidRequest(f"projects[{i}].{field}: {message}") from None
    projects = {p.name for p in state.projects}
    for i, c in enumerate(state.clients):
        if c.project not in projects:
            raise InvalidRequest(f"clients[{i}].project: no project {c.project!r} in projects")
        try:
            check_client_record(c)
        except ClientError as exc:
            raise InvalidRequest(f"clients[{i}].{exc.field}: {exc}") from None
    subs, client_ids = {u.sub for u in state.users}, {c.client_id for c in state.clients}
    for i, g in enumerate(state.grants):
        if g.user_sub not in subs or g.client_id not in client_ids:
            raise InvalidRequest(f"grants[{i}]: its user_sub or client_id is not in this export")
    for i, k in enumerate(state.keys):
        try:
            private = open_private_key(k.private_key, secret_key, k.kid)
        except KeyDecryptionError as exc:
            raise InvalidRequest(f"signing_keys[{i}].private_key: {exc}") from None
        except ValueError:
            raise InvalidRequest(
                f"signing_keys[{i}].private_key: not a PEM private key (nor a sealed one)"
            ) from None
        try:
            check_certificate(k.certificate_pem, private)
        except ValueError as exc:
            raise InvalidRequest(f"signing_keys[{i}].certificate_pem: {exc}") from None
    # The export's keys replace the instance's: one of them must sign now, or every token
    # request would fail ("no active signing key") until someone rotated. An export without
    # keys keeps the instance's own.
    if state.keys and not any(Keyring.state(k, state.keys, now) == "active" for k in state.keys):
        raise InvalidRequest(
            "signing_keys: none is active now (activates_at passed, publish_until not yet): "
            "the instance could not sign"
        )
    return state


async def import_state(
    store: Store, keyring: Keyring, doc: dict[str, Any], secret_key: str | None
) -> dict[str, int]:
    """Load an export into an instance without users, projects or clients. Everything is checked
    first, then written in one transaction. The export's signing keys replace the instance's."""
    state = _check(doc, secret_key, int(keyring.clock()))
    try:
        await store.load_state(state.users, state.projects, state.clients, state.keys, state.grants)
    except Conflict as exc:
        if str(exc) == "this instance already has data":
            raise ImportConflict(
                "this instance already has data; reset it or use an empty database"
            ) from None
        raise ImportConflict(f"the import conflicts with itself: {exc}") from None
    await keyring.load()
    return {
        "users": len(state.users),
        "projects": len(state.projects),
        "clients": len(state.clients),
        "signing_keys": len(state.keys),
        "grants": len(state.grants),
    }

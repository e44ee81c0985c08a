"""Rows to records and back."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.engine import Row

from signon.storage.records import AuthCode, Client, Grant, Project, Token, User


def scopes(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def user(r: Row[Any]) -> User:
    return User(
        sub=r.sub,
        email=r.email,
        email_verified=bool(r.email_verified),
        name=r.name,
        given_name=r.given_name,
        family_name=r.family_name,
        picture=r.picture,
        locale=r.locale,
        hd=r.hd,
        password_hash=r.password_hash,
        is_admin=bool(r.is_admin),
        custom_claims=json.loads(r.custom_claims),
        created_at=r.created_at,
    )


def user_values(u: User) -> dict[str, Any]:
    return {
        "sub": u.sub,
        "email": u.email.lower(),
        "email_verified": u.email_verified,
        "name": u.name,
        "given_name": u.given_name,
        "family_name": u.family_name,
        "picture": u.picture,
        "locale": u.locale,
        "hd": u.hd,
        "password_hash": u.password_hash,
        "is_admin": u.is_admin,
        "custom_claims": json.dumps(u.custom_claims, sort_keys=True),
        "created_at": u.created_at,
    }


def project(r: Row[Any]) -> Project:
    return Project(**r._asdict())


def client(r: Row[Any]) -> Client:
    d = r._asdict()
    d["origins"] = tuple(json.loads(d["origins"]))
    d["redirect_uris"] = tuple(json.loads(d["redirect_uris"]))
    d["auto_consent"] = bool(d["auto_consent"])
    return Client(**d)


def client_values(c: Client) -> dict[str, Any]:
    return {
        "client_id": c.client_id,
        "project": c.project,
        "name": c.name,
        "type": c.type,
        "secret_hash": c.secret_hash,
        "origins": json.dumps(list(c.origins)),
        "redirect_uris": json.dumps(list(c.redirect_uris)),
        "auto_consent": c.auto_consent,
        "created_at": c.created_at,
    }


def grant(r: Row[Any]) -> Grant:
    d = r._asdict()
    d["scopes"] = scopes(d["scopes"])
    return Grant(**d)


def code(r: Row[Any]) -> AuthCode:
    d = r._asdict()
    d["scopes"] = scopes(d["scopes"])
    d["offline"], d["issue_refresh"] = bool(d["offline"]), bool(d["issue_refresh"])
    return AuthCode(**d)


def token(r: Row[Any]) -> Token:
    d = r._asdict()
    d["scopes"] = scopes(d["scopes"])
    d["offline"] = bool(d["offline"])
    return Token(**d)


def code_values(c: AuthCode) -> dict[str, Any]:
    values = asdict(c)
    values["scopes"] = " ".join(c.scopes)
    return values


def token_values(tok: Token) -> dict[str, Any]:
    return {
        "token_hash": tok.token_hash,
        "kind": tok.kind,
        "client_id": tok.client_id,
        "user_sub": tok.user_sub,
        "grant_id": tok.grant_id,
        "family_id": tok.family_id,
        "scopes": " ".join(tok.scopes),
        "offline": tok.offline,
        "azp": tok.azp,
        "created_at": tok.created_at,
        "expires_at": tok.expires_at,
        "revoked_at": tok.revoked_at,
        "last_used_at": tok.last_used_at,
    }


def asdict(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}

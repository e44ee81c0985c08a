"""The admin API's OpenAPI 3.1 document, built from the same table that builds its routes."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from signon.admin.bodies import Body

__all__ = ["Operation", "openapi_document"]


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    endpoint: Callable[..., Awaitable[Any]]
    summary: str
    status: int = 200
    body: Body | None = None
    response: str | None = None  # component schema name of the success body
    response_list: bool = False
    query: tuple[tuple[str, str], ...] = ()  # (name, description)
    errors: tuple[tuple[int, str], ...] = ()  # (status, when) beyond 400, 401 and 404


_ERROR = {
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}
_STRINGS = {"type": "array", "items": {"type": "string"}}
_NULL_STR = {"type": ["string", "null"]}
_RESPONSES: dict[str, dict[str, Any]] = {
    "User": {
        "type": "object",
        "properties": {
            "sub": {"type": "string", "pattern": "^[0-9]{21}$"},
            "email": {"type": "string"},
            "email_verified": {"type": "boolean"},
            **{n: _NULL_STR for n in ("name", "given_name", "family_name", "picture")},
            **{n: _NULL_STR for n in ("locale", "hd")},
            "is_admin": {"type": "boolean"},
            "has_password": {"type": "boolean"},
            "custom_claims": {"type": "object"},
            "created_at": {"type": "integer"},
        },
    },
    "Client": {
        "type": "object",
        "properties": {
            "client_id": {"type": "string"},
            "project": {"type": "string"},
            "name": {"type": "string"},
            "type": {"type": "string", "enum": ["web", "ios", "android", "desktop"]},
            "public": {"type": "boolean"},
            "origins": _STRINGS,
            "redirect_uris": _STRINGS,
            "auto_consent": {"type": "boolean"},
            "created_at": {"type": "integer"},
            "client_secret": {"type": "string", "description": "only when created or reset"},
        },
    },
    "Grant": {
        "type": "object",
        "properties": {
            "grant_id": {"type": "string"},
            "user_sub": {"type": "string"},
            "client_id": {"type": "string"},
            "scopes": _STRINGS,
            "created_at": {"type": "integer"},
            "updated_at": {"type": "integer"},
        },
    },
    "SigningKey": {
        "type": "object",
        "properties": {
            "kid": {"type": "string"},
            "state": {"type": "string", "enum": ["pending", "active", "retired", "expired"]},
            "created_at": {"type": "integer"},
            "activates_at": {"type": "integer"},
            "publish_until": {"type": ["integer", "null"]},
        },
    },
    "ClientSecret": {
        "type": "object",
        "properties": {"client_id": {"type": "string"}, "client_secret": {"type": "string"}},
    },
    "ImportSummary": {
        "type": "object",
        "properties": {
            n: {"type": "integer"}
            for n in ("users", "projects", "clients", "signing_keys", "grants")
        },
    },
    "Export": {
        "type": "object",
        "required": ["format"],
        "properties": {
            "format": {"const": "signon-export-v1"},
            "exported_at": {"type": "integer"},
            **{
                n: {"type": "array", "items": {"type": "object"}}
                for n in ("users", "projects", "clients", "signing_keys", "grants")
            },
        },
    },
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _operation(op: Operation) -> dict[str, Any]:
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", op.path)
    ]
    params += [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string"},
         "description": text}
        for name, text in op.query
    ]  # fmt: skip
    ok: dict[str, Any] = {"description": op.summary}
    if op.response:
        schema: dict[str, Any] = {"$ref": f"#/components/schemas/{op.response}"}
        if op.response_list:
            schema = {"type": "array", "items": schema}
        ok["content"] = {"application/json": {"schema": schema}}
    out: dict[str, Any] = {
        "summary": op.summary,
        "operationId": op.endpoint.__name__,
        "responses": {
            str(op.status): ok,
            "400": _error("The body or a parameter is invalid; the description names the field."),
            "401": _error("No admin token, or a wrong one (see WWW-Authenticate)."),
        },
    }
    if params:
        out["parameters"] = params
        out["responses"]["404"] = _error("No such record.")
    for status, when in op.errors:
        out["responses"][str(status)] = _error(when)
    if op.body is not None:
        out["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{op.body.name}"}}
            },
        }
    return out


def openapi_document(operations: Iterable[Operation], issuer: str) -> dict[str, Any]:
    operations = list(operations)
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    bodies = {op.body.name: op.body.json_schema() for op in operations if op.body is not None}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "signon admin API",
            "version": "1",
            "description": "Users, OAuth clients, grants, signing keys and whole-instance "
            "export/import. Authenticate with `Authorization: Bearer <token>` "
            "(`signon admin token`, or SIGNON_ADMIN_TOKEN).",
        },
        "servers": [{"url": issuer}],
        "security": [{"adminToken": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": _ERROR, **_RESPONSES, **bodies},
        },
    }

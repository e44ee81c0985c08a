"""Admin API: grants, signing keys, and the whole instance (reset, export, import)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from signon.admin.bodies import Body, parse_json
from signon.admin.openapi import Operation
from signon.admin.transfer import ImportConflict, export_state, import_state, reset_state
from signon.admin.views import grant_view, key_view
from signon.context import ctx
from signon.errors import InvalidRequest
from signon.http.admin_common import AdminError, json, no_content, not_found

__all__ = ["OPERATIONS"]

EXPORT = Body(
    "Import",
    {},
    free_form=True,
    description="A document from GET /admin/api/export.",
    extra={"$ref": "#/components/schemas/Export"},
)


async def list_grants(request: Request) -> Response:
    c = ctx(request)
    grants = await c.store.list_grants(request.query_params.get("user_sub"))
    client_id = request.query_params.get("client_id")
    return json([grant_view(g) for g in grants if client_id in (None, g.client_id)])


async def revoke_grant(request: Request) -> Response:
    c = ctx(request)
    if not await c.store.revoke_grant(request.path_params["grant_id"], c.now()):
        raise not_found(f"grant {request.path_params['grant_id']}")
    return no_content()


async def list_keys(request: Request) -> Response:
    c = ctx(request)
    keyring = await c.keyring.fresh()
    keys = keyring.keys()
    return json([key_view(k, keys, c.now()) for k in keys])


async def rotate_keys(request: Request) -> Response:
    c = ctx(request)
    new = await c.keyring.rotate()
    return json(key_view(new, c.keyring.keys(), c.now()), 201)


async def reset(request: Request) -> Response:
    c = ctx(request)
    if not c.settings.emulator:
        raise AdminError(
            403, "access_denied", "reset deletes all data and is only available in emulator "
            "mode (signon serve --emulator)"
        )  # fmt: skip
    await reset_state(c.store, c.keyring)
    return no_content()


async def export(request: Request) -> Response:
    c = ctx(request)
    return json(await export_state(c.store, c.now()))


async def import_(request: Request) -> Response:
    c = ctx(request)
    doc = parse_json(await request.body())
    if not isinstance(doc, dict):
        raise InvalidRequest("the request body must be a JSON object (an export document)")
    try:
        summary = await import_state(c.store, c.keyring, doc, c.settings.secret_key)
    except ImportConflict as exc:
        raise AdminError(409, "conflict", str(exc)) from None
    return json(summary)


OPERATIONS = (
    Operation("GET", "/admin/api/grants", list_grants, "List live grants (consents)",
              response="Grant", response_list=True,
              query=(("user_sub", "only this user's"), ("client_id", "only this client's"))),
    Operation("DELETE", "/admin/api/grants/{grant_id}", revoke_grant,
              "Revoke a grant and every token and code issued from it", 204),
    Operation("GET", "/admin/api/keys", list_keys, "List signing keys", response="SigningKey",
              response_list=True),
    Operation("POST", "/admin/api/keys/rotate", rotate_keys,
              "Add a signing key (signs after the JWKS cache lifetime)", 201,
              response="SigningKey"),
    Operation("POST", "/admin/api/reset", reset, "Delete all data (emulator mode only)", 204,
              errors=((403, "Not in emulator mode: nothing is deleted."),)),
    Operation("GET", "/admin/api/export", export, "Export all state as JSON", response="Export"),
    Operation("POST", "/admin/api/import", import_, "Import an export into an empty instance",
              body=EXPORT, response="ImportSummary",
              errors=((409, "The instance has users, projects or clients already."),)),
)  # fmt: skip

"""Admin API: OAuth clients (/admin/api/clients)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from signon.admin.bodies import Body, Prop
from signon.admin.openapi import Operation
from signon.admin.views import client_view
from signon.context import ctx
from signon.errors import InvalidRequest
from signon.http.admin_common import AdminError, json, no_content, not_found, read_body
from signon.protocol.client_changes import reset_client_secret, update_client
from signon.protocol.clients import CLIENT_TYPES, ClientError, create_client
from signon.storage.records import Client

__all__ = ["OPERATIONS"]

_URIS = {
    "origins": Prop("array", "Authorized JavaScript origins (web clients)", items="string"),
    "redirect_uris": Prop("array", "Authorized redirect URIs", items="string"),
    "auto_consent": Prop("boolean", "skip the consent page for this client"),
}
NEW_CLIENT = Body(
    "NewClient",
    {
        "name": Prop("string"),
        "type": Prop("string", "default web", enum=CLIENT_TYPES),
        "project": Prop("string", "created when missing; default 'default'"),
        **_URIS,
        "client_id": Prop("string", "import an existing client ID", nullable=True),
        "client_secret": Prop("string", "import an existing secret", nullable=True),
    },
    required=("name",),
)
CLIENT_CHANGES = Body(
    "ClientChanges",
    {
        "name": Prop("string"),
        **_URIS,
        "client_secret": Prop("string", "set a known secret (e.g. your app's)"),
    },
)


async def _client(request: Request) -> Client:
    client = await ctx(request).store.find_client(request.path_params["client_id"])
    if client is None:
        raise not_found(f"client {request.path_params['client_id']}")
    return client


def _invalid(exc: ClientError) -> InvalidRequest:
    return InvalidRequest(f"{exc.field}: {exc}")


async def list_clients(request: Request) -> Response:
    project = request.query_params.get("project")
    return json([client_view(c) for c in await ctx(request).store.list_clients(project)])


async def create_client_(request: Request) -> Response:
    c = ctx(request)
    body = await read_body(request, NEW_CLIENT)
    try:
        new = await create_client(c.store, now=c.now(), **body)
    except ClientError as exc:
        if exc.field == "client_id" and "already exists" in str(exc):
            raise AdminError(409, "conflict", str(exc)) from None
        raise _invalid(exc) from None
    return json(client_view(new.client, new.secret), 201)


async def get_client(request: Request) -> Response:
    return json(client_view(await _client(request)))


async def update_client_(request: Request) -> Response:
    c = ctx(request)
    client = await _client(request)
    body = await read_body(request, CLIENT_CHANGES)
    try:
        updated = await update_client(c.store, client, **body)
    except ClientError as exc:
        raise _invalid(exc) from None
    return json(client_view(updated))


async def reset_secret(request: Request) -> Response:
    c = ctx(request)
    try:
        client, secret = await reset_client_secret(c.store, await _client(request))
    except ClientError as exc:
        raise _invalid(exc) from None
    return json({"client_id": client.client_id, "client_secret": secret})


async def delete_client(request: Request) -> Response:
    if not await ctx(request).store.delete_client(request.path_params["client_id"]):
        raise not_found(f"client {request.path_params['client_id']}")
    return no_content()


_ONE = "/admin/api/clients/{client_id}"
OPERATIONS = (
    Operation("GET", "/admin/api/clients", list_clients, "List OAuth clients",
              response="Client", response_list=True, query=(("project", "only this project"),)),
    Operation("POST", "/admin/api/clients", create_client_, "Create an OAuth client "
              "(the response carries the secret, shown once)", 201, NEW_CLIENT, "Client",
              errors=((409, "A client with this client_id exists."),)),
    Operation("GET", _ONE, get_client, "Get an OAuth client", response="Client"),
    Operation("PATCH", _ONE, update_client_, "Change a client's name, URIs or secret",
              body=CLIENT_CHANGES, response="Client"),
    Operation("POST", _ONE + "/secret", reset_secret, "Reset the client secret (returned once)",
              response="ClientSecret"),
    Operation("DELETE", _ONE, delete_client, "Delete a client and revoke its tokens", 204),
)  # fmt: skip

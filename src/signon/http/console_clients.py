"""The developer console's OAuth clients: create, edit, reset the secret, delete.

A secret is shown once, on the page that answers the creation or reset POST, together with a
`client_secret.json` download embedded in that page as a data: URL. Nothing keeps the secret
afterwards (only its hash is stored), so neither can be fetched again.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from signon.context import ctx
from signon.http.console_access import client_or_404, client_path, developer, project_or_404
from signon.http.forms import field, read_form
from signon.http.pages import render
from signon.protocol.client_changes import client_secret_json, reset_client_secret, update_client
from signon.protocol.clients import (
    CLIENT_TYPES,
    ClientError,
    check_origin,
    check_redirect_uri,
    create_client,
)
from signon.storage.records import Client

__all__ = ["routes"]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _form_values(form: Any) -> dict[str, str]:
    names = ("name", "type", "origins", "redirect_uris")
    return {k: field(form, k) for k in names}


def _uri_errors(values: dict[str, str]) -> dict[str, str]:
    """Every list checked, so both fields can show their error at once."""
    errors: dict[str, str] = {}
    for name, check in (("origins", check_origin), ("redirect_uris", check_redirect_uri)):
        for value in _lines(values[name]):
            try:
                check(value)
            except ClientError as exc:
                errors.setdefault(name, str(exc))
    if not values["name"].strip():
        errors["name"] = "Enter a name."
    return errors


def _form(request: Request, status: int = 200, **values: Any) -> Response:
    return render(request, "console_client.html", status, types=CLIENT_TYPES, signed_in=True,
                  saved=request.query_params.get("saved") == "1", **values)  # fmt: skip


def _secret_page(request: Request, client: Client, secret: str, developer: str) -> Response:
    document = client_secret_json(client, secret, ctx(request).settings.issuer)
    encoded = base64.b64encode(json.dumps(document, indent=2).encode()).decode()
    return render(
        request, "console_secret.html", client=client, secret=secret, developer=developer,
        download_href=f"data:application/json;base64,{encoded}", signed_in=True,
        filename=f"client_secret_{client.client_id}.json",
    )  # fmt: skip


async def new_client_page(request: Request) -> Response:
    who = await developer(request)
    if isinstance(who, Response):
        return who
    project = await project_or_404(request)
    values = {"name": "", "type": "web", "origins": "", "redirect_uris": ""}
    return _form(request, project=project, client=None, values=values, errors={},
                 developer=who.email)  # fmt: skip


async def create_client_submit(request: Request) -> Response:
    who = await developer(request)
    if isinstance(who, Response):
        return who
    c, project = ctx(request), await project_or_404(request)
    values = _form_values(await read_form(request))
    errors = _uri_errors(values)
    if not errors:
        try:
            new = await create_client(
                c.store, name=values["name"], type=values["type"],  # type: ignore[arg-type]
                project=project.name, origins=_lines(values["origins"]),
                redirect_uris=_lines(values["redirect_uris"]), now=c.now(),
            )  # fmt: skip
        except ClientError as exc:
            errors = {exc.field: str(exc)}
        else:
            if new.secret is None:  # a public client: nothing to show once
                return RedirectResponse(client_path(new.client), 303)
            return _secret_page(request, new.client, new.secret, who.email)
    return _form(request, 400, project=project, client=None, values=values, errors=errors,
                 developer=who.email)  # fmt: skip


async def client_page(request: Request) -> Response:
    who = await developer(request)
    if isinstance(who, Response):
        return who
    client = await client_or_404(request)
    values = {"name": client.name, "type": client.type, "origins": "\n".join(client.origins),
              "redirect_uris": "\n".join(client.redirect_uris)}  # fmt: skip
    project = await ctx(request).store.find_project(client.project)
    return _form(request, project=project, client=client, values=values, errors={},
                 developer=who.email)  # fmt: skip


async def update_client_submit(request: Request) -> Response:
    who = await developer(request)
    if isinstance(who, Response):
        return who
    c, client = ctx(request), await client_or_404(request)
    values = {**_form_values(await read_form(request)), "type": client.type}
    errors = _uri_errors(values)
    if not errors:
        try:
            await update_client(c.store, client, name=values["name"],
                                origins=_lines(values["origins"]),
                                redirect_uris=_lines(values["redirect_uris"]))  # fmt: skip
        except ClientError as exc:
            errors = {exc.field: str(exc)}
        else:
            return RedirectResponse(client_path(client) + "?saved=1", 303)
    project = await c.store.find_project(client.project)
    return _form(request, 400, project=project, client=client, values=values, errors=errors,
                 developer=who.email)  # fmt: skip


async def reset_secret_submit(request: Request) -> Response:
    who = await developer(request)
    if isinstance(who, Response):
        return who
    await read_form(request)  # CSRF
    client = await client_or_404(request)
    if client.is_public:  # no secret to reset; the page offers no button for these
        return RedirectResponse(client_path(client), 303)
    client, secret = await reset_client_secret(ctx(request).store, client)
    return _secret_page(request, client, secret, who.email)


async def delete_page(request: Request) -> Response:
    who = await developer(request)
    if isinstance(who, Response):
        return who
    client = await client_or_404(request)
    grants = [g for g in await ctx(request).store.list_grants() if g.client_id == client.client_id]
    return render(request, "console_delete.html", client=client, users=len(grants),
                  developer=who.email, signed_in=True)  # fmt: skip


async def delete_submit(request: Request) -> Response:
    who = await developer(request)
    if isinstance(who, Response):
        return who
    await read_form(request)  # CSRF
    client = await client_or_404(request)
    await ctx(request).store.delete_client(client.client_id)
    return RedirectResponse(f"/console/projects/{client.project}?deleted=1", 303)


def routes() -> list[BaseRoute]:
    one = "/console/clients/{client_id}"
    return [
        Route("/console/projects/{project}/clients/new", new_client_page, methods=["GET"]),
        Route("/console/projects/{project}/clients", create_client_submit, methods=["POST"]),
        Route(one, client_page, methods=["GET"]),
        Route(one, update_client_submit, methods=["POST"]),
        Route(one + "/secret", reset_secret_submit, methods=["POST"]),
        Route(one + "/delete", delete_page, methods=["GET"]),
        Route(one + "/delete", delete_submit, methods=["POST"]),
    ]

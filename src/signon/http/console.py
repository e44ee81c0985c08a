"""The developer console (/console): projects and their consent screen. Clients are in
console_clients.py. Developers are admin users (`signon users create --admin`), or any signed-in
user in emulator mode."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from signon.context import ctx
from signon.http import console_clients
from signon.http.console_access import developer, project_or_404
from signon.http.forms import field, read_form
from signon.http.pages import render
from signon.protocol.projects import (
    CONSENT_FIELDS,
    ProjectErrors,
    create_project,
    update_consent_screen,
)

__all__ = ["routes"]


async def console_home(request: Request) -> Response:
    who = await developer(request)
    if isinstance(who, Response):
        return who
    return await _home(request, who.email, {}, {})


async def _home(
    request: Request, email: str, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    store = ctx(request).store
    clients = await store.list_clients()
    projects = [
        (p, sum(1 for c in clients if c.project == p.name)) for p in await store.list_projects()
    ]
    return render(
        request, "console.html", status, projects=projects, values=values, errors=errors,
        developer=email, signed_in=True,
    )  # fmt: skip


async def create_project_submit(request: Request) -> Response:
    who = await developer(request)
    if isinstance(who, Response):
        return who
    c = ctx(request)
    form = await read_form(request)
    values = {"name": field(form, "name"), "app_name": field(form, "app_name")}
    try:
        project = await create_project(c.store, values["name"], c.now(), values)
    except ProjectErrors as exc:
        return await _home(request, who.email, values, exc.errors, 400)
    return RedirectResponse(f"/console/projects/{project.name}", 303)


async def project_page(request: Request) -> Response:
    who = await developer(request)
    if isinstance(who, Response):
        return who
    project = await project_or_404(request)
    values = {k: getattr(project, k) or "" for k in CONSENT_FIELDS}
    return await _project(request, who.email, project.name, values, {})


async def _project(
    request: Request, email: str, name: str, values: dict[str, str], errors: dict[str, str],
    status: int = 200,
) -> Response:  # fmt: skip
    store = ctx(request).store
    return render(
        request, "console_project.html", status, project=await store.find_project(name),
        clients=await store.list_clients(name), values=values, errors=errors, developer=email,
        saved=request.query_params.get("saved") == "1", signed_in=True,
    )  # fmt: skip


async def consent_screen_submit(request: Request) -> Response:
    who = await developer(request)
    if isinstance(who, Response):
        return who
    project = await project_or_404(request)
    form = await read_form(request)
    values = {k: field(form, k) for k in CONSENT_FIELDS}
    try:
        await update_consent_screen(ctx(request).store, project, values)
    except ProjectErrors as exc:
        return await _project(request, who.email, project.name, values, exc.errors, 400)
    return RedirectResponse(f"/console/projects/{project.name}?saved=1#consent-screen", 303)


def routes() -> list[BaseRoute]:
    return [
        Route("/console", console_home, methods=["GET"]),
        Route("/console/projects", create_project_submit, methods=["POST"]),
        Route("/console/projects/{project}", project_page, methods=["GET"]),
        Route("/console/projects/{project}/consent", consent_screen_submit, methods=["POST"]),
        *console_clients.routes(),
    ]

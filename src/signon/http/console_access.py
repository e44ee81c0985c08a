"""Who may use the developer console, and looking up the records its URLs name."""

from __future__ import annotations

from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signon.context import ctx
from signon.http.pages import error_page, with_query
from signon.http.signin import session_users
from signon.storage.records import Client, Project, User

__all__ = ["client_or_404", "client_path", "developer", "project_or_404"]


async def developer(request: Request) -> User | Response:
    """The signed-in developer (an admin account, or any account in emulator mode); otherwise
    the response to send instead: the sign-in page, or 403 for a non-developer."""
    users = await session_users(request)
    if not users:
        target = request.url.path if request.method == "GET" else "/console"
        return RedirectResponse(with_query("/signin", **{"continue": target}), 303)
    emulator = ctx(request).settings.emulator
    for user in users:
        if user.is_admin or emulator:
            return user
    return error_page(
        request,
        403,
        "This account is not a developer",
        f"{users[0].email} cannot use the developer console. Ask an administrator, or sign in "
        "with an account created by `signon users create --admin`.",
        back_href="/",
    )


async def project_or_404(request: Request) -> Project:
    project = await ctx(request).store.find_project(request.path_params["project"])
    if project is None:
        raise HTTPException(404, f"There is no project {request.path_params['project']}.")
    return project


async def client_or_404(request: Request) -> Client:
    client = await ctx(request).store.find_client(request.path_params["client_id"])
    if client is None:
        raise HTTPException(404, "There is no such OAuth client.")
    return client


def client_path(client: Client) -> str:
    """The console page of `client`, its ID percent-encoded whole (see app.py's `path_segment`
    filter, which the templates use)."""
    return "/console/clients/" + quote(client.client_id, safe="")

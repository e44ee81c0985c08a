"""Delivering an authorization response: query, fragment, form_post, or postMessage to the
opener window of a registered JavaScript origin (the browser libraries' popup flows)."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signon.errors import OAuthError
from signon.http.pages import render, script_json
from signon.protocol.authorize import ResponseMode

__all__ = ["deliver", "deliver_error"]


def deliver(
    request: Request,
    redirect_uri: str,
    mode: ResponseMode,
    params: dict[str, str],
    origin: str | None,
    *,
    see_other: bool = False,
) -> Response:
    if mode == "postmessage":
        payload = script_json({"type": "signon:authorization_response", "params": params})
        return render(
            request, "postmessage.html", payload=payload, target_origin=script_json(origin or "")
        )
    if mode == "form_post":
        return render(request, "form_post.html", action=redirect_uri, fields=params.items())
    separator = "#" if mode == "fragment" else ("&" if "?" in redirect_uri else "?")
    status = 303 if see_other else 302
    return RedirectResponse(
        redirect_uri + separator + urlencode(params),
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def deliver_error(
    request: Request,
    redirect_uri: str,
    mode: ResponseMode,
    exc: OAuthError,
    state: str | None,
    issuer: str,
    origin: str | None,
) -> Response:
    params = {"error": exc.error, "error_description": exc.description}
    if state is not None:
        params["state"] = state
    params["iss"] = issuer
    return deliver(request, redirect_uri, mode, params, origin, see_other=request.method == "POST")

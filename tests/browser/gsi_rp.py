"""A relying party for the GIS browser tests: static pages written the way seed 002 shows
(only the <script src> host and the client ID are filled in), served from its own port on
`localhost` (another site than signon on 127.0.0.1), and a `login_uri` backend that performs the
g_csrf_token double-submit check of Google's Python sample (spec 4.3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from tests.appserver import serve_app
from tests.livesrv import free_port

PAGES = Path(__file__).parent / "gsi_pages"
GOOGLE_SCRIPT = "https://accounts.google.com/gsi/client"


@dataclass
class RelyingParty:
    origin: str
    issuer: str
    client_id: str = "YOUR_GOOGLE_CLIENT_ID"
    posts: list[dict[str, Any]] = field(default_factory=list)
    callbacks: list[dict[str, str]] = field(default_factory=list)

    def url(self, page: str) -> str:
        return f"{self.origin}/{page}"


def _app(rp: RelyingParty) -> Starlette:
    async def page(request: Request) -> Response:
        name = request.path_params["name"]
        path = PAGES / name
        if not name.endswith(".html") or not path.is_file():
            return Response("not found", 404)
        html = path.read_text()
        html = html.replace(GOOGLE_SCRIPT, rp.issuer + "/gsi/client")
        html = html.replace("YOUR_GOOGLE_CLIENT_ID", rp.client_id)
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    async def login(request: Request) -> Response:
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        cookie = request.cookies.get("g_csrf_token")
        body = fields.get("g_csrf_token")
        rp.posts.append({"fields": fields, "cookie": cookie})
        # Google's sample: cookie, then body, then equal.
        if not cookie:
            return HTMLResponse("No CSRF token in Cookie.", 400)
        if not body:
            return HTMLResponse("No CSRF token in post body.", 400)
        if cookie != body:
            return HTMLResponse("Failed to verify double submit cookie.", 400)
        return HTMLResponse(f"<h1>Signed in ({fields.get('select_by')})</h1>")

    async def callback(request: Request) -> Response:
        rp.callbacks.append(dict(request.query_params))
        return HTMLResponse("<h1>Authorized</h1>")

    return Starlette(
        routes=[
            Route("/login", login, methods=["POST"]),
            Route("/callback", callback),
            Route("/{name}", page),
        ]
    )


@contextmanager
def relying_party(issuer: str) -> Iterator[RelyingParty]:
    port = free_port()
    rp = RelyingParty(origin=f"http://localhost:{port}", issuer=issuer)
    with serve_app(_app(rp), port):
        yield rp

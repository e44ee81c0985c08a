"""create_app(settings, store, clock): routes, middleware, error handlers, lifespan."""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from signon.accounts.passwords import PasswordHasher
from signon.accounts.sessions import Sessions
from signon.accounts.throttle import SignInThrottle
from signon.context import Context
from signon.http import (
    admin_api,
    authorize,
    console,
    discovery,
    emulator,
    fedcm,
    gsi,
    health,
    introspection,
    myaccount,
    platformjs,
    signin,
    token,
)
from signon.http.errors import EXCEPTION_HANDLERS
from signon.http.middleware import BodyLimit, SecurityHeaders
from signon.keys.keyring import Keyring
from signon.settings import Settings, build_settings
from signon.storage import open_store
from signon.storage.store import Store

__all__ = ["app_from_environment", "build_context", "create_app"]

WEB = Path(__file__).parent / "web"


def routes() -> list[BaseRoute]:
    return [
        Route("/", signin.home_page),
        Route("/.well-known/openid-configuration", discovery.openid_configuration),
        Route("/healthz", health.healthz, methods=["GET", "HEAD"]),
        Route("/oauth2/v3/certs", discovery.jwks),
        Route("/oauth2/v1/certs", discovery.pem_certs),
        Route("/o/oauth2/v2/auth", authorize.authorize, methods=["GET", "POST"]),
        Route("/o/oauth2/auth", authorize.authorize, methods=["GET", "POST"]),
        Route("/token", token.token_endpoint, methods=["POST"]),
        Route("/oauth2/v4/token", token.token_endpoint, methods=["POST"]),
        Route("/o/oauth2/token", token.token_endpoint, methods=["POST"]),
        Route("/oauth2/v3/token", token.token_endpoint, methods=["POST"]),
        Route("/revoke", introspection.revoke, methods=["GET", "POST"]),
        Route("/o/oauth2/revoke", introspection.revoke, methods=["GET", "POST"]),
        Route("/oauth2/v3/tokeninfo", introspection.tokeninfo, methods=["GET", "POST"]),
        Route("/oauth2/v1/tokeninfo", introspection.tokeninfo, methods=["GET", "POST"]),
        Route("/oauth2/v2/tokeninfo", introspection.tokeninfo, methods=["GET", "POST"]),
        Route("/tokeninfo", introspection.tokeninfo, methods=["GET", "POST"]),
        Route("/oauth2/v3/userinfo", introspection.userinfo, methods=["GET", "POST"]),
        Route("/v1/userinfo", introspection.userinfo, methods=["GET", "POST"]),
        Route("/oauth2/v2/userinfo", introspection.userinfo, methods=["GET", "POST"]),
        Route("/oauth2/v1/userinfo", introspection.userinfo, methods=["GET", "POST"]),
        Route("/userinfo/v2/me", introspection.userinfo, methods=["GET", "POST"]),
        *(
            Route(path, introspection.preflight, methods=["OPTIONS"])
            for path in introspection.BROWSER_PATHS
        ),
        Route("/signin", signin.signin_page, methods=["GET"]),
        Route("/signin", signin.signin_submit, methods=["POST"]),
        Route("/ServiceLogin", signin.signin_page, methods=["GET"]),
        Route("/signin/chooser", signin.chooser_page),
        Route("/AccountChooser", signin.chooser_page),
        Route("/signout", signin.signout_page, methods=["GET"]),
        Route("/signout", signin.signout_submit, methods=["POST"]),
        Route("/Logout", signin.signout_page, methods=["GET"]),
        Route("/signedout", signin.signedout_page),
        *gsi.routes(),
        *fedcm.routes(),
        *platformjs.routes(),
        *emulator.routes(),
        *console.routes(),
        *myaccount.routes(),
        *admin_api.routes(),
        Mount("/static", StaticFiles(directory=WEB / "static"), name="static"),
    ]


def _is_web_url(value: object) -> bool:
    """Jinja test `web_url`: only http(s) URLs become links (never `javascript:` and the like),
    whatever got into the database."""
    return isinstance(value, str) and value.lower().startswith(("https://", "http://"))


def _path_segment(value: object) -> str:
    """Jinja filter `path_segment`: a value put into one segment of a URL path, percent-encoded
    whole. A client ID with `?`, `#` or `/` in it (stored before IDs were restricted) would
    otherwise make its Edit link open another client's page."""
    return quote(str(value), safe="")


def templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(WEB / "templates"),
        autoescape=select_autoescape(["html"]),
        auto_reload=False,
    )
    env.tests["web_url"] = _is_web_url
    env.filters["path_segment"] = _path_segment
    return env


async def build_context(
    settings: Settings,
    store: Store,
    clock: Callable[[], float] = time.time,
    hasher: PasswordHasher | None = None,
) -> Context:
    keyring = Keyring(
        store,
        clock=clock,
        secret_key=settings.secret_key,
        jwks_max_age=settings.jwks_max_age,
        seal_plain_keys=True,
    )
    await keyring.load()
    await keyring.advertise_max_age()
    csrf_secret = await store.get_or_create_secret("csrf", secrets.token_hex(32))
    return Context(
        settings=settings,
        store=store,
        clock=clock,
        keyring=keyring,
        sessions=Sessions(store, clock, settings.session_idle_seconds),
        hasher=hasher or PasswordHasher(),
        templates=templates(),
        throttle=SignInThrottle(store, clock),
        csrf_secret=bytes.fromhex(csrf_secret),
    )


def create_app(
    settings: Settings,
    store: Store,
    clock: Callable[[], float] = time.time,
    hasher: PasswordHasher | None = None,
) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.ctx = await build_context(settings, store, clock, hasher)
        try:
            yield
        finally:
            await store.close()

    return Starlette(
        routes=routes(),
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )


def app_from_environment() -> Starlette:
    """uvicorn factory for `signon serve --workers N`: settings come from SIGNON_* variables."""
    settings = build_settings()
    return create_app(settings, open_store(settings.database_url))

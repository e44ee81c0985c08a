"""ASGI middleware: a request body limit and security headers on every response."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from signon.http.errors import BodyTooLarge

__all__ = ["BodyLimit", "SecurityHeaders"]


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        too_large = declared is not None and (
            not declared.isdigit() or len(declared) > 15 or int(declared) > self.max_bytes
        )
        seen = 0

        async def limited() -> Message:
            # Raised where the endpoint reads the body, so the one error handler answers it
            # (a page for people, JSON for API callers); nothing beyond the limit is read.
            nonlocal seen
            if too_large:
                raise BodyTooLarge()
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise BodyTooLarge()
            return message

        await self.app(scope, limited, send)


class SecurityHeaders:
    """Anti-framing and friends. A response that must be framed (the One Tap and button
    iframes, for registered origins only) sets its own Content-Security-Policy first."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = "frame-ancestors 'none'"
                    headers["X-Frame-Options"] = "DENY"
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
            await send(message)

        await self.app(scope, receive, send_with_headers)

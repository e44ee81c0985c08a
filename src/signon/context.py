"""What every endpoint needs, built once by create_app and reached as `request.app.state.ctx`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from jinja2 import Environment
from starlette.requests import Request

from signon.accounts.passwords import PasswordHasher
from signon.accounts.sessions import Sessions
from signon.accounts.throttle import SignInThrottle
from signon.keys.keyring import Keyring
from signon.settings import Settings
from signon.storage.store import Store

__all__ = ["Context", "ctx"]


@dataclass(slots=True)
class Context:
    settings: Settings
    store: Store
    clock: Callable[[], float]
    keyring: Keyring
    sessions: Sessions
    hasher: PasswordHasher
    templates: Environment
    throttle: SignInThrottle
    csrf_secret: bytes = b""

    def now(self) -> int:
        return int(self.clock())


def ctx(request: Request) -> Context:
    context: Context = request.app.state.ctx
    return context

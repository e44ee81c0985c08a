"""Client authentication at the token endpoint: client_secret_post, client_secret_basic, and
public native clients without a secret."""

from __future__ import annotations

import base64
from urllib.parse import quote

import pytest

from signon.errors import InvalidClient, InvalidRequest
from signon.protocol.client_auth import authenticate_client
from signon.protocol.ids import hash_secret
from signon.storage.records import Client, ClientType
from signon.storage.store import Store

SECRET = "GOCSPX-0123456789abcdefghijklmnopqr"


def make(client_id: str, type: ClientType, secret: str | None = None) -> Client:
    return Client(
        client_id=client_id,
        project="default",
        name=client_id,
        type=type,
        secret_hash=hash_secret(secret) if secret else None,
    )


class Clients:
    """The one store method client authentication needs."""

    def __init__(self, *clients: Client) -> None:
        self.clients = {c.client_id: c for c in clients}

    async def find_client(self, client_id: str) -> Client | None:
        return self.clients.get(client_id)


STORE: Store = Clients(  # type: ignore[assignment]
    make("web", "web", SECRET),
    make("a:b%c", "web", "p:ss w%rd"),
    make("ios", "ios"),
    make("android", "android"),
    make("desktop", "desktop", SECRET),
)


def basic(client_id: str, secret: str) -> str:
    # RFC 6749 2.3.1: each part form-urlencoded, then base64.
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
    return "Basic " + base64.b64encode(raw.encode()).decode()


async def test_client_secret_post() -> None:
    auth = await authenticate_client(STORE, {"client_id": "web", "client_secret": SECRET}, None)
    assert auth.client.client_id == "web"
    assert auth.with_secret is True


async def test_client_secret_basic() -> None:
    auth = await authenticate_client(STORE, {}, basic("web", SECRET))
    assert auth.client.client_id == "web"
    assert auth.with_secret is True


async def test_client_secret_basic_parts_are_form_decoded() -> None:
    auth = await authenticate_client(STORE, {}, basic("a:b%c", "p:ss w%rd"))
    assert auth.client.client_id == "a:b%c"


async def test_client_secret_basic_scheme_is_case_insensitive() -> None:
    header = basic("web", SECRET).replace("Basic", "basic")
    assert (await authenticate_client(STORE, {}, header)).with_secret


async def test_client_secret_basic_with_the_same_client_id_in_the_body() -> None:
    auth = await authenticate_client(STORE, {"client_id": "web"}, basic("web", SECRET))
    assert auth.client.client_id == "web"


async def test_client_secret_basic_with_another_client_id_in_the_body_is_refused() -> None:
    with pytest.raises(InvalidClient):
        await authenticate_client(STORE, {"client_id": "desktop"}, basic("web", SECRET))


async def test_both_methods_at_once_are_refused() -> None:
    with pytest.raises(InvalidRequest) as caught:
        await authenticate_client(STORE, {"client_secret": SECRET}, basic("web", SECRET))
    assert caught.value.description == "Only one client authentication method may be used"
    assert caught.value.status == 400


@pytest.mark.parametrize(
    "header", ["Basic !!!notbase64", "Basic " + base64.b64encode(b"no-colon").decode()]
)
async def test_malformed_basic_header_is_invalid_client(header: str) -> None:
    with pytest.raises(InvalidClient) as caught:
        await authenticate_client(STORE, {}, header)
    assert caught.value.status == 401


async def test_bearer_header_is_not_client_authentication() -> None:
    form = {"client_id": "web", "client_secret": SECRET}
    auth = await authenticate_client(STORE, form, "Bearer ya29.something")
    assert auth.client.client_id == "web"


async def test_wrong_secret_is_unauthorized() -> None:
    with pytest.raises(InvalidClient) as caught:
        await authenticate_client(STORE, {"client_id": "web", "client_secret": "nope"}, None)
    assert (caught.value.status, caught.value.description) == (401, "Unauthorized")


async def test_wrong_secret_in_basic_is_unauthorized() -> None:
    with pytest.raises(InvalidClient) as caught:
        await authenticate_client(STORE, {}, basic("web", SECRET + "x"))
    assert caught.value.description == "Unauthorized"


async def test_unknown_client_is_not_found() -> None:
    with pytest.raises(InvalidClient) as caught:
        await authenticate_client(STORE, {"client_id": "nobody", "client_secret": SECRET}, None)
    assert (caught.value.status, caught.value.description) == (
        401,
        "The OAuth client was not found.",
    )


@pytest.mark.parametrize("form", [{}, {"client_id": ""}, {"client_secret": SECRET}])
async def test_no_client_id_is_invalid_request(form: dict[str, str]) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await authenticate_client(STORE, form, None)
    assert caught.value.description == "Could not determine client ID from request."


@pytest.mark.parametrize("client_id", ["ios", "android", "desktop"])
async def test_public_clients_may_come_without_a_secret(client_id: str) -> None:
    auth = await authenticate_client(STORE, {"client_id": client_id}, None)
    assert auth.with_secret is False


@pytest.mark.parametrize("form", [{"client_id": "web"}, {"client_id": "web", "client_secret": ""}])
async def test_web_client_without_secret_is_unauthorized(form: dict[str, str]) -> None:
    with pytest.raises(InvalidClient) as caught:
        await authenticate_client(STORE, form, None)
    assert caught.value.description == "Unauthorized"


async def test_native_client_presenting_a_secret_is_unauthorized() -> None:
    with pytest.raises(InvalidClient):
        await authenticate_client(STORE, {"client_id": "ios", "client_secret": SECRET}, None)

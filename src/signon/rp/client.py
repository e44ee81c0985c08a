"""``OAuthClient``: code exchange, refresh, revoke, tokeninfo and userinfo against Google or signon.

Each call is built as a plain request description, then sent by a sync or an async httpx client,
so both flavours share every line of protocol logic.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final, Literal, NamedTuple
from urllib.parse import quote

import httpx

from signon.rp.errors import OAuthEndpointError, TokenEndpointError
from signon.rp.tokens import TokenSet, endpoint_error, parse_json_response, parse_token_response
from signon.rp.verify import GOOGLE_CERTS_URL, GOOGLE_ISSUERS, IdTokenVerifier

GOOGLE_TOKEN_URI: Final = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL)
GOOGLE_REVOKE_URI: Final = "https://oauth2.googleapis.com/revoke"
GOOGLE_TOKENINFO_URI: Final = "https://oauth2.googleapis.com/tokeninfo"
GOOGLE_USERINFO_URI: Final = "https://openidconnect.googleapis.com/v1/userinfo"
TIMEOUT: Final = 30.0

AuthMethod = Literal["client_secret_post", "client_secret_basic"]


class _Call(NamedTuple):
    method: str
    url: str
    data: dict[str, str] | None = None
    params: dict[str, str] | None = None
    headers: dict[str, str] | None = None
    token_endpoint: bool = False


class OAuthClient:
    """A confidential (or public, without a secret) OAuth client of Google or of signon.

    ``issuer="http://127.0.0.1:8080"`` derives every signon URL from one base (``/token``,
    ``/revoke``, ``/oauth2/v3/tokeninfo``, ``/oauth2/v3/userinfo``, ``/oauth2/v3/certs``);
    explicit ``*_uri`` arguments win over derived ones. Pass ``http``/``async_http`` clients to
    reuse connections (and in tests, ``httpx.MockTransport``); otherwise each call opens its own.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str | None = None,
        *,
        issuer: str | None = None,
        token_uri: str | None = None,
        revoke_uri: str | None = None,
        tokeninfo_uri: str | None = None,
        userinfo_uri: str | None = None,
        certs_url: str | None = None,
        auth_method: AuthMethod = "client_secret_post",
        http: httpx.Client | None = None,
        async_http: httpx.AsyncClient | None = None,
        verifier: IdTokenVerifier | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        base = issuer.rstrip("/") if issuer else None
        self.client_id = client_id
        self._secret = client_secret
        self.token_uri = token_uri or (f"{base}/token" if base else GOOGLE_TOKEN_URI)
        self.revoke_uri = revoke_uri or (f"{base}/revoke" if base else GOOGLE_REVOKE_URI)
        self.tokeninfo_uri = tokeninfo_uri or (
            f"{base}/oauth2/v3/tokeninfo" if base else GOOGLE_TOKENINFO_URI
        )
        self.userinfo_uri = userinfo_uri or (
            f"{base}/oauth2/v3/userinfo" if base else GOOGLE_USERINFO_URI
        )
        self.auth_method = auth_method
        self._http = http
        self._async_http = async_http
        self._clock = clock
        self.verifier = verifier or IdTokenVerifier(
            client_id,
            issuer=(base,) if base else GOOGLE_ISSUERS,
            certs_url=certs_url or (f"{base}/oauth2/v3/certs" if base else GOOGLE_CERTS_URL),
            clock=clock,
            http=http,
            async_http=async_http,
        )

    def __repr__(self) -> str:
        return f"OAuthClient(client_id={self.client_id!r}, token_uri={self.token_uri!r})"

    @classmethod
    def from_client_secrets(cls, data: Mapping[str, Any], **kwargs: Any) -> OAuthClient:
        """From the Cloud Console's ``client_secret.json`` shape: ``{"web"|"installed": {...}}``.

        Uses its ``client_id``, ``client_secret``, ``token_uri`` and (if present)
        ``auth_provider_x509_cert_url`` (v1/certs, a PEM map); keyword arguments override.
        """
        section = data.get("web") or data.get("installed")
        if not isinstance(section, Mapping) or not isinstance(section.get("client_id"), str):
            raise ValueError(
                'client secrets must look like {"web": {"client_id": ..., ...}} or '
                '{"installed": {...}} as downloaded from the console'
            )
        for key, arg in (("token_uri", "token_uri"), ("auth_provider_x509_cert_url", "certs_url")):
            if isinstance(section.get(key), str) and kwargs.get("issuer") is None:
                kwargs.setdefault(arg, section[key])
        return cls(section["client_id"], section.get("client_secret"), **kwargs)

    @classmethod
    def from_client_secrets_file(cls, path: str | Path, **kwargs: Any) -> OAuthClient:
        with open(path, encoding="utf-8") as file:
            return cls.from_client_secrets(json.load(file), **kwargs)

    # --- requests ---------------------------------------------------------------------------

    def _token_call(self, form: dict[str, str]) -> _Call:
        headers = {"Accept": "application/json"}
        if self._secret is not None and self.auth_method == "client_secret_basic":
            # RFC 6749 2.3.1: each part is form-urlencoded before being joined by ':'.
            pair = f"{quote(self.client_id, safe='')}:{quote(self._secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form["client_id"] = self.client_id
            if self._secret is not None:
                form["client_secret"] = self._secret
        return _Call("POST", self.token_uri, data=form, headers=headers, token_endpoint=True)

    def _exchange_call(self, code: str, redirect_uri: str, code_verifier: str | None) -> _Call:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if code_verifier:
            form["code_verifier"] = code_verifier
        return self._token_call(form)

    def _refresh_call(self, refresh_token: str, scope: str | Iterable[str] | None) -> _Call:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        if scope is not None:
            form["scope"] = scope if isinstance(scope, str) else " ".join(scope)
        return self._token_call(form)

    def _tokeninfo_call(self, id_token: str | None, access_token: str | None) -> _Call:
        if id_token is not None and access_token is None:
            params = {"id_token": id_token}
        elif access_token is not None and id_token is None:
            params = {"access_token": access_token}
        else:
            raise ValueError("pass exactly one of id_token= or access_token=")
        # POST keeps tokens out of URLs (and so out of access logs); seed 004: GET or POST.
        return _Call("POST", self.tokeninfo_uri, data=params)

    # --- transport --------------------------------------------------------------------------

    def _send(self, call: _Call) -> httpx.Response:
        try:
            if self._http is not None:
                return self._http.request(
                    call.method, call.url, data=call.data, params=call.params, headers=call.headers
                )
            with httpx.Client(timeout=TIMEOUT) as client:
                return client.request(
                    call.method, call.url, data=call.data, params=call.params, headers=call.headers
                )
        except httpx.HTTPError as exc:
            raise _network_error(call, exc) from exc

    async def _asend(self, call: _Call) -> httpx.Response:
        try:
            if self._async_http is not None:
                return await self._async_http.request(
                    call.method, call.url, data=call.data, params=call.params, headers=call.headers
                )
            async with httpx.AsyncClient(timeout=TIMEOUT) as client:
                return await client.request(
                    call.method, call.url, data=call.data, params=call.params, headers=call.headers
                )
        except httpx.HTTPError as exc:
            raise _network_error(call, exc) from exc

    # --- public API -------------------------------------------------------------------------

    def exchange_code(
        self,
        code: str,
        redirect_uri: str = "postmessage",
        code_verifier: str | None = None,
        *,
        nonce: str | None = None,
    ) -> TokenSet:
        """Exchange an authorization code. ``postmessage`` is right for codes from the JS popup
        flows (``grantOfflineAccess``, GIS ``initCodeClient``). The ID token is verified."""
        response = self._send(self._exchange_call(code, redirect_uri, code_verifier))
        tokens, id_token = parse_token_response(response, now=self._clock())
        if id_token is None:
            return tokens
        return dataclasses.replace(
            tokens, id_token_claims=self.verifier.verify(id_token, nonce=nonce)
        )

    async def aexchange_code(
        self,
        code: str,
        redirect_uri: str = "postmessage",
        code_verifier: str | None = None,
        *,
        nonce: str | None = None,
    ) -> TokenSet:
        response = await self._asend(self._exchange_call(code, redirect_uri, code_verifier))
        tokens, id_token = parse_token_response(response, now=self._clock())
        if id_token is None:
            return tokens
        claims = await self.verifier.averify(id_token, nonce=nonce)
        return dataclasses.replace(tokens, id_token_claims=claims)

    def refresh(self, refresh_token: str, scope: str | Iterable[str] | None = None) -> TokenSet:
        """A new access token (and ID token); ``scope`` may narrow the grant, never widen it."""
        response = self._send(self._refresh_call(refresh_token, scope))
        tokens, id_token = parse_token_response(
            response, now=self._clock(), refresh_token=refresh_token
        )
        if id_token is None:
            return tokens
        return dataclasses.replace(tokens, id_token_claims=self.verifier.verify(id_token))

    async def arefresh(
        self, refresh_token: str, scope: str | Iterable[str] | None = None
    ) -> TokenSet:
        response = await self._asend(self._refresh_call(refresh_token, scope))
        tokens, id_token = parse_token_response(
            response, now=self._clock(), refresh_token=refresh_token
        )
        if id_token is None:
            return tokens
        claims = await self.verifier.averify(id_token)
        return dataclasses.replace(tokens, id_token_claims=claims)

    def revoke(self, token: str) -> None:
        """Revoke an access or refresh token (revoking either ends the whole grant)."""
        _check_ok(self._send(_Call("POST", self.revoke_uri, data={"token": token})))

    async def arevoke(self, token: str) -> None:
        _check_ok(await self._asend(_Call("POST", self.revoke_uri, data={"token": token})))

    def tokeninfo(
        self, *, id_token: str | None = None, access_token: str | None = None
    ) -> dict[str, Any]:
        """The tokeninfo endpoint's JSON (all values are strings). For debugging and low volume:
        prefer :class:`IdTokenVerifier`, which needs no request per token."""
        return parse_json_response(self._send(self._tokeninfo_call(id_token, access_token)))

    async def atokeninfo(
        self, *, id_token: str | None = None, access_token: str | None = None
    ) -> dict[str, Any]:
        return parse_json_response(await self._asend(self._tokeninfo_call(id_token, access_token)))

    def userinfo(self, access_token: str) -> dict[str, Any]:
        """The OIDC userinfo claims for the user the access token was issued for."""
        return parse_json_response(self._send(_userinfo_call(self.userinfo_uri, access_token)))

    async def auserinfo(self, access_token: str) -> dict[str, Any]:
        return parse_json_response(
            await self._asend(_userinfo_call(self.userinfo_uri, access_token))
        )


def _userinfo_call(url: str, access_token: str) -> _Call:
    return _Call("GET", url, headers={"Authorization": f"Bearer {access_token}"})


def _check_ok(response: httpx.Response) -> None:
    if response.status_code != 200:
        raise endpoint_error(response)


def _network_error(call: _Call, exc: httpx.HTTPError) -> OAuthEndpointError:
    cls = TokenEndpointError if call.token_endpoint else OAuthEndpointError
    return cls("network_error", f"{call.method} {call.url} failed: {exc!r}", None)

"""The token endpoint's grants: authorization_code and refresh_token (both with the native
cross-client audience) (RFC 6749 4.1.3, 6; spec 1.4 for Google's answers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from signon.errors import (
    InvalidAudience,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    RedirectUriMismatch,
    UnauthorizedClient,
)
from signon.keys.keyring import Keyring
from signon.protocol.client_auth import AuthenticatedClient
from signon.protocol.id_token import mint_id_token
from signon.protocol.ids import hash_secret, new_code, new_opaque_id
from signon.protocol.pkce import check_verifier
from signon.protocol.responses import CODE_LIFETIME
from signon.protocol.scopes import OPENID, normalise_scopes, scope_string
from signon.protocol.tokens import ACCESS_TOKEN_LIFETIME, Minted, find_live_token, mint_token
from signon.storage.records import AuthCode, Client, Token
from signon.storage.store import Store

__all__ = ["TokenContext", "exchange_code", "refresh_access_token"]

EXPIRED_OR_REVOKED = "Token has been expired or revoked."


@dataclass(frozen=True, slots=True)
class TokenContext:
    store: Store
    keyring: Keyring
    issuer: str
    now: int
    refresh_idle: int = 183 * 24 * 3600  # Settings.refresh_token_idle_seconds
    refresh_cap: int = 100  # Settings.refresh_tokens_per_client


async def _audience_client(tc: TokenContext, client: Client, audience: str | None) -> Client | None:
    """Seed 003: a native client may ask for tokens whose audience is its project's server."""
    if not audience or audience == client.client_id:
        return None
    server = await tc.store.find_client(audience)
    if (
        client.type not in ("ios", "android")
        or server is None
        or server.type != "web"
        or server.project != client.project
    ):
        raise InvalidAudience()
    return server


async def exchange_code(
    tc: TokenContext, auth: AuthenticatedClient, form: Mapping[str, str]
) -> dict[str, Any]:
    code_value = form.get("code")
    if not code_value:
        raise InvalidRequest("Missing required parameter: code")
    if "redirect_uri" not in form:
        raise InvalidRequest("Missing required parameter: redirect_uri")
    redirect_uri = form["redirect_uri"]
    verifier = form.get("code_verifier") or None  # older Node clients send an empty one
    server = await _audience_client(tc, auth.client, form.get("audience"))
    minted: list[Minted] = []
    server_code: list[str] = []

    def issue(code: AuthCode) -> Sequence[Token | AuthCode]:
        # Runs inside the store's transaction: raising here leaves the code unconsumed, so
        # a thief without the verifier cannot burn the legitimate client's code. It may run
        # twice (the store re-runs a transaction PostgreSQL rolled back for a deadlock): only
        # the last run's tokens were saved, so only they are kept.
        minted.clear()
        server_code.clear()
        if code.client_id != auth.client.client_id:
            raise InvalidGrant("Bad Request")
        if not _redirect_uri_matches(code, redirect_uri, auth.client):
            raise RedirectUriMismatch("Bad Request")
        check_verifier(code.code_challenge, code.code_challenge_method, verifier)
        if not auth.with_secret and code.code_challenge is None:
            raise InvalidGrant("Bad Request")  # RFC 9700 2.1.1: public clients need PKCE
        common = dict(
            client_id=code.client_id,
            user_sub=code.user_sub,
            grant_id=code.grant_id,
            family_id=code.family,
            scopes=code.scopes,
            now=tc.now,
            offline=code.offline,
            azp=code.azp,
        )
        minted.append(mint_token("access", **common))  # type: ignore[arg-type]
        if code.issue_refresh:
            minted.append(mint_token("refresh", **common))  # type: ignore[arg-type]
        issued: list[Token | AuthCode] = [m.record for m in minted]
        if server is not None:  # written with the tokens: a replay cannot come in between
            value, record = _server_code(tc, code, server)
            server_code.append(value)
            issued.append(record)
        return issued

    result = await tc.store.consume_code(
        hash_secret(code_value), tc.now, issue, refresh_cap=tc.refresh_cap
    )
    if result.status != "ok" or result.code is None:
        raise InvalidGrant("Bad Request")
    code = result.code
    body = _token_body(minted, code.scopes)
    if OPENID in code.scopes:
        user = await tc.store.find_user(code.user_sub)
        if user is None:
            raise InvalidGrant("Bad Request")
        body["id_token"] = mint_id_token(
            tc.keyring,
            issuer=tc.issuer,
            user=user,
            audience=server.client_id if server else code.client_id,
            azp=code.azp or code.client_id,
            scopes=code.scopes,
            now=tc.now,
            nonce=code.nonce,
            access_token=minted[0].value,
        )
    if server_code:
        body["server_code"] = server_code[0]
    return body


def _redirect_uri_matches(code: AuthCode, redirect_uri: str, client: Client) -> bool:
    """RFC 6749 4.1.3: the exchange names the redirect URI the code was sent to, exactly.

    A server code (seed 003's serverAuthCode, stored with redirect_uri "") was never sent to a
    redirect URI: it reached the server inside the native app's token response. Seed 003's
    samples exchange it with "the same redirect URI that you use with your web app", "an empty
    string", or oauth2client's default "postmessage"; each is accepted for such a code (and a
    URI must be one the server client registered). The binding the check exists for does not
    apply: only the server client, with its secret, can redeem the code."""
    if code.redirect_uri == "" and code.azp is not None:
        return redirect_uri in ("", "postmessage") or redirect_uri in client.redirect_uris
    return code.redirect_uri == redirect_uri


def _server_code(tc: TokenContext, code: AuthCode, server: Client) -> tuple[str, AuthCode]:
    """A one-time code for the server client (seed 003's serverAuthCode), exchanged by the
    server with its own secret (see _redirect_uri_matches for its redirect URI). It yields a
    refresh token."""
    value = new_code()
    return value, AuthCode(
        code_hash=hash_secret(value),
        code_id=new_opaque_id(),
        client_id=server.client_id,
        user_sub=code.user_sub,
        grant_id=code.grant_id,
        redirect_uri="",
        scopes=code.scopes,
        created_at=tc.now,
        expires_at=tc.now + CODE_LIFETIME,
        auth_time=code.auth_time,
        offline=True,
        issue_refresh=True,
        azp=code.client_id,
        family_id=code.family,
    )


def _token_body(minted: list[Minted], scopes: Sequence[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "access_token": minted[0].value,
        "expires_in": ACCESS_TOKEN_LIFETIME,
        "scope": scope_string(scopes),
        "token_type": "Bearer",
    }
    if len(minted) > 1:
        body["refresh_token"] = minted[1].value
    return body


async def refresh_access_token(
    tc: TokenContext, auth: AuthenticatedClient, form: Mapping[str, str]
) -> dict[str, Any]:
    value = form.get("refresh_token")
    if not value:
        raise InvalidRequest("Missing required parameter: refresh_token")
    token = await find_live_token(tc.store, value, tc.now, "refresh")
    if token is None or tc.now >= (token.last_used_at or token.created_at) + tc.refresh_idle:
        raise InvalidGrant(EXPIRED_OR_REVOKED)
    if token.client_id != auth.client.client_id:
        raise UnauthorizedClient("Unauthorized")
    # GoogleSignIn-iOS sends its server client ID again with every refresh: the new ID token is
    # for the server, as the first one was (spec 2.3).
    server = await _audience_client(tc, auth.client, form.get("audience"))
    user = await tc.store.find_user(token.user_sub)
    if user is None:
        raise InvalidGrant(EXPIRED_OR_REVOKED)
    scopes: tuple[str, ...] = token.scopes
    if form.get("scope"):
        narrowed = normalise_scopes(form["scope"], api_scopes=True)  # a subset check follows
        if not set(narrowed) <= set(token.scopes):
            raise InvalidScope("Some requested scopes were not granted by the refresh token.")
        scopes = narrowed
    access = mint_token(
        "access",
        client_id=token.client_id,
        user_sub=token.user_sub,
        grant_id=token.grant_id,
        family_id=token.family_id,
        scopes=scopes,
        now=tc.now,
        offline=True,
        azp=token.azp,
    )
    if not await tc.store.save_tokens([access.record], parent=token.token_hash):
        raise InvalidGrant(EXPIRED_OR_REVOKED)  # revoked while this request ran
    body = _token_body([access], scopes)
    if OPENID in scopes:
        body["id_token"] = mint_id_token(
            tc.keyring,
            issuer=tc.issuer,
            user=user,
            audience=server.client_id if server else token.client_id,
            azp=token.azp or token.client_id,
            scopes=scopes,
            now=tc.now,
            access_token=access.value,
        )
    return body

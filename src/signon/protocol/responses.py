"""Building the authorization response once the user is known and has consented."""

from __future__ import annotations

from dataclasses import dataclass

from signon.errors import AccessDenied
from signon.keys.keyring import Keyring
from signon.protocol.authorize import AuthRequest
from signon.protocol.clients import INSTALLED_TYPES
from signon.protocol.id_token import mint_id_token
from signon.protocol.ids import hash_secret, new_code, new_opaque_id
from signon.protocol.scopes import (
    OFFLINE,
    OPENID,
    is_api_scope,
    redirect_scope_string,
    scope_string,
)
from signon.protocol.tokens import ACCESS_TOKEN_LIFETIME, mint_token
from signon.storage.records import AuthCode, Grant, User
from signon.storage.store import Store

__all__ = ["CODE_LIFETIME", "AuthorizationResult", "issue_authorization"]

CODE_LIFETIME = 600  # RFC 6749 4.1.2: "a maximum authorization code lifetime of 10 minutes"


@dataclass(frozen=True, slots=True)
class AuthorizationResult:
    params: dict[str, str]


async def issue_authorization(
    store: Store,
    keyring: Keyring,
    *,
    issuer: str,
    request: AuthRequest,
    user: User,
    grant: Grant,
    authuser: int,
    consented_now: bool,
    now: int,
) -> AuthorizationResult:
    scopes = set(request.scopes)
    if request.include_granted_scopes:
        # A grant may hold Google API scopes from the emulator (the same database used with
        # and without --emulator, or an import): outside it they are never issued.
        scopes |= {
            s for s in grant.scopes if s != OFFLINE and (request.api_scopes or not is_api_scope(s))
        }
    scope_list = tuple(sorted(scopes))
    client_id = request.client.client_id
    params: dict[str, str] = {}
    if request.state is not None:
        params["state"] = request.state
    code_value: str | None = None
    access_value: str | None = None
    if "code" in request.response_types:
        code_value = new_code()
        await store.save_code(
            AuthCode(
                code_hash=hash_secret(code_value),
                code_id=new_opaque_id(),
                client_id=client_id,
                user_sub=user.sub,
                grant_id=grant.grant_id,
                redirect_uri=request.redirect_uri,
                scopes=scope_list,
                created_at=now,
                expires_at=now + CODE_LIFETIME,
                auth_time=now,
                nonce=request.nonce,
                code_challenge=request.code_challenge,
                code_challenge_method=request.code_challenge_method,
                offline=request.offline,
                # Google: a refresh token on the first offline consent, or with prompt=consent;
                # an installed app gets one with every code (it has no server to keep one).
                issue_refresh=request.offline
                and (consented_now or request.client.type in INSTALLED_TYPES),
            )
        )
        params["code"] = code_value
    if "token" in request.response_types:
        minted = mint_token(
            "access",
            client_id=client_id,
            user_sub=user.sub,
            grant_id=grant.grant_id,
            family_id=new_opaque_id(),
            scopes=scope_list,
            now=now,
        )
        if not await store.save_tokens([minted.record], live_grant=True):
            # The grant was revoked (Remove access, /revoke) while this request was answered.
            raise AccessDenied("The user removed the app's access. Start again.")
        access_value = minted.value
        params["access_token"] = minted.value
        params["token_type"] = "Bearer"  # noqa: S105 - not a secret
        params["expires_in"] = str(ACCESS_TOKEN_LIFETIME)
    if "id_token" in request.response_types and OPENID in scopes:
        params["id_token"] = mint_id_token(
            keyring,
            issuer=issuer,
            user=user,
            audience=client_id,
            azp=client_id,
            scopes=scope_list,
            now=now,
            nonce=request.nonce,
            access_token=access_value,
            code=code_value,
        )
    params["scope"] = (
        redirect_scope_string(request.raw_scope, scope_list)
        if code_value is not None
        else scope_string(scope_list)
    )
    params["authuser"] = str(authuser)
    if user.hd:
        params["hd"] = user.hd
    params["prompt"] = "consent" if consented_now else "none"
    params["iss"] = issuer  # RFC 9207: lets the client detect mix-up attacks
    return AuthorizationResult(params)

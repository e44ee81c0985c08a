"""The records signon stores. Frozen, so a record read from the store cannot drift from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "AuthCode",
    "BrowserSession",
    "Client",
    "ClientType",
    "Grant",
    "Project",
    "SigningKey",
    "Token",
    "TokenKind",
    "User",
]

ClientType = Literal["web", "ios", "android", "desktop"]
TokenKind = Literal["access", "refresh"]


@dataclass(frozen=True, slots=True)
class User:
    sub: str  # 21 decimal digits, stable, never reused
    email: str  # stored lower-cased
    email_verified: bool = True
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    picture: str | None = None
    locale: str | None = None
    hd: str | None = None  # hosted (Workspace) domain, absent for consumer accounts
    password_hash: str | None = field(default=None, repr=False)
    is_admin: bool = False
    custom_claims: dict[str, Any] = field(default_factory=dict)
    created_at: int = 0


@dataclass(frozen=True, slots=True)
class Project:
    name: str  # the project ID people type, e.g. "default"
    number: str  # 12 digits, the prefix of its client IDs
    app_name: str | None = None  # shown on the consent page
    support_email: str | None = None
    logo_url: str | None = None
    homepage_url: str | None = None
    privacy_url: str | None = None
    created_at: int = 0


@dataclass(frozen=True, slots=True)
class Client:
    client_id: str
    project: str
    name: str
    type: ClientType
    secret_hash: str | None = field(default=None, repr=False)  # None: public client
    origins: tuple[str, ...] = ()
    redirect_uris: tuple[str, ...] = ()
    auto_consent: bool = False
    created_at: int = 0

    @property
    def is_public(self) -> bool:
        return self.secret_hash is None


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    private_key: str = field(repr=False)  # PKCS#8 PEM, or "v1:..." when encrypted at rest
    certificate_pem: str = ""
    created_at: int = 0
    activates_at: int = 0  # signs from this time on (unless a newer key has activated)
    publish_until: int | None = None  # set when a newer key replaces it


@dataclass(frozen=True, slots=True)
class BrowserSession:
    id_hash: str
    created_at: int
    last_seen_at: int
    expires_at: int
    user_agent: str = ""
    accounts: tuple[str, ...] = ()  # user subs, index = Google's `authuser`


@dataclass(frozen=True, slots=True)
class Grant:
    grant_id: str
    user_sub: str
    client_id: str
    scopes: tuple[str, ...]
    created_at: int
    updated_at: int
    revoked_at: int | None = None


@dataclass(frozen=True, slots=True)
class AuthCode:
    code_hash: str
    code_id: str  # names the family of tokens issued from this code (revoked on replay)
    client_id: str
    user_sub: str
    grant_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    created_at: int
    expires_at: int
    auth_time: int
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    offline: bool = False  # access_type=offline
    issue_refresh: bool = False  # first offline consent, or prompt=consent
    azp: str | None = None  # native cross-client: the native client that asked for this code
    consumed_at: int | None = None
    # A server code (issued by a native client's exchange) joins the native code's family: a
    # replay of either code revokes the tokens of both exchanges, and consumes the other code.
    family_id: str | None = None

    @property
    def family(self) -> str:
        """The family of the tokens issued from this code."""
        return self.family_id or self.code_id


@dataclass(frozen=True, slots=True)
class Token:
    token_hash: str
    kind: TokenKind
    client_id: str
    user_sub: str
    grant_id: str
    family_id: str
    scopes: tuple[str, ...]
    created_at: int
    expires_at: int | None
    offline: bool = False
    azp: str | None = None
    revoked_at: int | None = None
    # Refresh tokens: when an access token was last issued from it (None: never since created).
    last_used_at: int | None = None

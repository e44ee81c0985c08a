"""Tables, in SQLAlchemy Core. Migrations (alembic, `versions/`) are written from these."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("sub", String(32), primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("email_verified", Boolean, nullable=False),
    Column("name", Text),
    Column("given_name", Text),
    Column("family_name", Text),
    Column("picture", Text),
    Column("locale", String(35)),
    Column("hd", String(255)),
    Column("password_hash", Text),
    Column("is_admin", Boolean, nullable=False),
    Column("custom_claims", Text, nullable=False),  # JSON object
    Column("created_at", BigInteger, nullable=False),
)

projects = Table(
    "projects",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("number", String(20), nullable=False, unique=True),
    Column("app_name", Text),
    Column("support_email", Text),
    Column("logo_url", Text),
    Column("homepage_url", Text),
    Column("privacy_url", Text),
    Column("created_at", BigInteger, nullable=False),
)

clients = Table(
    "clients",
    metadata,
    Column("client_id", String(255), primary_key=True),
    Column("project", String(64), ForeignKey("projects.name"), nullable=False),
    Column("name", Text, nullable=False),
    Column("type", String(16), nullable=False),
    Column("secret_hash", String(64)),
    Column("origins", Text, nullable=False),  # JSON list
    Column("redirect_uris", Text, nullable=False),  # JSON list
    Column("auto_consent", Boolean, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("private_key", Text, nullable=False),
    Column("certificate_pem", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("activates_at", BigInteger, nullable=False),
    Column("publish_until", BigInteger),
)

instance_secrets = Table(
    "instance_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

browser_sessions = Table(
    "browser_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("created_at", BigInteger, nullable=False),
    Column("last_seen_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("user_agent", Text, nullable=False),
)

session_accounts = Table(
    "session_accounts",
    metadata,
    Column(
        "session_hash",
        String(64),
        ForeignKey("browser_sessions.id_hash", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_sub", String(32), ForeignKey("users.sub", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("signed_in_at", BigInteger, nullable=False),
    Index("ix_session_accounts_user", "user_sub"),
)

# Failed password checks, per (account, client IP) and per client IP, in a sliding window: the
# sign-in throttle (accounts/throttle.py). Keys are SHA-256 hex: no email or IP is stored.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("first_at", BigInteger, nullable=False),
    Column("last_at", BigInteger, nullable=False, index=True),
)

grants = Table(
    "grants",
    metadata,
    Column("grant_id", String(64), primary_key=True),
    Column("user_sub", String(32), ForeignKey("users.sub", ondelete="CASCADE"), nullable=False),
    Column(
        "client_id",
        String(255),
        ForeignKey("clients.client_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("scopes", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger),
    UniqueConstraint("user_sub", "client_id", name="uq_grants_user_client"),
)

auth_codes = Table(
    "auth_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("code_id", String(64), nullable=False, unique=True),
    Column("client_id", String(255), nullable=False),
    Column("user_sub", String(32), nullable=False),
    Column("grant_id", String(64), nullable=False, index=True),
    Column("redirect_uri", Text, nullable=False),
    Column("scopes", Text, nullable=False),
    Column("nonce", Text),
    Column("code_challenge", String(128)),
    Column("code_challenge_method", String(8)),
    Column("offline", Boolean, nullable=False),
    Column("issue_refresh", Boolean, nullable=False),
    Column("azp", String(255)),
    Column("auth_time", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("consumed_at", BigInteger),
    # A server code's (native cross-client): the code_id of the native code it came from.
    Column("family_id", String(64), index=True),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("client_id", String(255), nullable=False),
    Column("user_sub", String(32), nullable=False),
    Column("grant_id", String(64), nullable=False, index=True),
    Column("family_id", String(64), nullable=False, index=True),
    Column("scopes", Text, nullable=False),
    Column("offline", Boolean, nullable=False),
    Column("azp", String(255)),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger),
    Column("revoked_at", BigInteger),
    Column("last_used_at", BigInteger),  # refresh tokens: idle expiry (migration 0002)
    Index("ix_tokens_user_client", "user_sub", "client_id"),  # the per-user, per-client cap
)

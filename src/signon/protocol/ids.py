"""Identifiers and credentials in Google's shapes, and how secrets are stored.

Code written for Google sometimes checks these shapes (shared/DESIGN.md), so we keep them:
sub of 21 digits, client IDs `NNNN-xxxx.apps.googleusercontent.com`, secrets `GOCSPX-...`,
codes `4/0A...`, refresh tokens `1//0...`, access tokens `ya29.a0...`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

__all__ = [
    "CLIENT_ID_SUFFIX",
    "hash_secret",
    "new_access_token",
    "new_client_id",
    "new_client_secret",
    "new_code",
    "new_opaque_id",
    "new_project_number",
    "new_refresh_token",
    "new_sub",
    "secrets_equal",
]

CLIENT_ID_SUFFIX = ".apps.googleusercontent.com"
_LOWER_ALNUM = string.ascii_lowercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits + "-_"


def _digits(n: int) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(n))


def new_sub() -> str:
    # Google's subjects are 21 digits starting with 1; never reused.
    return "1" + _digits(20)


def new_project_number() -> str:
    return secrets.choice("123456789") + _digits(11)


def new_client_id(project_number: str) -> str:
    tail = "".join(secrets.choice(_LOWER_ALNUM) for _ in range(32))
    return f"{project_number}-{tail}{CLIENT_ID_SUFFIX}"


def new_client_secret() -> str:
    return "GOCSPX-" + "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(28))


def new_code() -> str:
    return "4/0A" + secrets.token_urlsafe(54)


def new_access_token() -> str:
    return "ya29.a0" + secrets.token_urlsafe(96)


def new_refresh_token() -> str:
    return "1//0" + secrets.token_urlsafe(72)


def new_opaque_id() -> str:
    return secrets.token_hex(16)


def hash_secret(value: str) -> str:
    """SHA-256 of a high-entropy credential (code, token, client secret, session id).

    These values carry 256+ random bits, so a fast unsalted hash is enough to make a stolen
    database useless (RFC 9700 4.14: store credentials in a form that does not allow replay).
    """
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def secrets_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))

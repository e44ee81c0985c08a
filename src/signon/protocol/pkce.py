"""PKCE (RFC 7636). `plain` is accepted because Google accepts it (and defaults to it when a
challenge comes without a method); S256 is what every current client sends."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from signon.errors import InvalidGrant, InvalidRequest

__all__ = ["check_challenge", "check_verifier"]

# RFC 7636 4.1 / 4.2. Matched with fullmatch: "$" would also match before a final "\n".
_VALUE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def check_challenge(challenge: str | None, method: str | None) -> tuple[str | None, str | None]:
    """The (challenge, method) to store with the code; method defaults to plain (Google)."""
    if not challenge:
        if method:
            raise InvalidRequest("Missing required parameter: code_challenge")
        return None, None
    method = method or "plain"
    if method not in ("S256", "plain"):
        raise InvalidRequest(f"Invalid code_challenge_method: {method}")
    if not _VALUE.fullmatch(challenge):
        raise InvalidRequest("Invalid code_challenge")
    return challenge, method


def check_verifier(challenge: str | None, method: str | None, verifier: str | None) -> None:
    """Raise InvalidGrant with Google's messages unless the verifier matches the challenge."""
    if not challenge:
        if verifier:
            raise InvalidGrant("code_verifier or verifier is not needed")
        return
    if not verifier:
        raise InvalidGrant("Missing code verifier.")
    if not _VALUE.fullmatch(verifier):
        raise InvalidGrant("Invalid code verifier.")
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    else:
        computed = verifier
    if not hmac.compare_digest(computed.encode("ascii"), challenge.encode("ascii")):
        raise InvalidGrant("Invalid code verifier.")

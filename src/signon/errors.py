"""One class per OAuth 2.0 / OpenID Connect error code.

Raise them anywhere in the protocol core; exactly one place (http/errors.py) renders them: as
JSON for API callers, as a redirect with `error` and `state` from the authorization endpoint, as
an HTML page for a person. `description` is what the client sees; internal errors say nothing.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AccessDenied",
    "AccountSelectionRequired",
    "ConsentRequired",
    "InteractionRequired",
    "InvalidAudience",
    "InvalidClient",
    "InvalidGrant",
    "InvalidRequest",
    "InvalidRequestObject",
    "InvalidScope",
    "InvalidToken",
    "LoginRequired",
    "OAuthError",
    "RedirectUriMismatch",
    "ServerError",
    "TemporarilyUnavailable",
    "UnauthorizedClient",
    "UnsupportedGrantType",
    "UnsupportedResponseType",
]


class OAuthError(Exception):
    error: ClassVar[str] = "invalid_request"
    status: ClassVar[int] = 400
    default_description: ClassVar[str] = "Bad Request"

    def __init__(self, description: str | None = None) -> None:
        self.description = description or self.default_description
        super().__init__(self.description)

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


class InvalidRequest(OAuthError):
    error = "invalid_request"


class InvalidClient(OAuthError):
    error = "invalid_client"
    status = 401
    default_description = "Unauthorized"


class InvalidGrant(OAuthError):
    error = "invalid_grant"


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"
    status = 401
    default_description = "Unauthorized"


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"
    default_description = "Invalid grant_type"


class UnsupportedResponseType(OAuthError):
    error = "unsupported_response_type"


class InvalidScope(OAuthError):
    error = "invalid_scope"


class AccessDenied(OAuthError):
    error = "access_denied"
    status = 403


class ServerError(OAuthError):
    error = "server_error"
    status = 500
    default_description = "Internal error"


class TemporarilyUnavailable(OAuthError):
    error = "temporarily_unavailable"
    status = 503
    default_description = "The service is temporarily unavailable. Try again shortly."


class RedirectUriMismatch(OAuthError):
    error = "redirect_uri_mismatch"


class LoginRequired(OAuthError):
    error = "login_required"


class ConsentRequired(OAuthError):
    error = "consent_required"


class InteractionRequired(OAuthError):
    error = "interaction_required"


class AccountSelectionRequired(OAuthError):
    error = "account_selection_required"


class InvalidToken(OAuthError):
    error = "invalid_token"
    default_description = "Invalid Value"


class InvalidAudience(OAuthError):
    error = "invalid_audience"
    default_description = "Audience is not a valid client ID."


class InvalidRequestObject(OAuthError):
    error = "invalid_request_object"

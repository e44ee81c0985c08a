"""Every failure ``signon.rp`` raises: one base, one class per cause, messages saying what to do."""

from __future__ import annotations


class RpError(Exception):
    """Base class of every error raised by ``signon.rp``."""


class IdTokenError(RpError):
    """The ID token was not accepted. Treat the user as not signed in."""


class Malformed(IdTokenError):
    """Not a compact JWS with a JSON header and payload, or a required claim is missing."""


class UnsupportedAlgorithm(IdTokenError):
    """The header names an algorithm other than RS256; no key was used."""


class UnknownKey(IdTokenError):
    """The header's ``kid`` is not in the issuer's published key set, even after a refetch."""


class InvalidSignature(IdTokenError):
    """The RS256 signature does not verify with the key named by ``kid``."""


class Expired(IdTokenError):
    """``exp`` (plus leeway) is in the past."""


class NotYetValid(IdTokenError):
    """``iat`` or ``nbf`` is in the future beyond the leeway."""


class WrongIssuer(IdTokenError):
    """``iss`` is not one of the accepted issuers."""


class WrongAudience(IdTokenError):
    """``aud`` names none of the accepted client IDs."""


class WrongAuthorizedParty(IdTokenError):
    """``azp`` is not the expected authorized party."""


class WrongHostedDomain(IdTokenError):
    """``hd`` is missing or is not the expected Google Workspace domain."""


class WrongNonce(IdTokenError):
    """``nonce`` is missing or differs from the one the sign-in request carried."""


class CertsUnavailable(IdTokenError):
    """The issuer's signing keys could not be fetched and none are cached."""


class OAuthEndpointError(RpError):
    """An OAuth endpoint (revoke, tokeninfo, userinfo) refused the request or was unreachable.

    ``status`` is the HTTP status, or ``None`` when no response arrived (``error`` is then
    ``"network_error"``).
    """

    def __init__(self, error: str, error_description: str | None, status: int | None) -> None:
        self.error = error
        self.error_description = error_description
        self.status = status
        detail = f": {error_description}" if error_description else ""
        super().__init__(f"{error}{detail} (HTTP {status if status is not None else 'n/a'})")


class TokenEndpointError(OAuthEndpointError):
    """The token endpoint answered an OAuth error (``invalid_grant``, ``invalid_client``...)."""


class RequestRefused(RpError):
    """A backend helper refused an incoming request; answer it with ``status`` and ``str(exc)``."""

    status = 400


class BodyTooLarge(RequestRefused):
    """The request body is over ``helpers.MAX_BODY`` (HTTP 413); it was not read past that."""

    status = 413


class CsrfCheckFailed(RequestRefused):
    """The Sign In With Google double-submit-cookie check failed (HTTP 400)."""


class MissingRequestedWith(RequestRefused):
    """``X-Requested-With`` is absent, so the request may be a cross-site forgery (HTTP 403)."""

    status = 403


class MissingField(RequestRefused):
    """A required field (``idtoken``, ``credential``, the code body) is absent (HTTP 400)."""

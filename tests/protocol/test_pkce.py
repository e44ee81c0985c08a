"""PKCE (RFC 7636) with Google's defaults and error messages."""

from __future__ import annotations

import pytest

from signon.errors import InvalidGrant, InvalidRequest
from signon.protocol.pkce import check_challenge, check_verifier

# RFC 7636 appendix B.
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_check_challenge_without_challenge_stores_nothing() -> None:
    assert check_challenge(None, None) == (None, None)


def test_check_challenge_method_defaults_to_plain() -> None:
    assert check_challenge(CHALLENGE, None) == (CHALLENGE, "plain")


@pytest.mark.parametrize("method", ["S256", "plain"])
def test_check_challenge_accepts_both_methods(method: str) -> None:
    assert check_challenge(CHALLENGE, method) == (CHALLENGE, method)


@pytest.mark.parametrize("method", ["s256", "S512", "none"])
def test_check_challenge_refuses_other_methods(method: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        check_challenge(CHALLENGE, method)
    assert caught.value.description == f"Invalid code_challenge_method: {method}"


@pytest.mark.parametrize(
    "challenge", ["a" * 42, "a" * 129, "a" * 42 + "+", "a" * 42 + "=", "a" * 43 + "\n"]
)
def test_check_challenge_refuses_malformed_challenges(challenge: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        check_challenge(challenge, "S256")
    assert caught.value.description == "Invalid code_challenge"


@pytest.mark.parametrize("challenge", ["a" * 43, "a" * 128, "-._~" * 11])
def test_check_challenge_accepts_the_rfc_alphabet_and_lengths(challenge: str) -> None:
    assert check_challenge(challenge, "plain") == (challenge, "plain")


def test_check_challenge_method_without_challenge_is_refused() -> None:
    with pytest.raises(InvalidRequest) as caught:
        check_challenge(None, "S256")
    assert caught.value.description == "Missing required parameter: code_challenge"


def test_check_verifier_s256_rfc_vector() -> None:
    check_verifier(CHALLENGE, "S256", VERIFIER)


def test_check_verifier_plain() -> None:
    check_verifier(VERIFIER, "plain", VERIFIER)


def test_check_verifier_no_challenge_no_verifier() -> None:
    check_verifier(None, None, None)


@pytest.mark.parametrize(
    ("challenge", "method", "verifier", "message"),
    [
        (CHALLENGE, "S256", None, "Missing code verifier."),
        (CHALLENGE, "S256", "", "Missing code verifier."),
        (CHALLENGE, "S256", "x" * 43, "Invalid code verifier."),
        (CHALLENGE, "S256", CHALLENGE, "Invalid code verifier."),  # the challenge itself
        (CHALLENGE, "plain", VERIFIER, "Invalid code verifier."),  # S256's verifier
        (CHALLENGE, "S256", "short", "Invalid code verifier."),
        (CHALLENGE, "S256", VERIFIER + "é", "Invalid code verifier."),
        # "$" matches before a final newline: the whole value must match.
        (VERIFIER + "\n", "plain", VERIFIER + "\n", "Invalid code verifier."),
        (None, None, VERIFIER, "code_verifier or verifier is not needed"),
    ],
)
def test_check_verifier_refuses_with_google_messages(
    challenge: str | None, method: str | None, verifier: str | None, message: str
) -> None:
    with pytest.raises(InvalidGrant) as caught:
        check_verifier(challenge, method, verifier)
    assert caught.value.error == "invalid_grant"
    assert caught.value.description == message

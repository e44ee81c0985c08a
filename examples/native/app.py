"""Seed 003 without an iPhone: a command-line "installed app" that signs in as an iOS client
with a server client ID, the way GIDSignIn does, and hands the server auth code to its backend.

1. It builds the authorization request GIDSignIn sends: the iOS client ID, PKCE (S256), and the
   reversed-client-ID redirect `com.googleusercontent.apps.<id>:/oauth2redirect`.
2. A person signs in in a browser. An iPhone hands that redirect back to the app (through
   ASWebAuthenticationSession); a terminal cannot own a URL scheme, so this app asks for the
   address the browser was sent to, on standard input (see README.md).
3. It redeems the code itself, as GIDSignIn does: PKCE verifier, no secret, and
   `audience=<server client ID>`. The answer holds an ID token whose `aud` is the server and
   `azp` this app, and `server_code` (GIDGoogleUser.serverAuthCode).
4. It POSTs the server auth code to the backend, which exchanges it with its own secret.

    python examples/native/app.py --issuer http://127.0.0.1:8080 --client-id IOS_CLIENT_ID \\
        --server-client-id SERVER_CLIENT_ID --backend http://127.0.0.1:8003
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import secrets
import sys
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

SUFFIX = ".apps.googleusercontent.com"


def reversed_client_id(client_id: str) -> str:
    return "com.googleusercontent.apps." + client_id.removesuffix(SUFFIX)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)  # RFC 7636 4.1: 43-128 characters
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(issuer: str, client_id: str, redirect_uri: str, challenge: str,
                      state: str) -> str:  # fmt: skip
    query = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": "openid email profile",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": state,
    }
    return f"{issuer}/o/oauth2/v2/auth?{urlencode(query)}"


def code_from_redirect(redirected: str, redirect_uri: str, state: str) -> str:
    parts = urlsplit(redirected.strip())
    if f"{parts.scheme}:{parts.path}" != redirect_uri:
        raise SystemExit(f"that is not this app's redirect ({redirect_uri}): {redirected!r}")
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    if params.get("state") != state:
        raise SystemExit("the state does not match: not the answer to this sign-in")
    if "error" in params:
        raise SystemExit(f"sign-in failed: {params['error']}")
    return params["code"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    env = os.environ.get
    parser.add_argument("--issuer", default=env("ISSUER", "http://127.0.0.1:8080"))
    parser.add_argument(
        "--client-id", default=env("IOS_CLIENT_ID"), required=not env("IOS_CLIENT_ID")
    )
    parser.add_argument("--server-client-id", default=env("SERVER_CLIENT_ID"),
                        required=not env("SERVER_CLIENT_ID"))  # fmt: skip
    parser.add_argument("--backend", default=env("BACKEND", "http://127.0.0.1:8003"))
    args = parser.parse_args(argv)

    redirect_uri = f"{reversed_client_id(args.client_id)}:/oauth2redirect"
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    print("Open this address in a browser and sign in:", flush=True)
    print(
        authorization_url(args.issuer, args.client_id, redirect_uri, challenge, state), flush=True
    )
    print(f"Then paste the {redirect_uri}?... address the browser was sent to:", flush=True)
    code = code_from_redirect(sys.stdin.readline(), redirect_uri, state)

    # What GIDSignIn does with the code: PKCE, no client secret, the server as audience.
    response = httpx.post(f"{args.issuer}/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": args.client_id,
        "redirect_uri": redirect_uri, "code_verifier": verifier,
        "audience": args.server_client_id,
    })  # fmt: skip
    if response.status_code != 200:
        raise SystemExit(f"token endpoint: {response.status_code} {response.text}")
    tokens = response.json()
    print("Signed in. The app got an ID token for the server and a server auth code.", flush=True)

    # 5. "Securely pass the serverAuthCode string to your server using HTTPS POST."
    stored = httpx.post(f"{args.backend}/storeauthcode", content=tokens["server_code"], headers={
        "X-Requested-With": "XMLHttpRequest", "Content-Type": "application/octet-stream",
    })  # fmt: skip
    if stored.status_code != 200:
        raise SystemExit(f"backend: {stored.status_code} {stored.text}")
    print("Backend:", json.dumps(stored.json(), sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A scripted person: follows an authorization URL through sign-in, chooser and consent with a
plain HTTP client (cookies kept), the way a browser would, and returns the final redirect."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

import httpx

_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def hidden_fields(page: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in _INPUT.findall(page)}


class Person:
    def __init__(self, issuer: str, email: str, password: str) -> None:
        self.issuer = issuer
        self.email = email
        self.password = password
        self.http = httpx.Client(base_url=issuer, follow_redirects=False, timeout=10)

    def close(self) -> None:
        self.http.close()

    def sign_in(self) -> None:
        page = self.http.get("/signin")
        fields = hidden_fields(page.text)
        fields.update(email=self.email, password=self.password)
        response = self.http.post("/signin", data=fields)
        assert response.status_code == 303, response.text[:300]

    def consent(self, response: httpx.Response, approve: bool = True) -> httpx.Response:
        """If `response` is the consent page, press Allow (or Cancel); return what follows."""
        if 'value="allow"' not in response.text:
            return response
        fields = hidden_fields(response.text)
        fields["signon_action"] = "allow" if approve else "cancel"
        return self.http.post("/o/oauth2/v2/auth", data=fields)

    def authorize(self, url: str, *, approve: bool = True) -> str:
        """Walk from the authorization URL to the redirect back to the app; return its URL."""
        response = self.http.get(url)
        for _ in range(10):
            if response.status_code in (302, 303):
                location = urljoin(str(response.url), response.headers["location"])
                if not location.startswith(self.issuer):
                    return location
                response = self.http.get(location)
            elif response.status_code == 200 and 'name="password"' in response.text:
                fields = hidden_fields(response.text)
                fields.update(email=self.email, password=self.password)
                response = self.http.post("/signin", data=fields)
            elif response.status_code == 200 and 'value="allow"' in response.text:
                fields = hidden_fields(response.text)
                fields["signon_action"] = "allow" if approve else "cancel"
                response = self.http.post("/o/oauth2/v2/auth", data=fields)
            else:
                raise AssertionError(
                    f"unexpected page {response.status_code}: {response.text[:500]}"
                )
        raise AssertionError("too many steps")

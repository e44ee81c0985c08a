"""Projects and their OAuth consent screen (what the consent page shows about the app)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from signon.accounts.users import AccountError, check_email
from signon.protocol.ids import new_project_number
from signon.settings import is_loopback_host
from signon.storage.records import Project
from signon.storage.store import Conflict, Store

__all__ = [
    "CONSENT_FIELDS",
    "ProjectErrors",
    "check_consent_screen",
    "create_project",
    "update_consent_screen",
]

CONSENT_FIELDS = ("app_name", "support_email", "logo_url", "homepage_url", "privacy_url")
_PROJECT = re.compile(r"[a-z][a-z0-9-]{0,62}")  # fullmatch: "$" would let a final "\n" in
_NUMBER = re.compile(r"[0-9]{1,20}")  # the column's length


def is_project_name(name: str) -> bool:
    return _PROJECT.fullmatch(name) is not None


def is_project_number(number: str) -> bool:
    """A project number is digits (ours are 12, like Google's): new client IDs start with it,
    so anything else would put other characters into client IDs."""
    return _NUMBER.fullmatch(number) is not None


class ProjectErrors(ValueError):
    """Field name -> message, for the fields that are wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _check_url(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Enter an absolute URL, e.g. https://example.com/privacy"
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        return "Use https (http only on localhost, 127.0.0.1, [::1])"
    return None


def check_consent_screen(values: Mapping[str, str]) -> dict[str, Any]:
    """The consent-screen fields, blank ones as None; ProjectErrors for the wrong ones."""
    cleaned: dict[str, str | None] = {
        k: (values.get(k) or "").strip() or None for k in CONSENT_FIELDS
    }
    errors: dict[str, str] = {}
    if cleaned["app_name"] and len(cleaned["app_name"]) > 120:
        errors["app_name"] = "Use at most 120 characters."
    if cleaned["support_email"]:
        try:
            cleaned["support_email"] = check_email(cleaned["support_email"])
        except AccountError:
            errors["support_email"] = "Enter an email address."
    for name in ("logo_url", "homepage_url", "privacy_url"):
        value = cleaned[name]
        problem = _check_url(value) if value else None
        if problem:
            errors[name] = problem
    if errors:
        raise ProjectErrors(errors)
    return cleaned


async def create_project(
    store: Store, name: str, now: int, consent: Mapping[str, str] | None = None
) -> Project:
    errors: dict[str, str] = {}
    name = name.strip()
    if not _PROJECT.fullmatch(name):
        errors["name"] = (
            "Use lower-case letters, digits and '-', starting with a letter (at most 63)."
        )
    elif await store.find_project(name) is not None:
        errors["name"] = f"A project named {name} already exists."
    try:
        fields = check_consent_screen(consent or {})
    except ProjectErrors as exc:
        errors.update(exc.errors)
        fields = {}
    if errors:
        raise ProjectErrors(errors)
    project = Project(name=name, number=new_project_number(), created_at=now, **fields)
    try:
        await store.create_project(project)
    except Conflict:
        raise ProjectErrors({"name": f"A project named {name} already exists."}) from None
    return project


async def update_consent_screen(
    store: Store, project: Project, values: Mapping[str, str]
) -> Project:
    updated = replace(project, **check_consent_screen(values))
    await store.update_project(updated)
    return updated

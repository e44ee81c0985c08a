"""Password hashing: argon2id with OWASP's recommended parameters."""

from __future__ import annotations

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["MIN_PASSWORD_LENGTH", "PasswordHasher"]

MIN_PASSWORD_LENGTH = 8


class PasswordHasher:
    """argon2id, m=19 MiB, t=2, p=1 (OWASP Password Storage Cheat Sheet, 2023+)."""

    def __init__(self, memory_kib: int = 19 * 1024, time_cost: int = 2, parallelism: int = 1):
        self._hasher = _Argon2(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        # Verified against when the email is unknown, so an unknown user costs as much time
        # as a wrong password and the sign-in form does not tell which accounts exist.
        self._dummy = self._hasher.hash("signon: no such account")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash or self._dummy, password) and bool(stored_hash)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)

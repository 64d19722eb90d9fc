"""Password hashing with Argon2id (RFC 9106), through the argon2-cffi library."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
#: The one password-length rule, for the dashboard's forms and the command line alike.
MIN_PASSWORD_LENGTH = 12


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password`` with a fresh random salt; never store the password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; a missing or malformed hash never matches."""
    if not password_hash:
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False

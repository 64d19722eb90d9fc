"""Password hashing with Argon2id (RFC 9106), through the argon2-cffi library."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from scoring.agency.text import MAX_CHARS

_HASHER = PasswordHasher()
#: The password-length rules, for the dashboard's forms and the command line alike. The longest is
#: checked before hashing, so a megabyte of "password" costs nothing.
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = MAX_CHARS["password"]


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password`` with a fresh random salt; never store the password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"a password may have at most {MAX_PASSWORD_LENGTH:,} characters")
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; a missing or malformed hash never matches.

    A password longer than any that can be set never matches either, and is not hashed to find out.
    """
    if not password_hash or len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False

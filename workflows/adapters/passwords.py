"""Passwords (argon2) and API tokens (random, stored as SHA-256)."""

from __future__ import annotations

import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

_hasher = PasswordHasher()
TOKEN_PREFIX = "gct_"
MIN_PASSWORD = 8  # characters, as the messages say


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@functools.cache
def _decoy() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def spend_a_check(password: str) -> None:
    """As long as :func:`password_matches` takes, for a user name that does not exist: the
    answer's time must not tell which names do."""
    password_matches(_decoy(), password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def new_token() -> tuple[str, str]:
    """Return ``(token, sha256)``; show the token once, store only the hash."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

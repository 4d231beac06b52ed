"""Argon2 password hashes (argon2-cffi, its default parameters: Argon2id, RFC 9106 low-memory).

`verify` of an unknown account checks the password against a dummy hash all the same, so that
the time of an answer does not tell whether the e-mail has an account.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
MIN_LENGTH = 12


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"Le mot de passe doit compter au moins {MIN_LENGTH} caractères.")
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("compte inexistant : même temps de calcul")


def verify(stored_hash: str | None, password: str) -> bool:
    """Whether `password` matches `stored_hash`; None (no such account) costs the same time."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False

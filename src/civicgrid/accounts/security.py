"""Password hashing (Argon2id) and signed, expiring bearer tokens (JWT, HS256)."""

from __future__ import annotations

import datetime as dt

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from civicgrid.errors import NotAuthenticated

_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def issue_token(*, user_id: int, role: str, secret: str, minutes: int) -> tuple[str, dt.datetime]:
    """A bearer token for the user and the moment it expires."""
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)
    claims = {"sub": str(user_id), "role": role, "exp": expires}
    return jwt.encode(claims, secret, algorithm="HS256"), expires


def read_token(token: str, *, secret: str) -> int:
    """The user id inside a valid token; NotAuthenticated says what is wrong otherwise."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"])
    except jwt.ExpiredSignatureError:
        raise NotAuthenticated(
            "the token has expired", field="Authorization", fix="log in again for a new token"
        ) from None
    except jwt.InvalidTokenError:
        raise NotAuthenticated(
            "the token is not valid", field="Authorization", fix="log in again for a new token"
        ) from None
    return int(claims["sub"])

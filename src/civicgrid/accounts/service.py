"""Queries and writes for users; every function takes the session first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from civicgrid.accounts.models import User
from civicgrid.accounts.roles import ROLES
from civicgrid.accounts.security import hash_password, verify_password
from civicgrid.errors import Conflict, NotAuthenticated, ValidationFailed
from civicgrid.jurisdiction.models import Region, Unit


def get(*, session: Session, user_id: int) -> User | None:
    """The user with this id."""
    return session.get(User, user_id)


def get_by_username(*, session: Session, username: str) -> User | None:
    """The user with this login name."""
    return session.scalar(select(User).where(User.username == username))


def get_all(*, session: Session) -> list[User]:
    """Every user, by login name."""
    return list(session.scalars(select(User).order_by(User.username)))


def create(
    *,
    session: Session,
    username: str,
    display_name: str,
    password: str,
    role: str,
    unit_code: str | None = None,
    region_code: str | None = None,
) -> User:
    """Create a user after checking role, unit and region all exist."""
    problems = []
    if role not in ROLES:
        problems.append({"field": "role", "value": role, "allowed": sorted(ROLES)})
    if role == "handler" and not unit_code:
        problems.append({"field": "unit_code", "value": None, "fix": "a handler needs a unit"})
    if unit_code and session.get(Unit, unit_code) is None:
        problems.append(
            {"field": "unit_code", "value": unit_code, "fix": "use a unit code of the pack"}
        )
    if role == "grid_worker" and not region_code:
        problems.append(
            {"field": "region_code", "value": None, "fix": "a grid worker needs a grid"}
        )
    if region_code and session.get(Region, region_code) is None:
        problems.append(
            {"field": "region_code", "value": region_code, "fix": "use a region code of the pack"}
        )
    if problems:
        raise ValidationFailed("the user cannot be created", errors=problems)
    if get_by_username(session=session, username=username) is not None:
        raise Conflict(f"user {username!r} already exists", field="username", value=username)
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
        unit_code=unit_code,
        region_code=region_code,
    )
    session.add(user)
    session.flush()
    return user


def set_password(*, session: Session, user: User, password: str) -> None:
    """Replace a user's password."""
    if len(password) < 8:
        raise ValidationFailed(
            "password too short", field="password", fix="use at least 8 characters"
        )
    user.password_hash = hash_password(password)


def authenticate(*, session: Session, username: str, password: str) -> User:
    """The active user with these credentials, or NotAuthenticated."""
    user = get_by_username(session=session, username=username)
    if user is None or not user.active or not verify_password(user.password_hash, password):
        raise NotAuthenticated(
            "wrong user name or password", field="password", fix="check both and try again"
        )
    return user

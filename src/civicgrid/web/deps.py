"""Request dependencies with named aliases: ``DbSession``, ``CurrentActor``, ``Requires``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from civicgrid.accounts import service as accounts
from civicgrid.accounts.models import User
from civicgrid.accounts.roles import has_permission
from civicgrid.accounts.security import read_token
from civicgrid.cases.workflow import Actor
from civicgrid.errors import NotAuthenticated, PermissionDenied

TOKEN_COOKIE = "cg_token"


def get_session(request: Request) -> Iterator[Session]:
    """A session per request; handlers that write call ``session.commit()`` themselves,
    anything not committed is rolled back when the request ends."""
    session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


DbSession = Annotated[Session, Depends(get_session)]


def _token(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(TOKEN_COOKIE)


def get_current_user(request: Request, session: DbSession) -> User:
    """The logged-in user, from the bearer token or the console's cookie."""
    token = _token(request)
    if not token:
        raise NotAuthenticated("login required", field="Authorization",
                               fix="POST /api/auth/login and send 'Authorization: Bearer <token>'")
    user_id = read_token(token, secret=request.app.state.settings.secret())
    user = accounts.get(session=session, user_id=user_id)
    if user is None or not user.active:
        raise NotAuthenticated("the account no longer exists or is disabled",
                               field="Authorization", fix="ask an administrator")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def actor_of(user: User) -> Actor:
    """The workflow actor for a user."""
    return Actor(id=user.id, name=user.display_name, role=user.role, unit_code=user.unit_code,
                 region_code=user.region_code)


def get_current_actor(user: CurrentUser) -> Actor:
    return actor_of(user)


CurrentActor = Annotated[Actor, Depends(get_current_actor)]


def requires(permission: str) -> Callable[[CurrentActor], Actor]:
    """A dependency that lets the request through only with ``permission``."""

    def check(actor: CurrentActor) -> Actor:
        if not has_permission(actor.role, permission):
            raise PermissionDenied(f"role {actor.role} lacks permission {permission}",
                                   field="role", value=actor.role)
        return actor

    return check

"""Login, the current user, and user management (administrators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from civicgrid.accounts import service
from civicgrid.accounts.models import User
from civicgrid.accounts.roles import ROLES
from civicgrid.accounts.schemas import LoginIn, TokenOut, UserCreate, UserOut
from civicgrid.accounts.security import issue_token
from civicgrid.cases.workflow import Actor
from civicgrid.web.deps import TOKEN_COOKIE, CurrentUser, DbSession, requires

router = APIRouter(prefix="/api", tags=["accounts"])
Admin = Annotated[Actor, Depends(requires("users.manage"))]


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, username=user.username, display_name=user.display_name,
                   role=user.role, role_name=ROLES[user.role], unit_code=user.unit_code,
                   region_code=user.region_code, active=user.active)


@router.post("/auth/login", response_model=TokenOut)
def login(body: LoginIn, request: Request, response: Response, session: DbSession) -> TokenOut:
    """Exchange a user name and password for a bearer token (also set as a cookie)."""
    user = service.authenticate(session=session, username=body.username, password=body.password)
    settings = request.app.state.settings
    token, expires = issue_token(user_id=user.id, role=user.role, secret=settings.secret(),
                                 minutes=settings.token_minutes)
    response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="lax",
                        max_age=settings.token_minutes * 60)
    return TokenOut(access_token=token, expires_at=expires.isoformat(), user=user_out(user))


@router.post("/auth/logout", status_code=204)
def logout(response: Response) -> Response:
    response.delete_cookie(TOKEN_COOKIE)
    response.status_code = 204
    return response


@router.get("/auth/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    return user_out(user)


@router.get("/users", response_model=list[UserOut])
def list_users(session: DbSession, _admin: Admin) -> list[UserOut]:
    return [user_out(u) for u in service.get_all(session=session)]


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserCreate, session: DbSession, _admin: Admin) -> UserOut:
    user = service.create(session=session, **body.model_dump())
    session.commit()
    return user_out(user)

"""API shapes of accounts."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: str
    user: UserOut


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    role_name: str
    unit_code: str | None
    region_code: str | None
    active: bool


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=8, max_length=200)
    role: str
    unit_code: str | None = None
    region_code: str | None = None


TokenOut.model_rebuild()

"""API shapes of cases: what clients send and what they get back."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator



class CaseCreate(BaseModel):
    """A new request from any channel."""

    title: str | None = Field(default=None, max_length=200)
    text: str = Field(min_length=1, max_length=50_000)
    reporter_name: str | None = Field(default=None, max_length=100)
    reporter_phone: str | None = Field(default=None, max_length=32)
    anonymous: bool = False
    location_text: str | None = Field(default=None, max_length=300)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    category_code: str | None = None
    region_code: str | None = None
    priority: Literal["normal", "urgent", "critical"] = "normal"
    received_at: dt.datetime | None = None
    source_id: str | None = Field(default=None, max_length=64)

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the request text is empty; write what happened and where")
        return value

    @field_validator("reporter_phone")
    @classmethod
    def _phone_shape(cls, value: str | None) -> str | None:
        return normalise_phone(value)


def normalise_phone(value: str | None) -> str | None:
    """A mobile (``13800000000``) or landline (``0755-26000000``) number, or ValueError."""
    if value is None or not value.strip():
        return None
    compact = re.sub(r"[\s()（）]", "", value)
    compact = re.sub(r"^(?:\+86|0086)-?", "", compact)
    if re.fullmatch(r"1[3-9]\d{9}", compact):
        return compact
    landline = re.fullmatch(r"(0\d{2,3})-?(\d{7,8})", compact)
    if landline:
        return f"{landline.group(1)}-{landline.group(2)}"
    raise ValueError(
        f"{value!r} is not a phone number; use an 11-digit mobile such as 13800000000 "
        "or a landline with area code such as 0755-26000000"
    )


class ActionIn(BaseModel):
    """A workflow action on a case at the version the client last read."""

    version: int = Field(ge=1)
    unit_code: str | None = None
    unit_codes: list[str] | None = None
    reason: str | None = Field(default=None, max_length=2000)
    text: str | None = Field(default=None, max_length=20_000)
    passed: bool | None = None
    satisfaction: Literal["satisfied", "basic", "dissatisfied"] | None = None
    days: int | None = Field(default=None, ge=1, le=60)
    hours: int | None = Field(default=None, ge=1, le=240)
    approve: bool | None = None
    into_number: str | None = None
    resolution: Literal["resolved", "explained", "closed_unconfirmed", "unresolvable"] | None = None


class ParticipantOut(BaseModel):
    unit_code: str
    unit_name: str | None
    role: str
    called_at: dt.datetime
    due_at: dt.datetime | None
    reported_at: dt.datetime | None
    report: str | None


class CaseOut(BaseModel):
    """A case as one user may see it (personal data masked where the role requires)."""

    id: int
    number: str
    channel: str
    source_id: str | None
    imported: bool
    reporter_name: str | None
    reporter_phone: str | None
    anonymous: bool
    title: str
    text: str
    location_text: str | None
    lat: float | None
    lon: float | None
    street_code: str | None
    community_code: str | None
    grid_code: str | None
    category_code: str | None
    category_name: str | None = None
    source_category: str | None
    priority: str
    status: str
    status_label: str
    resolution: str | None
    lead_unit: str | None
    lead_unit_name: str | None = None
    source_unit: str | None
    received_at: dt.datetime
    dispatched_at: dt.datetime | None
    accepted_at: dt.datetime | None
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None
    response_due: dt.datetime | None
    completion_due: dt.datetime | None
    deadline_provisional: bool
    overdue: bool
    reply: str | None
    reply_audit: dict[str, Any] | None = None
    generated: bool = False
    satisfaction: str | None
    reopen_count: int
    supervised: bool
    supervision: dict[str, Any] | None
    pending_extension: dict[str, Any] | None
    duplicate_of_id: int | None
    suggestions: dict[str, Any] | None
    version: int
    participants: list[ParticipantOut] = []
    allowed_actions: list[str] = []


class EventOut(BaseModel):
    id: int
    kind: str
    from_status: str | None
    to_status: str | None
    actor_name: str | None
    unit_code: str | None
    at: dt.datetime
    payload: dict[str, Any]


class CasePage(BaseModel):
    total: int
    items: list[CaseOut]

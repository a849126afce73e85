"""Tables owned by the case package: cases, their events (the timeline), the units taking
part in a case, and source values waiting to be mapped onto the pack."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civicgrid.db.core import Base, UTCDateTime, utcnow


class Case(Base):
    """One citizen request (诉求) and everything the workflow knows about it."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("channel", "source_id", name="uq_cases_channel_source"),
        Index("ix_cases_status_unit", "status", "lead_unit"),
        Index("ix_cases_received", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str | None] = mapped_column(String(64))
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    # Demo and benchmark rows are generated, never real; the console labels them so.
    generated: Mapped[bool] = mapped_column(Boolean, default=False)

    reporter_name: Mapped[str | None] = mapped_column(String(100))
    reporter_phone: Mapped[str | None] = mapped_column(String(32), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)

    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    location_text: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    street_code: Mapped[str | None] = mapped_column(String(32), index=True)
    community_code: Mapped[str | None] = mapped_column(String(32))
    grid_code: Mapped[str | None] = mapped_column(String(32), index=True)

    category_code: Mapped[str | None] = mapped_column(String(16), index=True)
    source_category: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    status: Mapped[str] = mapped_column(String(16), index=True)
    resolution: Mapped[str | None] = mapped_column(String(32))
    lead_unit: Mapped[str | None] = mapped_column(String(32), index=True)
    source_unit: Mapped[str | None] = mapped_column(String(200))

    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # The Asia/Shanghai date of receipt, kept for cheap grouping by day and month.
    received_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    response_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    completion_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    deadline_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    # The completion clock: counted from clock_started_at (receipt, or the reopening) for
    # limit_days + extended_days working days; kept so a calendar revision can recompute it.
    clock_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    limit_days: Mapped[int | None] = mapped_column(Integer)
    extended_days: Mapped[int] = mapped_column(Integer, default=0)
    responded_on_time: Mapped[bool | None] = mapped_column(Boolean)
    closed_on_time: Mapped[bool | None] = mapped_column(Boolean)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    handling_days: Mapped[float | None] = mapped_column(Float)

    reply: Mapped[str | None] = mapped_column(Text)
    reply_audit: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    supervision: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    pending_extension: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    suggestions: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    tracking_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    participants: Mapped[list[CaseParticipant]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseParticipant.id"
    )


class CaseParticipant(Base):
    """A unit called into a case: co-handling, or 吹哨报到 with a report-in deadline."""

    __tablename__ = "case_participants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    unit_code: Mapped[str] = mapped_column(String(32), index=True)
    role: Mapped[str] = mapped_column(String(16))  # co_handler | whistle
    called_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    report: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="participants")


class CaseEvent(Base):
    """One append-only entry of a case's timeline: who did what, when, with what data."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "dedup_key", name="uq_case_events_dedup"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str | None] = mapped_column(String(100))
    unit_code: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedup_key: Mapped[str | None] = mapped_column(String(128))


class SourceMapping(Base):
    """A category or unit value from a source that the pack does not know, queued for a
    person to map; the cases keep the value as it came."""

    __tablename__ = "source_mappings"
    __table_args__ = (UniqueConstraint("kind", "raw_value", name="uq_source_mappings_value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # category | unit
    raw_value: Mapped[str] = mapped_column(String(200))
    seen: Mapped[int] = mapped_column(Integer, default=1)
    mapped_to: Mapped[str | None] = mapped_column(String(32))
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseSequence(Base):
    """The last sequence number used for case numbers of one prefix and day."""

    __tablename__ = "case_sequences"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)

"""Tables of ground data: people, enterprises, visits, their revisions, views and tags.

``house_code``, ``building_code`` and ``grid_code`` are references to the address base
(buildings and houses) and to the pack's grid regions, held as code strings and validated
against those tables when they exist. ID numbers and phones are stored only as Fernet
ciphertext (``*_cipher``) and a keyed hash (``*_hash``) for lookups; see :mod:`.vault`.
``ground_revisions`` keeps every change (who, when, what) and its id is the sync cursor.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civicgrid.db.core import Base, UTCDateTime, utcnow


class _Versioned:
    """Columns shared by every versioned ground record."""

    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))
    problems: Mapped[list[Any]] = mapped_column(JSON, default=list)
    generated: Mapped[bool] = mapped_column(Boolean, default=False)


class Person(_Versioned, Base):
    """A person living in a house (实有人口)."""

    __tablename__ = "ground_people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    house_code: Mapped[str] = mapped_column(String(64), index=True)
    building_code: Mapped[str | None] = mapped_column(String(64), index=True)
    grid_code: Mapped[str | None] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(64))
    id_cipher: Mapped[str | None] = mapped_column(Text)
    id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_cipher: Mapped[str | None] = mapped_column(Text)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    relation: Mapped[str | None] = mapped_column(String(16))
    tenure: Mapped[str] = mapped_column(String(8), default="owner")
    arrived_on: Mapped[dt.date | None] = mapped_column(Date)
    left_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    merged_into: Mapped[int | None] = mapped_column(Integer)


class Enterprise(_Versioned, Base):
    """An enterprise or other legal person (法人) at an address."""

    __tablename__ = "ground_enterprises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    house_code: Mapped[str | None] = mapped_column(String(64), index=True)
    building_code: Mapped[str | None] = mapped_column(String(64), index=True)
    grid_code: Mapped[str | None] = mapped_column(String(32), index=True)
    legal_representative: Mapped[str | None] = mapped_column(String(64))
    industry: Mapped[str | None] = mapped_column(String(64))
    staff: Mapped[int | None] = mapped_column(Integer)
    merged_into: Mapped[int | None] = mapped_column(Integer)


class Visit(_Versioned, Base):
    """A grid worker's visit (走访) to a house, building or enterprise."""

    __tablename__ = "ground_visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visitor: Mapped[str] = mapped_column(String(64))
    visited_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    house_code: Mapped[str | None] = mapped_column(String(64), index=True)
    building_code: Mapped[str | None] = mapped_column(String(64))
    grid_code: Mapped[str | None] = mapped_column(String(32), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(Integer)
    findings: Mapped[str] = mapped_column(Text)
    follow_up: Mapped[str | None] = mapped_column(Text)


class Revision(Base):
    """One change of one ground record; ``id`` orders all changes and is the sync cursor."""

    __tablename__ = "ground_revisions"
    __table_args__ = (Index("ix_ground_revisions_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(24))
    record_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(12))
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ViewLog(Base):
    """Who looked at whose personal record, when and why."""

    __tablename__ = "ground_view_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, index=True)
    user_id: Mapped[int] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(300))
    unmasked: Mapped[bool] = mapped_column(Boolean, default=False)
    viewed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Tag(Base):
    """A key-group tag (重点人群) proposed by a rule; it counts once a person confirmed it."""

    __tablename__ = "ground_tags"
    __table_args__ = (Index("ix_ground_tags_person_rule", "person_id", "rule"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(48))
    label: Mapped[str] = mapped_column(String(64))
    grid_code: Mapped[str | None] = mapped_column(String(32), index=True)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="proposed")
    evaluated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SyncState(Base):
    """The last cursor a sync target acknowledged."""

    __tablename__ = "ground_sync_state"

    target: Mapped[str] = mapped_column(String(64), primary_key=True)
    acked_cursor: Mapped[int] = mapped_column(Integer, default=0)
    acked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class BuildingHead(_Versioned, Base):
    """A building head (楼栋长): a resident volunteer responsible for one building."""

    __tablename__ = "ground_building_heads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building_code: Mapped[str] = mapped_column(String(64), index=True)
    street_code: Mapped[str | None] = mapped_column(String(32), index=True)
    grid_code: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    phone_cipher: Mapped[str | None] = mapped_column(Text)
    phone_hash: Mapped[str | None] = mapped_column(String(64))
    duties: Mapped[list[Any]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_on: Mapped[dt.date | None] = mapped_column(Date)


class HeadAction(Base):
    """An action a building head reports (a report, a meeting, a notice); it earns points only
    once a grid worker verified it."""

    __tablename__ = "ground_head_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    head_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(24))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    case_number: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12), default="claimed")
    verified_by: Mapped[str | None] = mapped_column(String(64))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    points: Mapped[int] = mapped_column(Integer, default=0)


class PointsEntry(Base):
    """One line of a building head's points ledger: + for a verified action, - to redeem."""

    __tablename__ = "ground_points_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    head_id: Mapped[int] = mapped_column(Integer, index=True)
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    action_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class UtilityUsage(Base):
    """Monthly gas or power usage of one account, linked to a house when known."""

    __tablename__ = "ground_utility_usage"
    __table_args__ = (Index("uq_ground_utility_usage_key", "utility", "account", "month",
                            unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    utility: Mapped[str] = mapped_column(String(8))
    account: Mapped[str] = mapped_column(String(40))
    month: Mapped[str] = mapped_column(String(7))
    amount: Mapped[float] = mapped_column(Float)
    house_code: Mapped[str | None] = mapped_column(String(64), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(200))
    generated: Mapped[bool] = mapped_column(Boolean, default=False)
    match_decision: Mapped[str | None] = mapped_column(String(12))
    match_probability: Mapped[float | None] = mapped_column(Float)
    match_reason: Mapped[str | None] = mapped_column(String(200))


class SyncVersion(Base):
    """The version the feed gives a record kept outside ground data (a building or house of
    the address base, a grid worker): bumped when the digest of its fields changes, and once
    more, with ``deleted`` set, when the record disappears."""

    __tablename__ = "ground_sync_versions"

    record_type: Mapped[str] = mapped_column(String(24), primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(32))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    captured_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkerContact(Base):
    """A grid worker's work phone, sealed like residents' phones (:mod:`.vault`)."""

    __tablename__ = "ground_worker_contacts"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone_cipher: Mapped[str | None] = mapped_column(Text)
    phone_hash: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))

"""Tables of the district pack: regions, units, categories, routing rules, holiday notices."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from civicgrid.db.core import Base, UTCDateTime, utcnow


class Region(Base):
    """District, street (街道), community (社区) or grid (网格)."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_code: Mapped[str | None] = mapped_column(String(32), index=True)
    generated: Mapped[bool] = mapped_column(Boolean, default=False)


class Unit(Base):
    """A unit that handles cases: department, street office, community station, utility."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str | None] = mapped_column(String(32), index=True)


class Category(Base):
    """A category of the three-level request taxonomy, with its deadlines and default unit."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    path: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    parent_code: Mapped[str | None] = mapped_column(String(16))
    response_hours: Mapped[int] = mapped_column(Integer, default=24)
    completion_days: Mapped[int] = mapped_column(Integer, default=10)
    default_unit: Mapped[str | None] = mapped_column(String(32))


class RoutingRule(Base):
    """Cases of a category in a region go to a unit (overrides the category default)."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_code: Mapped[str] = mapped_column(String(16), index=True)
    region_code: Mapped[str] = mapped_column(String(32))
    unit_code: Mapped[str] = mapped_column(String(32))


class HolidayNotice(Base):
    """A published holiday schedule; later notices of a year override earlier ones."""

    __tablename__ = "holiday_notices"

    notice_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(200))
    published: Mapped[dt.date] = mapped_column(Date)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

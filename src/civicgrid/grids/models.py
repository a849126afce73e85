"""Tables of grids (网格) in the running platform.

* :class:`GridVersion` — one layer of basic grids, kept forever: a draft (imported, not in
  use), approved, or applied from its ``effective_on`` date. The version in force on a day is
  the applied one with the latest effective date not after that day.
* :class:`GridShape` — one grid's polygon in one version (GeoJSON text, WGS-84 lon/lat),
  keyed by the pack's grid region code, with its community and street and its area in m².
* :class:`ProfessionalGrid` and :class:`ProfessionalOverlay` — gas, police and other
  professional grids, and the share of each basic grid's area that lies in each of them.
* :class:`GridWorker` — which grid worker (a user of role ``grid_worker``) serves which
  grid, from ``since`` until ``until`` (open when null).
* :class:`GridUnit` — atomic units (blocks) that adjustments re-cut, each with a workload,
  its current grid and a ``fixed`` pin for units that must not move.
* :class:`GridAdjustment` — an adjustment plan: mode, parameters, seed, metrics before and
  after, the units that move; proposed → approved → applied (as a new version).

Geometry stays as GeoJSON text so both SQLite and PostgreSQL hold it without PostGIS;
shapely does the spatial work in Python.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from civicgrid.db.core import Base, UTCDateTime, utcnow

VERSION_STATUSES = ("draft", "approved", "applied")
PLAN_STATUSES = ("proposed", "approved", "applied")


class GridVersion(Base):
    """One layer of basic grids; every version is kept so any two can be compared."""

    __tablename__ = "grid_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    effective_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(String(32))  # generated | import | adjustment
    created_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    # Where the street outlines came from (real polygons or generated shapes), for the map.
    shapes_note: Mapped[str | None] = mapped_column(String(300))
    parent_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When open cases were last re-placed onto this version (null: not yet).
    cases_moved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class GridShape(Base):
    """A grid's polygon in one version."""

    __tablename__ = "grid_polygons"
    __table_args__ = (UniqueConstraint("version_id", "grid_code", name="uq_grid_polygons_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("grid_versions.id", ondelete="CASCADE"), index=True
    )
    grid_code: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    community_code: Mapped[str | None] = mapped_column(String(32))
    street_code: Mapped[str | None] = mapped_column(String(32))
    geometry: Mapped[str] = mapped_column(Text)
    area_m2: Mapped[float] = mapped_column(Float, default=0.0)
    generated: Mapped[bool] = mapped_column(Boolean, default=False)


class ProfessionalGrid(Base):
    """A professional grid (gas, police, ...) laid over the basic grids."""

    __tablename__ = "professional_grids"
    __table_args__ = (UniqueConstraint("kind", "code", name="uq_professional_grids_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(100))
    geometry: Mapped[str] = mapped_column(Text)
    area_m2: Mapped[float] = mapped_column(Float, default=0.0)
    generated: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProfessionalOverlay(Base):
    """The area a professional grid shares with a basic grid of one version."""

    __tablename__ = "professional_overlays"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    professional_id: Mapped[int] = mapped_column(
        ForeignKey("professional_grids.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(
        ForeignKey("grid_versions.id", ondelete="CASCADE"), index=True
    )
    grid_code: Mapped[str] = mapped_column(String(32), index=True)
    area_m2: Mapped[float] = mapped_column(Float)
    share_of_basic: Mapped[float] = mapped_column(Float)
    share_of_professional: Mapped[float] = mapped_column(Float)


class GridWorker(Base):
    """A grid worker's assignment to a grid over a period."""

    __tablename__ = "grid_workers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    grid_code: Mapped[str] = mapped_column(String(32), index=True)
    since: Mapped[dt.date] = mapped_column(Date)
    until: Mapped[dt.date | None] = mapped_column(Date)


class GridUnit(Base):
    """An atomic unit (block) that adjustments move between grids."""

    __tablename__ = "grid_units"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    geometry: Mapped[str] = mapped_column(Text)
    workload: Mapped[float] = mapped_column(Float)
    grid_code: Mapped[str] = mapped_column(String(32), index=True)
    community_code: Mapped[str | None] = mapped_column(String(32))
    street_code: Mapped[str | None] = mapped_column(String(32), index=True)
    fixed: Mapped[bool] = mapped_column(Boolean, default=False)
    generated: Mapped[bool] = mapped_column(Boolean, default=False)


class GridAdjustment(Base):
    """A plan that re-cuts the grids of a street: proposed, approved, then applied."""

    __tablename__ = "grid_adjustments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    street_code: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(16))  # small | medium
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seed: Mapped[int] = mapped_column(Integer)
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    moved_units: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    grid_loads: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    feasible: Mapped[bool] = mapped_column(Boolean, default=False)
    message: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    base_version_id: Mapped[int] = mapped_column(Integer)
    version_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    effective_on: Mapped[dt.date | None] = mapped_column(Date)
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

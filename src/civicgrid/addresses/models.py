"""Tables of the standard address base (标准地址库) and the work hung on it.

* :class:`AddressBuilding` — a building 楼栋: a stable code, its road, road number, estate or
  POI, building word as written and its normalised key, a WGS-84 point, community, street and
  grid.
* :class:`AddressHouse` — a house 房屋 (flat, shop, office) in a building: a stable code (the
  doorplate code), unit, floor and room as written and their normalised keys
  (:mod:`civicgrid.addresses.keys`), the full standard text, point, community, street, grid,
  the people registered there (``residents``) and the building head to contact.
* :class:`GasVerification` — a verification task for a house that uses gas while nobody is
  registered there, assigned to the grid's worker, with the result fed back.

Codes are derived from the normalised parts (:mod:`civicgrid.addresses.base`), so importing
the same base twice gives the same codes. ``generated`` marks the demo's invented rows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civicgrid.db.core import Base, UTCDateTime, utcnow

TASK_STATUSES = ("open", "done")
TASK_RESULTS = ("residents_found", "vacant", "business_use", "other")


class AddressBuilding(Base):
    """A building 楼栋 of the standard address base."""

    __tablename__ = "address_buildings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    road: Mapped[str | None] = mapped_column(String(100))
    road_number: Mapped[str | None] = mapped_column(String(32))
    estate: Mapped[str | None] = mapped_column(String(100), index=True)
    place_key: Mapped[str] = mapped_column(String(120), index=True)
    building: Mapped[str | None] = mapped_column(String(32))
    building_key: Mapped[str | None] = mapped_column(String(32))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    community_code: Mapped[str | None] = mapped_column(String(32))
    street_code: Mapped[str | None] = mapped_column(String(32), index=True)
    grid_code: Mapped[str | None] = mapped_column(String(32), index=True)
    head_name: Mapped[str | None] = mapped_column(String(50))
    head_phone: Mapped[str | None] = mapped_column(String(32))
    generated: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(32), default="import")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AddressHouse(Base):
    """A house 房屋 in a building; ``code`` is its doorplate code."""

    __tablename__ = "address_houses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    building_id: Mapped[int] = mapped_column(
        ForeignKey("address_buildings.id", ondelete="CASCADE"), index=True
    )
    unit: Mapped[str | None] = mapped_column(String(32))
    unit_key: Mapped[str | None] = mapped_column(String(32))
    floor: Mapped[str | None] = mapped_column(String(32))
    floor_key: Mapped[str | None] = mapped_column(String(32))
    room: Mapped[str | None] = mapped_column(String(32))
    room_key: Mapped[str | None] = mapped_column(String(32))
    full_text: Mapped[str] = mapped_column(String(300))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    community_code: Mapped[str | None] = mapped_column(String(32))
    street_code: Mapped[str | None] = mapped_column(String(32), index=True)
    grid_code: Mapped[str | None] = mapped_column(String(32), index=True)
    residents: Mapped[int | None] = mapped_column(Integer)
    generated: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class GasVerification(Base):
    """Check a house that uses gas but has nobody registered; result fed back by the worker."""

    __tablename__ = "address_gas_verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    house_id: Mapped[int] = mapped_column(
        ForeignKey("address_houses.id", ondelete="CASCADE"), index=True
    )
    customer_ref: Mapped[str] = mapped_column(String(64))
    usage_m3: Mapped[float] = mapped_column(Float)
    grid_code: Mapped[str | None] = mapped_column(String(32), index=True)
    assignee_id: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    result: Mapped[str | None] = mapped_column(String(32))
    residents_found: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[str | None] = mapped_column(String(100))

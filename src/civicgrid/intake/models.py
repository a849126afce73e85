"""Tables owned by the intake package.

* ``import_mappings``: a named column mapping (field → column of the file) plus reading
  options (time zone of naive times, header rows), saved once and reused by name.
* ``open311_requests``: what an Open311 client sent with a request that the case itself
  has no column for (service code, attributes, media URL, the API key's label).
* ``city_deliveries``: results owed to the upstream city platform (市12345); a failed send
  stays here with its error and attempt count until the background job delivers it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civicgrid.db.core import Base, UTCDateTime, utcnow


class ImportMapping(Base):
    """A reusable column mapping for bulk imports, saved under a name."""

    __tablename__ = "import_mappings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # {"source_id": "留言编号", "time": "留言时间", ...}; keys are IMPORT_FIELDS.
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    # {"timezone": "Asia/Shanghai", "header_rows": null, "sheet": null}
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Open311Request(Base):
    """The Open311 side of a case: service code, attributes and media as posted."""

    __tablename__ = "open311_requests"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    service_code: Mapped[str] = mapped_column(String(16))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    media_url: Mapped[str | None] = mapped_column(String(500))
    client: Mapped[str | None] = mapped_column(String(64))
    posted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CityDelivery(Base):
    """One result message owed to the city platform, kept until it is accepted."""

    __tablename__ = "city_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # result
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_try_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)

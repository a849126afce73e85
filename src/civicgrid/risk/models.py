"""Tables owned by the risk package: alerts, their timeline, monitor state and daily runs.

* :class:`RiskAlert` is one running risk situation raised by a detector: its type, severity,
  subject, evidence (case numbers, statistic, baseline, p-value or score), responsible unit
  and a lifecycle ``new → notified → acknowledged → handled → closed`` (or ``false_alarm``)
  with the 24-hour clock: ``notify_due`` is detection + 24 h, and ``overdue`` is set by the
  background round when an alert is not acknowledged by then. ``dedup_key`` names the
  situation; while an alert with that key is open, later evidence updates it instead of
  raising a new one.
* :class:`RiskAlertEvent` is the append-only timeline of an alert (who, what, when).
* :class:`RiskMonitor` keeps the pickled incremental surge state of one series
  (:class:`~civicgrid.risk.incremental.SeriesMonitor`) between cases; the daily run clears
  the rows and the next case rebuilds its series from the case table.
* :class:`RiskRun` records each daily run, so the background round runs a day only once.
* ``ix_cases_location_text``: an index on ``cases.location_text`` for the live place lookup.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from civicgrid.cases.models import Case
from civicgrid.db.core import Base, UTCDateTime, utcnow

# The live check looks up recent cases at the same place by their location text; the index
# belongs to the risk package (its migration creates it) although it is on the case table.
Index("ix_cases_location_text", Case.location_text)


class RiskAlert(Base):
    """One risk situation with its evidence, responsible unit and lifecycle."""

    __tablename__ = "risk_alerts"
    __table_args__ = (
        Index("ix_risk_alerts_key_status", "dedup_key", "status"),
        Index("ix_risk_alerts_status_due", "status", "notify_due"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(240))
    type: Mapped[str] = mapped_column(String(24), index=True)
    severity: Mapped[str] = mapped_column(String(8), index=True)
    title: Mapped[str] = mapped_column(String(300))
    subject: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    unit_code: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(String(16))  # incremental | daily
    detected_on: Mapped[dt.date] = mapped_column(Date, index=True)
    detected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    notify_due: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RiskAlertEvent(Base):
    """One append-only entry of an alert's timeline."""

    __tablename__ = "risk_alert_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(
        ForeignKey("risk_alerts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RiskMonitor(Base):
    """The pickled incremental surge state of one (street, category) series."""

    __tablename__ = "risk_monitors"

    series_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RiskRun(Base):
    """One daily run of every detector over the history up to ``day``."""

    __tablename__ = "risk_runs"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

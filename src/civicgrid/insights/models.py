"""Tables of 一类事 governance: problem classes, monthly mining runs, each case's current class,
staff decisions on classes, and the governance tickets that hand a class to a unit.

* ``problem_classes`` – the class register (stable id ``C0001``…, label, staff name,
  status active/vanished/merged/split, the word profile used to recognise it next run).
* ``class_runs`` – one row per monthly mining run with its figures and notes.
* ``class_memberships`` – the current class of each case (one row per case; a later run
  that mines the case again replaces the row; a case in no class has no row).
* ``class_decisions`` – staff rename/merge/split decisions, kept for audit; they are applied
  to the register at once, so the next run starts from a register that already holds them.
* ``governance_tickets`` – a class handed to a unit (发现 → 分析 → 治理 → 反馈) with plan
  and due dates; ``ticket_events`` holds its progress notes, status changes and attachments.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civicgrid.db.core import Base, UTCDateTime, utcnow


class ProblemClass(Base):
    """One recurring problem class in the register."""

    __tablename__ = "problem_classes"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    # The staff name, when staff renamed the class; shown instead of the mined label.
    staff_label: Mapped[str | None] = mapped_column(String(200))
    mined_label: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), index=True, default="active")
    size: Mapped[int] = mapped_column(Integer, default=0)
    terms: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    absorbed_terms: Mapped[list[dict[str, float]]] = mapped_column(JSON, default=list)
    merged_into: Mapped[str | None] = mapped_column(String(16))
    split_into: Mapped[list[str]] = mapped_column(JSON, default=list)
    first_run: Mapped[str] = mapped_column(String(16), default="")
    last_run: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ClassRun(Base):
    """One monthly mining run over the cases of a window of months."""

    __tablename__ = "class_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM, the window's last
    window_start: Mapped[dt.date] = mapped_column(Date)
    window_end: Mapped[dt.date] = mapped_column(Date)  # exclusive
    cases: Mapped[int] = mapped_column(Integer, default=0)
    classed: Mapped[int] = mapped_column(Integer, default=0)
    classes: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    seconds: Mapped[float | None] = mapped_column()


class ClassMembership(Base):
    """The current class of one case, from the latest run that mined it."""

    __tablename__ = "class_memberships"
    __table_args__ = (Index("ix_class_memberships_class", "class_id"),)

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    class_id: Mapped[str] = mapped_column(ForeignKey("problem_classes.id"))
    run_id: Mapped[int] = mapped_column(ForeignKey("class_runs.id", ondelete="CASCADE"))


class ClassDecision(Base):
    """A staff decision on classes (rename, merge or split), applied to the register at once."""

    __tablename__ = "class_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class GovernanceTicket(Base):
    """A class handed to a unit: 发现 (found) → 分析 → 治理 → 反馈, then closed."""

    __tablename__ = "governance_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[str] = mapped_column(ForeignKey("problem_classes.id"), index=True)
    class_label: Mapped[str] = mapped_column(String(200))
    unit_code: Mapped[str] = mapped_column(String(32), index=True)
    plan: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), index=True, default="found")
    raised_on: Mapped[dt.date] = mapped_column(Date)
    analysis_due: Mapped[dt.date | None] = mapped_column(Date)
    governance_due: Mapped[dt.date | None] = mapped_column(Date)
    feedback_due: Mapped[dt.date | None] = mapped_column(Date)
    raised_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TicketEvent(Base):
    """One entry of a ticket's history: a progress note, a status change or an attachment."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("governance_tickets.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # note | status | attachment | raised
    text: Mapped[str] = mapped_column(Text, default="")
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

"""Class governance tickets (类事治理工单): a problem class handed to a unit.

Stages, in order: 发现 ``found`` → 分析 ``analysis`` → 治理 ``governance`` → 反馈 ``feedback``
→ 办结 ``closed``. A ticket moves one stage forward, or one stage back when the work must be
redone; every change, progress note and attachment is a row of ``ticket_events`` with its
time and author.

Effect (:func:`ticket_effect`): the class's cases per month in the months before the month
the ticket was raised and in the months from it on, compared with the conditional Poisson
test of :mod:`civicgrid.insights.effect`, and the after months against the same months a year
earlier (year on year).

Attachments are stored under ``<data_dir>/insights/tickets/<ticket id>/``; only common
document and image types up to :data:`MAX_ATTACHMENT_BYTES` are accepted.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civicgrid.cases.deadlines import local_date
from civicgrid.cases.workflow import Actor
from civicgrid.errors import NotFound, ValidationFailed
from civicgrid.insights.models import GovernanceTicket, ProblemClass, TicketEvent
from civicgrid.insights.periods import add_months
from civicgrid.insights.register import class_month_counts, display_label
from civicgrid.jurisdiction.models import Unit

log = logging.getLogger(__name__)

STAGES = {"found": "发现", "analysis": "分析", "governance": "治理", "feedback": "反馈",
          "closed": "办结"}
ORDER = list(STAGES)
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg", ".txt": "text/plain", ".csv": "text/csv",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_MAGIC = {".pdf": b"%PDF", ".png": b"\x89PNG", ".jpg": b"\xff\xd8", ".jpeg": b"\xff\xd8",
          ".docx": b"PK", ".xlsx": b"PK"}


def _date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(f"{field} must be a date like 2026-12-31, got {value!r}",
                               field=field, value=value) from None


def raise_ticket(
    *, session: Session, class_id: str, unit_code: str, plan: str = "", actor: Actor,
    analysis_due: Any = None, governance_due: Any = None, feedback_due: Any = None,
    today: dt.date | None = None,
) -> GovernanceTicket:
    """Hand class ``class_id`` to unit ``unit_code``; the ticket starts at 发现."""
    problem = session.get(ProblemClass, class_id)
    if problem is None:
        raise NotFound(f"no problem class {class_id!r}", field="class_id", value=class_id,
                       fix="GET /api/insights/classes lists the classes")
    if session.get(Unit, unit_code or "") is None:
        raise ValidationFailed(f"unknown unit {unit_code!r}", field="unit_code", value=unit_code,
                               fix="GET /api/jurisdiction/units lists the units")
    ticket = GovernanceTicket(
        class_id=class_id, class_label=display_label(problem), unit_code=unit_code,
        plan=plan or "", status="found", raised_by=actor.name,
        raised_on=today or local_date(dt.datetime.now(dt.UTC)),
        analysis_due=_date(analysis_due, "analysis_due"),
        governance_due=_date(governance_due, "governance_due"),
        feedback_due=_date(feedback_due, "feedback_due"),
    )
    session.add(ticket)
    session.flush()
    _event(session, ticket, actor, "raised", text=plan or "", to_status="found")
    log.info("governance ticket %s raised for class %s", ticket.id, class_id)
    return ticket


def _event(
    session: Session, ticket: GovernanceTicket, actor: Actor, kind: str, **values: Any
) -> None:
    session.add(TicketEvent(ticket_id=ticket.id, kind=kind, actor_id=actor.id,
                            actor_name=actor.name, **values))
    session.flush()


def get_ticket(*, session: Session, ticket_id: int) -> GovernanceTicket:
    """The ticket, or a 404 naming the id."""
    ticket = session.get(GovernanceTicket, ticket_id)
    if ticket is None:
        raise NotFound(f"no governance ticket {ticket_id}", field="ticket_id", value=ticket_id,
                       fix="GET /api/insights/tickets lists the tickets")
    return ticket


def add_note(*, session: Session, ticket_id: int, text: str, actor: Actor) -> dict[str, Any]:
    """Record a progress note."""
    if not (text or "").strip():
        raise ValidationFailed("a progress note needs text", field="text", value=text)
    ticket = get_ticket(session=session, ticket_id=ticket_id)
    _event(session, ticket, actor, "note", text=text.strip())
    return ticket_view(session=session, ticket=ticket)


def change_status(
    *, session: Session, ticket_id: int, status: str, actor: Actor, text: str = ""
) -> dict[str, Any]:
    """Move the ticket one stage forward or back."""
    ticket = get_ticket(session=session, ticket_id=ticket_id)
    allowed = _next_stages(ticket.status)
    if status not in allowed:
        raise ValidationFailed(
            f"ticket {ticket_id} is at {ticket.status} and cannot move to {status!r}",
            field="status", value=status, allowed=allowed,
        )
    previous, ticket.status = ticket.status, status
    _event(session, ticket, actor, "status", text=text or "", from_status=previous,
           to_status=status)
    return ticket_view(session=session, ticket=ticket)


def _next_stages(status: str) -> list[str]:
    index = ORDER.index(status)
    return [ORDER[i] for i in (index + 1, index - 1) if 0 <= i < len(ORDER)]


def add_attachment(
    *, session: Session, ticket_id: int, filename: str, content: bytes, data_dir: Path,
    actor: Actor,
) -> dict[str, Any]:
    """Store an attachment file after checking its size and type; records an event."""
    ticket = get_ticket(session=session, ticket_id=ticket_id)
    suffix = Path(filename or "").suffix.lower()
    _check_attachment(filename, suffix, content)
    safe = re.sub(r"[^\w.\-]+", "_", Path(filename).name)[-80:]
    folder = Path(data_dir) / "insights" / "tickets" / str(ticket.id)
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{uuid.uuid4().hex[:12]}-{safe}"
    stored.write_bytes(content)
    _event(session, ticket, actor, "attachment", text=Path(filename).name,
           payload={"file": stored.name, "bytes": len(content),
                    "type": ATTACHMENT_TYPES[suffix]})
    return ticket_view(session=session, ticket=ticket)


def attachment_file(
    *, session: Session, ticket_id: int, name: str, data_dir: Path
) -> tuple[Path, str]:
    """The stored file and its type, for a name recorded on this ticket (nothing else)."""
    ticket = get_ticket(session=session, ticket_id=ticket_id)
    events = session.scalars(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "attachment"))
    for event in events:
        if event.payload.get("file") == name:
            path = Path(data_dir) / "insights" / "tickets" / str(ticket.id) / name
            if path.is_file():
                return path, str(event.payload.get("type") or "application/octet-stream")
    raise NotFound(f"ticket {ticket_id} has no attachment {name!r}", field="name", value=name,
                   fix=f"GET /api/insights/tickets/{ticket_id} lists its attachments")


def _check_attachment(filename: str, suffix: str, content: bytes) -> None:
    if suffix not in ATTACHMENT_TYPES:
        raise ValidationFailed(f"attachment type {suffix or '(none)'} is not accepted",
                               field="file", value=filename, allowed=sorted(ATTACHMENT_TYPES))
    if not content:
        raise ValidationFailed("the attachment is empty", field="file", value=filename)
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(
            f"the attachment has {len(content)} bytes; at most {MAX_ATTACHMENT_BYTES}",
            field="file", value=filename, fix="compress or split the file")
    magic = _MAGIC.get(suffix)
    if magic and not content.startswith(magic):
        raise ValidationFailed(f"the file content is not a {suffix} file", field="file",
                               value=filename)


def ticket_view(*, session: Session, ticket: GovernanceTicket) -> dict[str, Any]:
    """The ticket as JSON, with its history."""
    events = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                             .order_by(TicketEvent.at, TicketEvent.id))
    unit = session.get(Unit, ticket.unit_code)
    return {
        **ticket_row(ticket), "unit_name": unit.name if unit else ticket.unit_code,
        "next_statuses": _next_stages(ticket.status),
        "events": [
            {"kind": e.kind, "text": e.text, "from_status": e.from_status,
             "to_status": e.to_status, "payload": e.payload, "actor_name": e.actor_name,
             "at": e.at.isoformat()}
            for e in events
        ],
    }


def ticket_row(ticket: GovernanceTicket) -> dict[str, Any]:
    """The ticket's own fields as JSON."""
    def iso(value: dt.date | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": ticket.id, "class_id": ticket.class_id, "class_label": ticket.class_label,
        "unit_code": ticket.unit_code, "plan": ticket.plan, "status": ticket.status,
        "status_label": STAGES[ticket.status], "raised_on": iso(ticket.raised_on),
        "analysis_due": iso(ticket.analysis_due), "governance_due": iso(ticket.governance_due),
        "feedback_due": iso(ticket.feedback_due), "raised_by": ticket.raised_by,
    }


def list_tickets(*, session: Session, open_only: bool = False) -> list[dict[str, Any]]:
    """Tickets, newest first."""
    query = select(GovernanceTicket).order_by(GovernanceTicket.id.desc())
    if open_only:
        query = query.where(GovernanceTicket.status != "closed")
    return [ticket_row(t) for t in session.scalars(query)]


def ticket_effect(
    *, session: Session, ticket_id: int, months: int = 6, today: dt.date | None = None
) -> dict[str, Any]:
    """Cases per month of the ticket's class before and after it, and the effect test."""
    from civicgrid.insights.effect import governance_effect

    ticket = get_ticket(session=session, ticket_id=ticket_id)
    today = today or local_date(dt.datetime.now(dt.UTC))
    raised = ticket.raised_on.replace(day=1)
    after_months = max(1, min(months, _months_between(raised, today.replace(day=1)) + 1))
    start = add_months(raised, -months - 12)
    counts = class_month_counts(session, [ticket.class_id], start=start,
                                end=add_months(raised, after_months))[ticket.class_id]

    def series(first: dt.date, length: int) -> list[dict[str, Any]]:
        labels = [add_months(first, i).strftime("%Y-%m") for i in range(length)]
        return [{"month": m, "cases": counts.get(m, 0)} for m in labels]

    before = series(add_months(raised, -months), months)
    after = series(raised, after_months)
    after_ly = series(add_months(raised, -12), after_months)
    before_ly = series(add_months(raised, -months - 12), months)
    effect = governance_effect(
        [p["cases"] for p in before], [p["cases"] for p in after],
        after_last_year=[p["cases"] for p in after_ly],
        before_last_year=[p["cases"] for p in before_ly],
    )
    return {"ticket": ticket_row(ticket), "before": before, "after": after,
            "after_last_year": after_ly, "before_last_year": before_ly,
            "effect": effect.to_dict(), "notes": _effect_notes(before, after, after_ly)}


def _months_between(first: dt.date, last: dt.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def _effect_notes(*series: list[dict[str, Any]]) -> list[str]:
    notes = []
    if all(sum(p["cases"] for p in s) == 0 for s in series):
        notes.append("该类在所选月份没有工单，无法衡量治理效果。")
    elif sum(p["cases"] for p in series[0]) + sum(p["cases"] for p in series[1]) < 10:
        notes.append("前后工单合计不足 10 件，检验结论仅供参考。")
    if sum(p["cases"] for p in series[2]) == 0:
        notes.append("去年同期没有该类工单（或未挖掘），同比仅供参考。")
    return notes

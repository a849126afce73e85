"""Queries and writes on cases; every function takes the session first.

Status changes go through :mod:`civicgrid.cases.workflow`; this module creates cases, reads
them within a user's data scope, renders them for a role (masking personal data), and runs
the clock: overdue flags and deadline recomputation when a holiday notice changes.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from sqlalchemy import exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from civicgrid.accounts.roles import sees_personal_data
from civicgrid.cases import deadlines, states
from civicgrid.cases.events import CaseHappening, publish
from civicgrid.cases.models import Case, CaseEvent, CaseParticipant, CaseSequence, SourceMapping
from civicgrid.cases.schemas import CaseCreate
from civicgrid.cases.workflow import SYSTEM, Actor, allowed_actions
from civicgrid.errors import NotFound, ValidationFailed
from civicgrid.jurisdiction import service as jurisdiction
from civicgrid.jurisdiction.models import Category, Region
from civicgrid.privacy.masking import mask_name, mask_phone, redact_text

log = logging.getLogger(__name__)


def next_number(*, session: Session, prefix: str, day: dt.date) -> str:
    """A readable case number: district prefix + local date + 6-digit daily sequence."""
    key = f"{prefix}{day:%Y%m%d}"
    for _attempt in range(5):
        value = session.execute(
            update(CaseSequence)
            .where(CaseSequence.key == key)
            .values(value=CaseSequence.value + 1)
            .returning(CaseSequence.value)
        ).scalar()
        if value is not None:
            return f"{key}{value:06d}"
        try:
            with session.begin_nested():
                session.execute(insert(CaseSequence).values(key=key, value=1))
            return f"{key}000001"
        except IntegrityError:
            continue
    raise RuntimeError(f"could not allocate a case number for {key}")


def _check_codes(session: Session, data: CaseCreate) -> None:
    problems: list[dict[str, Any]] = []
    if data.category_code and session.get(Category, data.category_code) is None:
        problems.append(
            {
                "field": "category_code",
                "value": data.category_code,
                "fix": "choose a category code from /api/jurisdiction/categories",
            }
        )
    if data.region_code and session.get(Region, data.region_code) is None:
        problems.append(
            {
                "field": "region_code",
                "value": data.region_code,
                "fix": "choose a region code from /api/jurisdiction/regions",
            }
        )
    if problems:
        fields = ", ".join(p["field"] for p in problems)
        raise ValidationFailed(
            f"unknown code in {fields}",
            errors=problems,
            field=problems[0]["field"],
            value=problems[0]["value"],
            fix=problems[0]["fix"],
        )


def create(
    *,
    session: Session,
    data: CaseCreate,
    channel: str,
    actor: Actor = SYSTEM,
    now: dt.datetime | None = None,
    prefix: str = "NS",
    live: bool = True,
    extra: dict[str, Any] | None = None,
) -> Case:
    """Create a case from any channel, write its first event and publish it."""
    if channel not in states.CHANNELS:
        raise ValidationFailed(
            f"unknown channel {channel!r}",
            field="channel",
            value=channel,
            allowed=list(states.CHANNELS),
        )
    _check_codes(session, data)
    now = now or dt.datetime.now(dt.UTC)
    received = data.received_at or now
    if received.tzinfo is None:
        raise ValidationFailed(
            "received_at has no time zone",
            field="received_at",
            value=str(received),
            fix="add +08:00 or Z",
        )
    chain = jurisdiction.region_chain(session=session, code=data.region_code)
    title = (data.title or data.text.strip().splitlines()[0])[:60]
    case = Case(
        number=next_number(session=session, prefix=prefix, day=deadlines.local_date(received)),
        channel=channel,
        source_id=data.source_id,
        title=title,
        text=data.text,
        reporter_name=None if data.anonymous else data.reporter_name,
        reporter_phone=None if data.anonymous else data.reporter_phone,
        anonymous=data.anonymous,
        location_text=data.location_text,
        lat=data.lat,
        lon=data.lon,
        street_code=chain.get("street"),
        community_code=chain.get("community"),
        grid_code=chain.get("grid"),
        category_code=data.category_code,
        priority=data.priority,
        status=states.RECEIVED,
        received_at=received,
        imported=not live,
        received_on=deadlines.local_date(received),
        tracking_token=secrets.token_urlsafe(16) if channel in ("web", "qr", "open311") else None,
    )
    for key, value in (extra or {}).items():
        setattr(case, key, value)
    session.add(case)
    session.flush()
    event = CaseEvent(
        case_id=case.id,
        kind="create",
        to_status=case.status,
        actor_id=actor.id,
        actor_name=actor.name,
        at=received if not live else now,
        payload={"channel": channel, "source_id": data.source_id},
    )
    session.add(event)
    session.flush()
    publish(session, CaseHappening(case=case, event=event, live=live))
    return case


def check_version(*, case: Case, version: int) -> None:
    """StaleVersion unless the client read the case's current version."""
    from civicgrid.errors import StaleVersion

    if version != case.version:
        raise StaleVersion(
            f"case {case.number} changed since you read it (your version "
            f"{version}, current {case.version})",
            field="version",
            value=version,
            fix="reload the case and try again",
        )


def check_category(*, session: Session, code: str) -> Category:
    """The leaf category with this code, or ValidationFailed naming the field."""
    category = session.get(Category, code)
    if category is None or category.level != 3:
        raise ValidationFailed(
            f"{code!r} is not a third-level category",
            field="category_code",
            value=code,
            fix="choose a code from /api/jurisdiction/categories",
        )
    return category


def get(*, session: Session, case_id: int) -> Case | None:
    """The case with this id."""
    return session.get(Case, case_id)


def get_by_number(*, session: Session, number: str) -> Case | None:
    """The case with this number."""
    return session.scalar(
        select(Case).where(Case.number == number).options(selectinload(Case.participants))
    )


def get_by_token(*, session: Session, token: str) -> Case | None:
    """The case a resident follows with its tracking token."""
    return session.scalar(select(Case).where(Case.tracking_token == token))


def scope_filter(actor: Actor) -> Any:
    """A WHERE clause limiting cases to what the actor may see (None: everything)."""
    if actor.role == "handler":
        own = or_(
            Case.lead_unit == actor.unit_code,
            exists().where(
                CaseParticipant.case_id == Case.id, CaseParticipant.unit_code == actor.unit_code
            ),
        )
        if actor.region_code:  # a street office's handler also sees the street's cases
            own = or_(own, Case.street_code == actor.region_code)
        return own
    if actor.role == "grid_worker":
        code = actor.region_code or "-"
        return or_(Case.grid_code == code, Case.community_code == code, Case.street_code == code)
    return None


def can_see(case: Case, actor: Actor) -> bool:
    """Whether the actor's data scope includes this case."""
    if actor.role == "handler":
        return (
            case.lead_unit == actor.unit_code
            or any(p.unit_code == actor.unit_code for p in case.participants)
            or (actor.region_code is not None and case.street_code == actor.region_code)
        )
    if actor.role == "grid_worker":
        return actor.region_code in (case.grid_code, case.community_code, case.street_code)
    return True


def get_visible(*, session: Session, number: str, actor: Actor) -> Case:
    """The case if it exists and the actor may see it; NotFound otherwise (no leak)."""
    case = get_by_number(session=session, number=number)
    if case is None or not can_see(case, actor):
        raise NotFound(
            f"case {number} does not exist or is outside your scope", field="number", value=number
        )
    return case


def search(
    *,
    session: Session,
    actor: Actor,
    status: str | None = None,
    unit: str | None = None,
    street: str | None = None,
    category: str | None = None,
    overdue: bool | None = None,
    supervised: bool | None = None,
    text: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[Case]]:
    """Cases within the actor's scope matching the filters, newest first, with the total."""
    query = select(Case)
    scope = scope_filter(actor)
    if scope is not None:
        query = query.where(scope)
    if status:
        if status not in states.STATUS_LABELS:
            raise ValidationFailed(
                f"unknown status {status!r}",
                field="status",
                value=status,
                allowed=list(states.STATUS_LABELS),
            )
        query = query.where(Case.status == status)
    for column, value in ((Case.lead_unit, unit), (Case.street_code, street)):
        if value:
            query = query.where(column == value)
    if category:
        query = query.where(Case.category_code.startswith(category))
    if overdue is not None:
        query = query.where(Case.overdue.is_(overdue))
    if supervised is not None:
        query = query.where(Case.supervised.is_(supervised))
    if text:
        like = f"%{text}%"
        query = query.where(or_(Case.text.like(like), Case.title.like(like), Case.number == text))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Case.received_at.desc(), Case.id.desc())
        .limit(limit)
        .offset(offset)
        .options(selectinload(Case.participants))
    )
    return total, list(rows)


def _names(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    return jurisdiction.names(session)


def render(*, session: Session, case: Case, actor: Actor, names: tuple | None = None) -> dict:
    """The case as ``actor`` may see it: masked personal data, names, allowed actions."""
    units, cats = names or _names(session)
    full = sees_personal_data(actor.role)
    data = {column.key: getattr(case, column.key) for column in Case.__table__.columns}
    if not full:
        data["reporter_name"] = mask_name(case.reporter_name)
        data["reporter_phone"] = mask_phone(case.reporter_phone)
        data["tracking_token"] = None
        for key in ("text", "title", "reply", "location_text"):
            if data[key]:
                data[key] = redact_text(data[key])
    data["status_label"] = states.STATUS_LABELS.get(case.status, case.status)
    data["category_name"] = cats.get(case.category_code or "")
    data["lead_unit_name"] = units.get(case.lead_unit or "")
    data["participants"] = [
        {
            "unit_code": p.unit_code,
            "unit_name": units.get(p.unit_code),
            "role": p.role,
            "called_at": p.called_at,
            "due_at": p.due_at,
            "reported_at": p.reported_at,
            "report": p.report,
        }
        for p in case.participants
    ]
    data["allowed_actions"] = allowed_actions(case, actor)
    return data


def render_many(*, session: Session, cases: list[Case], actor: Actor) -> list[dict]:
    names = _names(session)
    return [render(session=session, case=c, actor=actor, names=names) for c in cases]


def timeline(*, session: Session, case: Case) -> list[CaseEvent]:
    """The case's events in the order they happened."""
    return list(
        session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id)
            .order_by(CaseEvent.at, CaseEvent.id)
        )
    )


def record_event(
    *,
    session: Session,
    case: Case,
    kind: str,
    actor: Actor = SYSTEM,
    payload: dict | None = None,
    dedup_key: str | None = None,
    at: dt.datetime | None = None,
) -> CaseEvent | None:
    """Append a non-transition event; with ``dedup_key`` a repeat is ignored (None)."""
    if dedup_key and session.scalar(
        select(CaseEvent.id).where(CaseEvent.case_id == case.id, CaseEvent.dedup_key == dedup_key)
    ):
        return None
    event = CaseEvent(
        case_id=case.id,
        kind=kind,
        from_status=case.status,
        to_status=case.status,
        actor_id=actor.id,
        actor_name=actor.name,
        unit_code=actor.unit_code,
        at=at or dt.datetime.now(dt.UTC),
        payload=payload or {},
        dedup_key=dedup_key,
    )
    session.add(event)
    session.flush()
    return event


def mark_overdue(*, session: Session, now: dt.datetime | None = None) -> list[Case]:
    """Flag open cases past their completion deadline; each gets one 'overdue' event."""
    now = now or dt.datetime.now(dt.UTC)
    rows = list(
        session.scalars(
            select(Case).where(
                Case.status.in_(states.OPEN_STATUSES - {states.RECEIVED, states.RETURNED}),
                Case.completion_due < now,
                Case.overdue.is_(False),
                Case.imported.is_(False),
            )
        )
    )
    for case in rows:
        case.overdue = True
        event = record_event(
            session=session,
            case=case,
            kind="overdue",
            payload={"completion_due": case.completion_due.isoformat()},
            dedup_key=f"overdue:{case.completion_due.isoformat()}",
        )
        if event is not None:
            publish(session, CaseHappening(case=case, event=event, live=True))
    return rows


def due_soon(*, session: Session, now: dt.datetime, within: dt.timedelta) -> list[Case]:
    """Open cases whose completion deadline falls within ``within`` from now; each gets one
    'deadline_near' event per deadline."""
    rows = list(
        session.scalars(
            select(Case).where(
                Case.status.in_(states.OPEN_STATUSES - {states.RECEIVED, states.RETURNED}),
                Case.completion_due >= now,
                Case.completion_due < now + within,
                Case.imported.is_(False),
            )
        )
    )
    fresh = []
    for case in rows:
        event = record_event(
            session=session,
            case=case,
            kind="deadline_near",
            payload={"completion_due": case.completion_due.isoformat()},
            dedup_key=f"near:{case.completion_due.isoformat()}",
        )
        if event is not None:
            fresh.append(case)
            publish(session, CaseHappening(case=case, event=event, live=True))
    return fresh


def recompute_deadlines(*, session: Session, notice_id: str, now: dt.datetime | None = None) -> int:
    """After a holiday notice changed the calendar, move every open case's completion
    deadline to what the new calendar gives, auditing each change; returns how many moved."""
    now = now or dt.datetime.now(dt.UTC)
    calendar = jurisdiction.get_calendar(session)
    moved = 0
    query = select(Case).where(
        Case.status.in_(states.OPEN_STATUSES), Case.clock_started_at.is_not(None)
    )
    for case in session.scalars(query):
        new, provisional = deadlines.completion_due(
            calendar,
            clock_started_at=case.clock_started_at,
            days=(case.limit_days or 0) + (case.extended_days or 0),
        )
        if new == case.completion_due and provisional == case.deadline_provisional:
            continue
        old = case.completion_due
        case.completion_due, case.deadline_provisional = new, provisional
        case.overdue = now > new
        record_event(
            session=session,
            case=case,
            kind="deadline_recomputed",
            payload={
                "old_due": old.isoformat() if old else None,
                "new_due": new.isoformat(),
                "notice_id": notice_id,
                "provisional": provisional,
            },
        )
        moved += 1
    return moved


def queue_source_value(*, session: Session, kind: str, raw_value: str) -> None:
    """Remember a source category or unit the pack does not know, for a person to map."""
    raw_value = raw_value.strip()[:200]
    row = session.scalar(
        select(SourceMapping).where(
            SourceMapping.kind == kind, SourceMapping.raw_value == raw_value
        )
    )
    if row is None:
        session.add(SourceMapping(kind=kind, raw_value=raw_value, seen=1))
    else:
        row.seen += 1


def unmapped(*, session: Session, kind: str | None = None) -> list[SourceMapping]:
    """Source values still waiting for a mapping, most frequent first."""
    query = select(SourceMapping).where(SourceMapping.mapped_to.is_(None))
    if kind:
        query = query.where(SourceMapping.kind == kind)
    return list(session.scalars(query.order_by(SourceMapping.seen.desc())))

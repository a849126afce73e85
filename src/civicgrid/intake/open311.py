"""Open311 GeoReport v2 on top of cases: services, requests, tokens and unit updates.

Mapping between the spec and the case platform:

* A service is a category of the district pack (``service_code`` = category code,
  ``group`` = its first-level name). Every service takes the attributes in
  :data:`ATTRIBUTES`.
* ``service_request_id`` is the case number; ``token`` is the case's tracking token (cases
  are numbered at once, so a token always resolves).
* ``status`` is ``open`` or ``closed`` (closed and merged cases); the finer state goes in
  ``status_notes`` (``办理中``, ``已办结：办结（未注明解决）`` …).
* ``expected_datetime`` is the completion deadline; every time is W3C with a zone
  (``2026-12-04T09:30:00+08:00``); coordinates are WGS-84 ``lat``/``long``.
* Reading is public, so phones and ID numbers inside ``description`` are masked, and the
  reporter's name and phone are never part of the answer.

Updates from a unit's own system (:func:`apply_update`) follow three rules:

* ``open`` never moves a case back: a detailed state (办理中 …) is kept, nothing is sent.
* ``closed`` closes the case through the workflow as 办结（未注明解决）
  (``closed_unconfirmed``) unless the extended status says fixed; it counts as closed,
  never as 已解决.
* A repeat is recorded once: the same ``update_id``, or, when the sender flags
  ``latest_data_only``, the same status and text as the last update under a new id.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civicgrid.cases import deadlines, states, workflow
from civicgrid.cases import service as cases
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.schemas import ActionIn, CaseCreate
from civicgrid.intake.models import Open311Request
from civicgrid.jurisdiction.models import Category, Unit
from civicgrid.privacy.masking import redact_text

CHANNEL = "open311"
MAX_RESULTS = 1000
DEFAULT_WINDOW = dt.timedelta(days=90)
FIXED_WORDS = frozenset({"fixed", "resolved", "已解决"})

ATTRIBUTES: list[dict[str, Any]] = [
    {"variable": True, "code": "HAZARD", "datatype": "multivaluelist", "required": False,
     "datatype_description": None, "order": 1, "description": "现场危险（可多选）",
     "values": [{"key": "injury", "name": "可能伤人"}, {"key": "traffic", "name": "影响通行"},
                {"key": "utility", "name": "涉及水电燃气"}]},
    {"variable": True, "code": "NOTE", "datatype": "text", "required": False,
     "datatype_description": None, "order": 2, "description": "补充说明", "values": []},
]
MULTI = {a["code"] for a in ATTRIBUTES if a["datatype"] == "multivaluelist"}


class Open311Error(Exception):
    """An error answered in the Open311 format: ``[{"code": …, "description": …}]``."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def w3c(value: dt.datetime | None) -> str | None:
    """A W3C datetime with the local zone, e.g. ``2026-12-04T09:30:00+08:00``."""
    if value is None:
        return None
    return value.astimezone(deadlines.LOCAL).isoformat(timespec="seconds")


def parse_w3c(value: str, name: str) -> dt.datetime:
    """A W3C datetime (zone required; a bare date is local midnight)."""
    text = value.strip().replace(" ", "+") if "T" in value else value.strip()
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} {value!r} is not a W3C datetime such as "
                                "2026-12-04T09:30:00+08:00") from None
    if moment.tzinfo is None:
        if "T" in text:
            raise Open311Error(400, f"{name} {value!r} has no time zone; add +08:00 or Z")
        moment = moment.replace(tzinfo=deadlines.LOCAL)
    return moment.astimezone(dt.UTC)


def check_jurisdiction(value: str | None, accepted: set[str]) -> None:
    """An empty or absent jurisdiction_id is fine (one jurisdiction); a foreign one is not."""
    if value is None or not value.strip():
        return
    if value.strip() not in accepted:
        raise Open311Error(404, f"jurisdiction_id {value!r} is not served here; use one of "
                                f"{', '.join(sorted(accepted))} or leave it out")


def services(*, session: Session) -> list[dict[str, Any]]:
    """The service list: one entry per pack category."""
    rows = list(session.scalars(select(Category).order_by(Category.code)))
    top = {c.code: c.name for c in rows if c.level == 1}
    return [
        {"service_code": c.code, "service_name": c.name, "description": c.path,
         "metadata": True, "type": "realtime", "keywords": c.path.replace("/", ","),
         "group": top.get(c.code[:2], c.name)}
        for c in rows
    ]


def service_definition(*, session: Session, code: str) -> dict[str, Any]:
    """One service's attributes; 404 for an unknown code."""
    if session.get(Category, code) is None:
        raise Open311Error(404, f"service_code {code!r} does not exist; see services.json")
    return {"service_code": code, "attributes": ATTRIBUTES}


def parse_attributes(items: list[tuple[str, str]]) -> dict[str, Any]:
    """``attribute[X]=v``, ``attribute[X][]=v`` and repeats as {X: scalar or flat list}."""
    found: dict[str, list[str]] = {}
    listed: set[str] = set()
    for key, value in items:
        match = re.fullmatch(r"attribute\[([^\]]+)\](\[\])?", key)
        if match is None:
            continue
        code = match.group(1)
        found.setdefault(code, []).append(value)
        if match.group(2):
            listed.add(code)
    return {code: (vals if (code in listed or code in MULTI or len(vals) > 1) else vals[0])
            for code, vals in found.items()}


@dataclass
class NewRequest:
    """The fields of an Open311 POST that the case platform uses."""

    service_code: str
    description: str | None
    lat: float | None
    lon: float | None
    address: str | None
    name: str | None
    phone: str | None
    media_url: str | None
    attributes: dict[str, Any]


def post_request(*, session: Session, request: NewRequest, client: str) -> Case:
    """Create a case from an Open311 POST."""
    if not request.service_code:
        raise Open311Error(400, "service_code is required; see services.json")
    category = session.get(Category, request.service_code)
    if category is None:
        raise Open311Error(404, f"service_code {request.service_code!r} does not exist; "
                                "see services.json")
    if request.lat is None and not request.address:
        raise Open311Error(400, "a location is required: lat and long, or address_string")
    text = (request.description or "").strip() or category.name
    try:
        data = CaseCreate(text=text, title=category.name if not request.description else None,
                          reporter_name=request.name, reporter_phone=request.phone,
                          location_text=request.address, lat=request.lat, lon=request.lon,
                          category_code=category.code)
    except ValueError as exc:
        raise Open311Error(400, str(exc).splitlines()[-1]) from None
    case = cases.create(session=session, data=data, channel=CHANNEL)
    session.add(Open311Request(case_id=case.id, service_code=category.code,
                               attributes=request.attributes, media_url=request.media_url,
                               client=client))
    session.flush()
    return case


def find_requests(
    *, session: Session, ids: str | None = None, service_code: str | None = None,
    start: dt.datetime | None = None, end: dt.datetime | None = None,
    status: str | None = None, now: dt.datetime | None = None,
) -> list[Case]:
    """Requests by id list (others ignored), or by the filters within the default window."""
    query = select(Case)
    if ids:
        numbers = [part.strip() for part in ids.split(",") if part.strip()]
        return list(session.scalars(query.where(Case.number.in_(numbers)).order_by(Case.id)))
    if status:
        wanted = {part.strip() for part in status.split(",")}
        if not wanted <= {"open", "closed"}:
            raise Open311Error(400, f"status {status!r} must be open, closed or both")
        if wanted == {"open"}:
            query = query.where(Case.status.in_(states.OPEN_STATUSES))
        elif wanted == {"closed"}:
            query = query.where(Case.status.not_in(states.OPEN_STATUSES))
    if service_code:
        codes = [part.strip() for part in service_code.split(",") if part.strip()]
        query = query.where(Case.category_code.in_(codes))
    now = now or dt.datetime.now(dt.UTC)
    end = end or now
    start = start or end - DEFAULT_WINDOW
    query = query.where(Case.received_at >= start, Case.received_at <= end)
    return list(session.scalars(query.order_by(Case.received_at.desc()).limit(MAX_RESULTS)))


def render(*, session: Session, rows: list[Case]) -> list[dict[str, Any]]:
    """Cases in the GeoReport v2 request shape (scalars as scalars, no wrapping lists)."""
    cats = dict(session.execute(select(Category.code, Category.name)).all())
    units = dict(session.execute(select(Unit.code, Unit.name)).all())
    extra = {r.case_id: r for r in session.scalars(
        select(Open311Request).where(Open311Request.case_id.in_([c.id for c in rows])))}
    return [_request_dict(case, cats, units, extra.get(case.id)) for case in rows]


def _status_notes(case: Case) -> str:
    label = states.STATUS_LABELS.get(case.status, case.status)
    if case.status == states.CLOSED and case.resolution:
        return f"{label}：{states.RESOLUTIONS.get(case.resolution, case.resolution)}"
    return label


def _request_dict(case: Case, cats: dict, units: dict, extra: Open311Request | None) -> dict:
    code = case.category_code or (extra.service_code if extra else None)
    return {
        "service_request_id": case.number,
        "status": "open" if case.status in states.OPEN_STATUSES else "closed",
        "status_notes": _status_notes(case),
        "service_name": cats.get(code or "", case.source_category),
        "service_code": code,
        "description": redact_text(case.text),
        "agency_responsible": units.get(case.lead_unit or "", case.source_unit),
        "service_notice": None,
        "requested_datetime": w3c(case.received_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": w3c(case.completion_due),
        "address": case.location_text,
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": extra.media_url if extra else None,
    }


@dataclass
class StatusUpdate:
    """A status update sent by a unit's own system."""

    update_id: str
    status: str  # open | closed
    description: str = ""
    extended_status: str | None = None
    updated_at: dt.datetime | None = None
    latest_data_only: bool = False


def _last_update(session: Session, case: Case) -> CaseEvent | None:
    return session.scalar(
        select(CaseEvent).where(CaseEvent.case_id == case.id,
                                CaseEvent.kind == "external_update")
        .order_by(CaseEvent.id.desc()).limit(1)
    )


def apply_update(*, session: Session, case: Case, update: StatusUpdate) -> dict[str, Any]:
    """Apply one unit update; returns {"recorded": bool, "status": case status}."""
    status = update.status.strip().lower()
    if status not in ("open", "closed"):
        raise Open311Error(400, f"status {update.status!r} must be open or closed")
    text = (update.description or "").strip()
    key = f"o311:{update.update_id}"
    if session.scalar(select(CaseEvent.id).where(CaseEvent.case_id == case.id,
                                                 CaseEvent.dedup_key == key)):
        return {"recorded": False, "status": case.status, "reason": "same update_id"}
    if update.latest_data_only:
        last = _last_update(session, case)
        if last is not None and (last.payload.get("status"), last.payload.get("text")) == (
                status, text):
            return {"recorded": False, "status": case.status, "reason": "identical update"}
    if status == "closed" and case.status in states.OPEN_STATUSES:
        _close_from_outside(session, case, update, text)
    cases.record_event(
        session=session, case=case, kind="external_update", dedup_key=key,
        at=update.updated_at,
        payload={"status": status, "text": text, "update_id": update.update_id,
                 "extended_status": update.extended_status},
    )
    return {"recorded": True, "status": case.status}


_CLOSING_PATH = {
    states.DISPATCHED: ["accept", "reply", "review", "close"],
    states.ACCEPTED: ["reply", "review", "close"],
    states.IN_PROGRESS: ["reply", "review", "close"],
    states.REPLIED: ["review", "close"],
    states.REVIEWED: ["close"],
}


def _close_from_outside(session: Session, case: Case, update: StatusUpdate, text: str) -> None:
    path = _CLOSING_PATH.get(case.status)
    if path is None:
        raise Open311Error(409, f"request {case.number} is {states.STATUS_LABELS[case.status]} "
                                "and has no handling unit yet; it cannot be closed by an update")
    fixed = (update.extended_status or "").strip().lower() in FIXED_WORDS
    resolution = "resolved" if fixed else "closed_unconfirmed"
    note = text or "承办单位系统报告已关闭，未注明是否解决"
    for action in path:
        data = ActionIn(version=case.version, text=note, passed=True, reason=note,
                        resolution=resolution)
        workflow.perform(session=session, case=case, action=action, actor=workflow.SYSTEM,
                         data=data, live=action == "close")

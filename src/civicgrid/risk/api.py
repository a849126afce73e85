"""Risk endpoints under ``/api/risk`` and the console pages under ``/console/risk``.

Thin: parse, check the permission through dependencies (``risk.read`` to read, ``risk.act``
to act; a handler acts only on their own unit's alerts, checked by the store), call one store
or daily-job function, render. Wrong-state actions answer 409 naming the allowed actions.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from civicgrid.accounts.roles import sees_personal_data
from civicgrid.cases import service as cases
from civicgrid.cases import states
from civicgrid.cases.deadlines import local_date
from civicgrid.cases.models import Case
from civicgrid.cases.workflow import Actor
from civicgrid.errors import ValidationFailed
from civicgrid.jurisdiction import service as jurisdiction
from civicgrid.privacy.masking import redact_text
from civicgrid.risk import daily, store
from civicgrid.risk.alerts import SEVERITY_LABEL_ZH, AlertType
from civicgrid.risk.report import TYPE_LABEL_ZH
from civicgrid.web.deps import DbSession, requires
from civicgrid.web.pages import templates

router = APIRouter(tags=["risk"])
Reader = Annotated[Actor, Depends(requires("risk.read"))]
Acting = Annotated[Actor, Depends(requires("risk.act"))]


class AlertActionIn(BaseModel):
    """An optional note written on the alert's timeline with the action."""

    note: str | None = Field(default=None, max_length=2000)


@router.get("/api/risk/alerts")
def list_alerts(
    session: DbSession, actor: Reader, type: str | None = None, status: str | None = None,
    severity: str | None = None, overdue: bool | None = None, unit: str | None = None,
    open: bool = False, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    """Alerts matching the filters, newest first, with the total."""
    total, rows = store.search(session=session, type=type, status=status, severity=severity,
                               overdue=overdue, unit=unit, open_only=open, limit=limit,
                               offset=offset)
    units, _cats = jurisdiction.names(session)
    return {"total": total, "items": [store.render(a, actor, units) for a in rows]}


@router.get("/api/risk/labels")
def labels(_actor: Reader) -> dict[str, Any]:
    """Chinese labels of alert types, severities, statuses and actions, for the console."""
    return {"types": TYPE_LABEL_ZH, "statuses": store.STATUS_LABELS,
            "severities": {str(s): label for s, label in SEVERITY_LABEL_ZH.items()},
            "actions": {a.name: a.label for a in store.ACTIONS.values()},
            "type_codes": [str(t) for t in AlertType]}


def _evidence_cases(session: DbSession, numbers: list[str], actor: Actor) -> list[dict]:
    if not numbers:
        return []
    query = select(Case).where(Case.number.in_(numbers)).options(
        selectinload(Case.participants))
    rows = {c.number: c for c in session.scalars(query)}
    out = []
    for number in numbers:
        case = rows.get(number)
        if case is None:
            out.append({"number": number, "missing": True})
            continue
        # Unmasked only for roles that see personal data and only within their case scope.
        full = sees_personal_data(actor.role) and cases.can_see(case, actor)
        out.append({
            "number": case.number, "title": case.title if full else redact_text(case.title),
            "status_label": states.STATUS_LABELS.get(case.status, case.status),
            "received_at": case.received_at, "location_text": case.location_text
            if full else redact_text(case.location_text or ""),
            "lead_unit": case.lead_unit, "generated": case.generated,
        })
    return out


@router.get("/api/risk/alerts/{alert_id}")
def read_alert(alert_id: int, session: DbSession, actor: Reader) -> dict[str, Any]:
    """One alert with its evidence cases and its timeline."""
    alert = store.get(session=session, alert_id=alert_id)
    units, _cats = jurisdiction.names(session)
    data = store.render(alert, actor, units)
    data["cases"] = _evidence_cases(session, list(alert.evidence.get("case_ids") or []), actor)
    data["timeline"] = [store.render_event(e) for e in store.timeline(session=session,
                                                                      alert=alert)]
    return data


@router.post("/api/risk/alerts/{alert_id}/actions/{action}")
def act_on_alert(alert_id: int, action: str, body: AlertActionIn, session: DbSession,
                 actor: Acting) -> dict[str, Any]:
    """Acknowledge, handle, close or mark an alert a false alarm (409 in the wrong state)."""
    alert = store.get(session=session, alert_id=alert_id)
    store.perform(session=session, alert=alert, action=action, actor=actor, note=body.note)
    session.commit()
    units, _cats = jurisdiction.names(session)
    return store.render(alert, actor, units)


def _day(value: str | None) -> dt.date:
    if not value:
        return local_date(dt.datetime.now(dt.UTC))
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{value!r} is not a date", field="day", value=value,
                               fix="write it as YYYY-MM-DD") from None


@router.get("/api/risk/report")
def daily_report(session: DbSession, _actor: Reader, day: str | None = None) -> dict[str, Any]:
    """The daily report (日研判日报告) of a local day (default today) as JSON."""
    return daily.report_data(session=session, day=_day(day))


def _report_file(request: Request, session: DbSession, day: str | None, suffix: str
                 ) -> FileResponse:
    report_day = _day(day)
    folder = Path(request.app.state.settings.data_dir) / "reports" / "risk"
    files = daily.write_report(session=session, day=report_day, out_dir=folder)
    path = files.xlsx if suffix == "xlsx" else files.docx
    media = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
             if suffix == "xlsx" else
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    return FileResponse(path, media_type=media, filename=path.name)


@router.get("/api/risk/report.xlsx")
def daily_report_xlsx(request: Request, session: DbSession, _actor: Reader,
                      day: str | None = None) -> FileResponse:
    """The daily report as an Excel workbook."""
    return _report_file(request, session, day, "xlsx")


@router.get("/api/risk/report.docx")
def daily_report_docx(request: Request, session: DbSession, _actor: Reader,
                      day: str | None = None) -> FileResponse:
    """The daily report as a Word document."""
    return _report_file(request, session, day, "docx")


def _page(request: Request, name: str, **context: object) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context)


@router.get("/console/risk", response_class=HTMLResponse, include_in_schema=False)
def board_page(request: Request) -> HTMLResponse:
    return _page(request, "risk_board.html", title="风险预警", statuses=store.STATUS_LABELS,
                 types=TYPE_LABEL_ZH)


@router.get("/console/risk/alerts/{alert_id}", response_class=HTMLResponse,
            include_in_schema=False)
def alert_page(request: Request, alert_id: int) -> HTMLResponse:
    return _page(request, "risk_alert.html", title=f"风险预警 #{alert_id}", alert_id=alert_id)


@router.get("/console/risk/report", response_class=HTMLResponse, include_in_schema=False)
def report_page(request: Request) -> HTMLResponse:
    return _page(request, "risk_report.html", title="风险日研判报告")

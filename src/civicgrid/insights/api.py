"""HTTP API under /api/insights and the console pages of 一类事 governance and analytics.

* classes: list, one with its cases, staff decisions (rename/merge/split); runs (list, start);
* tickets: raise from a class, progress notes, status changes, attachments, effect;
* heat map counts by street/community/grid and category; dashboard data; report download.

Reading needs ``insights.read`` (all staff); deciding on classes, running the miner and
raising tickets need ``insights.manage``. Notes, status changes and attachments on a ticket
are also open to the handlers of the unit the ticket was handed to.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy.orm import Session

from civicgrid.accounts.roles import has_permission
from civicgrid.cases.workflow import Actor
from civicgrid.errors import PermissionDenied, ValidationFailed
from civicgrid.insights import analytics, register, tickets
from civicgrid.web.deps import DbSession, requires
from civicgrid.web.pages import templates

api = APIRouter(prefix="/api/insights", tags=["insights"])
pages = APIRouter(include_in_schema=False)
Reader = Annotated[Actor, Depends(requires("insights.read"))]
Manager = Annotated[Actor, Depends(requires("insights.manage"))]
REPORT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _day(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{field} must be a date like 2026-11-01, got {value!r}",
                               field=field, value=value) from None


@api.get("/classes")
def classes(session: DbSession, _actor: Reader, status: str | None = None) -> list[dict]:
    """Problem classes with size, label, status and cases per month."""
    return register.list_classes(session=session, status=status)


@api.get("/classes/{class_id}")
def one_class(class_id: str, session: DbSession, _actor: Reader) -> dict:
    """One class with its newest cases."""
    return register.class_detail(session=session, class_id=class_id)


@api.post("/classes/decisions")
def decide(body: dict, session: DbSession, actor: Manager) -> dict:
    """Rename, merge or split classes now; the decision survives the next run."""
    result = register.decide(session=session, decision=body, actor=actor)
    session.commit()
    return result


@api.get("/runs")
def runs(session: DbSession, _actor: Reader) -> list[dict]:
    """The latest monthly mining runs."""
    return register.list_runs(session=session)


@api.post("/runs")
def start_run(body: dict, session: DbSession, _actor: Manager) -> dict:
    """Run the class miner now for ``month`` (default: month of the newest case)."""
    months = body.get("months", 12)
    if not isinstance(months, int):
        raise ValidationFailed("months must be a whole number", field="months", value=months)
    result = register.run_month(session=session, month=body.get("month"), months=months)
    session.commit()
    return result


@api.get("/tickets")
def ticket_list(session: DbSession, _actor: Reader, open_only: bool = False) -> list[dict]:
    """Governance tickets, newest first."""
    return tickets.list_tickets(session=session, open_only=open_only)


@api.post("/tickets", status_code=201)
def raise_ticket(body: dict, session: DbSession, actor: Manager) -> dict:
    """Hand a class to a unit with a plan and due dates."""
    ticket = tickets.raise_ticket(
        session=session, class_id=str(body.get("class_id") or ""),
        unit_code=str(body.get("unit_code") or ""), plan=str(body.get("plan") or ""),
        analysis_due=body.get("analysis_due"), governance_due=body.get("governance_due"),
        feedback_due=body.get("feedback_due"), actor=actor,
    )
    session.commit()
    return tickets.ticket_view(session=session, ticket=ticket)


@api.get("/tickets/{ticket_id}")
def ticket(ticket_id: int, session: DbSession, _actor: Reader) -> dict:
    """One ticket with its history."""
    return tickets.ticket_view(
        session=session, ticket=tickets.get_ticket(session=session, ticket_id=ticket_id))


def _may_work_on(session: Session, ticket_id: int, actor: Actor) -> None:
    found = tickets.get_ticket(session=session, ticket_id=ticket_id)
    if has_permission(actor.role, "insights.manage") or actor.unit_code == found.unit_code:
        return
    raise PermissionDenied("only the unit handling this ticket or a manager may update it",
                           field="unit_code", value=actor.unit_code)


@api.post("/tickets/{ticket_id}/notes")
def note(ticket_id: int, body: dict, session: DbSession, actor: Reader) -> dict:
    """Add a progress note (time and author are recorded)."""
    _may_work_on(session, ticket_id, actor)
    result = tickets.add_note(session=session, ticket_id=ticket_id,
                              text=str(body.get("text") or ""), actor=actor)
    session.commit()
    return result


@api.post("/tickets/{ticket_id}/status")
def status(ticket_id: int, body: dict, session: DbSession, actor: Reader) -> dict:
    """Move the ticket to the next (or previous) stage."""
    _may_work_on(session, ticket_id, actor)
    result = tickets.change_status(session=session, ticket_id=ticket_id,
                                   status=str(body.get("status") or ""), actor=actor,
                                   text=str(body.get("text") or ""))
    session.commit()
    return result


@api.post("/tickets/{ticket_id}/attachments")
async def attachment(
    ticket_id: int, request: Request, session: DbSession, actor: Reader,
    file: UploadFile = File(...),
) -> dict:
    """Attach a document or image (size and type are checked)."""
    _may_work_on(session, ticket_id, actor)
    content = await file.read(tickets.MAX_ATTACHMENT_BYTES + 1)
    result = tickets.add_attachment(
        session=session, ticket_id=ticket_id, filename=file.filename or "", content=content,
        data_dir=request.app.state.settings.data_dir, actor=actor,
    )
    session.commit()
    return result


@api.get("/tickets/{ticket_id}/attachments/{name}")
def attachment_download(
    ticket_id: int, name: str, request: Request, session: DbSession, _actor: Reader
) -> FileResponse:
    """Download an attachment of the ticket."""
    path, media_type = tickets.attachment_file(
        session=session, ticket_id=ticket_id, name=name,
        data_dir=request.app.state.settings.data_dir)
    return FileResponse(path, media_type=media_type, filename=name.split("-", 1)[-1])


@api.get("/tickets/{ticket_id}/effect")
def effect(ticket_id: int, session: DbSession, _actor: Reader, months: int = 6) -> dict:
    """The class's cases per month before and after the ticket, year on year, and the test."""
    return tickets.ticket_effect(session=session, ticket_id=ticket_id, months=months)


@api.get("/heatmap")
def heatmap(
    session: DbSession, _actor: Reader, level: str = "street", start: str | None = None,
    end: str | None = None, category: str | None = None,
) -> dict:
    """Cases per region (street, community or grid) and category in [start, end)."""
    return analytics.heat_map(session=session, level=level, start=_day(start, "start"),
                              end=_day(end, "end"), category=category or None)


@api.get("/heatmap/h3")
def heatmap_h3(
    session: DbSession, _actor: Reader, start: str | None = None, end: str | None = None,
    category: str | None = None, resolution: int = 8,
) -> dict:
    """Cases per H3 hexagon in [start, end), as GeoJSON drawn without any tile server."""
    return analytics.hexagons(session=session, start=_day(start, "start"), end=_day(end, "end"),
                              category=category or None, resolution=resolution)


@api.get("/dashboard")
def dashboard(session: DbSession, _actor: Reader) -> dict:
    """Everything the leaders' screen shows."""
    return analytics.dashboard(session=session)


@api.get("/reports/{kind}")
def report(
    kind: str, session: DbSession, _actor: Reader, period: str | None = None,
    format: str = "docx",  # noqa: A002 (the query parameter's public name)
) -> Response:
    """Download the weekly, monthly or quarterly report as DOCX or XLSX."""
    from civicgrid.insights.reports import write_docx, write_xlsx

    if format not in REPORT_TYPES:
        raise ValidationFailed(f"format must be docx or xlsx, got {format!r}", field="format",
                               value=format, allowed=sorted(REPORT_TYPES))
    data = analytics.report_data(session=session, kind=kind, period=period)
    writer = write_docx if format == "docx" else write_xlsx
    with tempfile.TemporaryDirectory() as folder:
        path = writer(data, Path(folder) / f"report.{format}")
        content = path.read_bytes()
    name = f"{kind}-{data['period_code']}.{format}"
    return Response(content, media_type=REPORT_TYPES[format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _page(request: Request, name: str, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context)


@pages.get("/console/classes", response_class=HTMLResponse)
def classes_page(request: Request) -> HTMLResponse:
    return _page(request, "insights_classes.html", title="一类事")


@pages.get("/console/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket_page(request: Request, ticket_id: int) -> HTMLResponse:
    return _page(request, "insights_ticket.html", title=f"治理工单 T{ticket_id}",
                 ticket_id=ticket_id)


@pages.get("/console/heatmap", response_class=HTMLResponse)
def heatmap_page(request: Request) -> HTMLResponse:
    return _page(request, "insights_heatmap.html", title="热力图")


@pages.get("/console/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request) -> HTMLResponse:
    return _page(request, "insights_dashboard.html", title="领导驾驶舱")


router = APIRouter()
router.include_router(api)
router.include_router(pages)

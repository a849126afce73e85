"""Server-rendered page shells of the staff console; data comes from the JSON API."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from civicgrid.cases import states

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))


def _page(request: Request, name: str, **context: object) -> HTMLResponse:
    context.setdefault("statuses", states.STATUS_LABELS)
    return templates.TemplateResponse(request, name, context)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/console", status_code=307)


@router.get("/console/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return _page(request, "login.html", title="登录")


@router.get("/console", response_class=HTMLResponse)
def queue_page(request: Request) -> HTMLResponse:
    return _page(request, "queue.html", title="工单队列")


@router.get("/console/cases/{number}", response_class=HTMLResponse)
def case_page(request: Request, number: str) -> HTMLResponse:
    return _page(request, "case.html", title=f"工单 {number}", number=number)


@router.get("/console/metrics", response_class=HTMLResponse)
def metrics_page(request: Request) -> HTMLResponse:
    return _page(request, "metrics.html", title="考核指标")


@router.get("/console/inbox", response_class=HTMLResponse)
def inbox_page(request: Request) -> HTMLResponse:
    return _page(request, "inbox.html", title="消息")

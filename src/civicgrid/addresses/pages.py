"""Address pages: the console page of the base and gas verification tasks
(``/console/addresses``), and the public doorplate page ``/door/{code}`` that a plate's QR code
opens (no login; data from ``/api/addresses/door/{code}``). Data comes through
static/addresses.js."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from civicgrid.web.pages import templates

router = APIRouter(include_in_schema=False)


@router.get("/console/addresses", response_class=HTMLResponse)
def addresses_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "addresses.html", {"title": "标准地址与燃气核查"})


@router.get("/door/{code}", response_class=HTMLResponse)
def door_page(request: Request, code: str) -> HTMLResponse:
    return templates.TemplateResponse(request, "door.html", {"title": "数智门牌", "code": code})

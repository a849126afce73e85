"""Page shells of the intake screens; their data comes from the JSON API.

* ``/resident`` — phone-sized, Chinese, no login: submit a request (text, address or map
  point, photos) and get a number and tracking token; ``/resident/track/{token}`` follows
  it and takes the return-visit rating.
* ``/grid`` — phone-sized page of a logged-in grid worker: report a patrol event, see the
  grid's cases and add on-site notes.
* ``/console/import`` — the staff import screen: upload with a mapping, the result, and
  the queue of unknown source categories and units with an action to map them.

The map is Leaflet from ``/vendor/leaflet`` when installed, on a blank layer (no online
tiles); without Leaflet the page falls back to coordinates typed in or taken from the
phone's location.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from civicgrid.errors import NotFound

router = APIRouter(include_in_schema=False)
HERE = Path(__file__).parent
templates = Jinja2Templates(directory=[HERE / "templates", HERE.parent / "web" / "templates"])


@router.get("/intake-static/{name}")
def static_file(name: str) -> FileResponse:
    """The intake pages' own script and style (only files directly in ``static/``)."""
    path = (HERE / "static" / name).resolve()
    if path.parent != (HERE / "static").resolve() or not path.is_file():
        raise NotFound(f"no static file {name!r}", field="name", value=name)
    return FileResponse(path)


@router.get("/resident", response_class=HTMLResponse)
def resident_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "resident.html", {"title": "我要反映"})


@router.get("/resident/track/{token}", response_class=HTMLResponse)
def track_page(request: Request, token: str) -> HTMLResponse:
    return templates.TemplateResponse(request, "track.html", {"title": "办理进度", "token": token})


@router.get("/grid", response_class=HTMLResponse)
def grid_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "grid.html", {"title": "网格巡查"})


@router.get("/console/import", response_class=HTMLResponse)
def import_page(request: Request) -> HTMLResponse:
    from civicgrid.cases import states
    from civicgrid.intake.mapping import IMPORT_FIELDS

    return templates.TemplateResponse(request, "import.html", {
        "title": "历史工单导入", "fields": IMPORT_FIELDS, "statuses": states.STATUS_LABELS})

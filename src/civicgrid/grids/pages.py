"""Console page shells of grids: the map, a grid's profile, a worker's profile, adjustment.

Data comes from the /api/places endpoints through static/grids.js. The map uses Leaflet from
/vendor/leaflet/dist/ with the offline GeoJSON layer of streets, communities and grids; an
online tile layer is added only when the setting ``map_tile_url`` is set.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from civicgrid.cases import states
from civicgrid.web.pages import templates

router = APIRouter(include_in_schema=False)


def _page(request: Request, name: str, **context: object) -> HTMLResponse:
    context.setdefault("statuses", states.STATUS_LABELS)
    context.setdefault("tile_url", request.app.state.settings.map_tile_url or "")
    return templates.TemplateResponse(request, name, context)


@router.get("/console/map", response_class=HTMLResponse)
def map_page(request: Request) -> HTMLResponse:
    return _page(request, "grids_map.html", title="网格地图")


@router.get("/console/grids/{code}", response_class=HTMLResponse)
def grid_page(request: Request, code: str) -> HTMLResponse:
    return _page(request, "grids_profile.html", title=f"网格画像 {code}", code=code)


@router.get("/console/workers/{user_id}", response_class=HTMLResponse)
def worker_page(request: Request, user_id: int) -> HTMLResponse:
    return _page(request, "grids_worker.html", title="网格员画像", user_id=user_id)


@router.get("/console/adjustment", response_class=HTMLResponse)
def adjustment_page(request: Request) -> HTMLResponse:
    return _page(request, "grids_adjustment.html", title="网格调整")

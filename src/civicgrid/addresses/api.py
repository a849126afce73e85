"""Address endpoints under /api/addresses: the base, geocoding, matching a list, gas
verification tasks and doorplates. Thin: parse, check permission, call one service function.
The console pages and the public doorplate page are mounted from here too
(:mod:`civicgrid.addresses.pages`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import or_, select

from civicgrid.addresses import doorplate, gas, matching, placing
from civicgrid.addresses.models import AddressBuilding, AddressHouse
from civicgrid.addresses.pages import router as pages_router
from civicgrid.cases.workflow import Actor
from civicgrid.errors import NotFound, ValidationFailed
from civicgrid.web.deps import DbSession, requires

api = APIRouter(prefix="/api/addresses", tags=["addresses"])
Reader = Annotated[Actor, Depends(requires("addresses.read"))]
Matcher = Annotated[Actor, Depends(requires("addresses.match"))]
Manager = Annotated[Actor, Depends(requires("addresses.manage"))]
Verifier = Annotated[Actor, Depends(requires("addresses.verify"))]


class GeocodeIn(BaseModel):
    text: str | None = Field(default=None, max_length=300)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    crs: str = "WGS84"


class OutsideAddress(BaseModel):
    ref: str = Field(max_length=64)
    text: str = Field(max_length=300)


class MatchIn(BaseModel):
    addresses: list[OutsideAddress] = Field(max_length=5000)


class GasCustomer(BaseModel):
    customer_ref: str = Field(max_length=64)
    address: str = Field(max_length=300)
    usage_m3: float = Field(ge=0)


class GasLinkIn(BaseModel):
    customers: list[GasCustomer] | None = Field(default=None, max_length=50000)
    demo: bool = False
    min_usage: float = Field(default=1.0, ge=0)


class ResultIn(BaseModel):
    result: str
    residents_found: int | None = Field(default=None, ge=0, le=50)
    note: str | None = Field(default=None, max_length=500)


def _house_dict(house: AddressHouse, building: AddressBuilding) -> dict[str, Any]:
    return {"code": house.code, "building_code": building.code, "address": house.full_text,
            "estate": building.estate, "road": building.road,
            "road_number": building.road_number, "building": building.building_key,
            "unit": house.unit_key, "floor": house.floor_key, "room": house.room_key,
            "lat": house.lat, "lon": house.lon, "crs": "WGS84", "grid_code": house.grid_code,
            "community_code": house.community_code, "street_code": house.street_code,
            "generated": house.generated}


@api.get("/houses")
def houses(session: DbSession, _actor: Reader, q: str | None = None,
           grid: str | None = None,
           limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
    """Houses of the base, filtered by text (address or code) and grid."""
    query = (select(AddressHouse, AddressBuilding)
             .join(AddressBuilding, AddressHouse.building_id == AddressBuilding.id)
             .order_by(AddressHouse.id).limit(limit))
    if q:
        query = query.where(or_(AddressHouse.full_text.contains(q), AddressHouse.code == q))
    if grid:
        query = query.where(AddressHouse.grid_code == grid)
    return {"houses": [_house_dict(h, b) for h, b in session.execute(query)]}


@api.get("/houses/{house_code}")
def house(house_code: str, session: DbSession, _actor: Reader) -> dict[str, Any]:
    """One house of the base."""
    row = session.execute(
        select(AddressHouse, AddressBuilding)
        .join(AddressBuilding, AddressHouse.building_id == AddressBuilding.id)
        .where(AddressHouse.code == house_code)).first()
    if row is None:
        raise NotFound(f"no house has the code {house_code!r}", field="house_code",
                       value=house_code,
                       fix="search with GET /api/addresses/houses?q=")
    return _house_dict(*row)


@api.post("/geocode")
def geocode(body: GeocodeIn, session: DbSession, _actor: Reader) -> dict[str, Any]:
    """Text → house/building → point → grid; or a point in any CRS → WGS-84 → grid."""
    from civicgrid.grids.placing import locate

    if body.lat is not None and body.lon is not None:
        try:
            point = placing.wgs84_point(body.lat, body.lon, body.crs)
        except ValueError as exc:
            raise ValidationFailed(str(exc), field="crs", value=body.crs,
                                   allowed=["WGS84", "CGCS2000", "GCJ02", "BD09"]) from None
        found = locate(session, point["lat"], point["lon"])
        return {"level": "point", "confidence": 1.0 if found else 0.0, **point,
                "grid": found.to_dict() if found else None}
    if not body.text:
        raise ValidationFailed("give `text` or both `lat` and `lon`", field="text",
                               value=None, fix="send an address text or a point")
    return placing.geocode_text(session, body.text).to_dict()


@api.post("/match")
def match(body: MatchIn, session: DbSession, _actor: Matcher) -> dict[str, Any]:
    """Match an outside list to the base: decisions, candidates and the review queue."""
    index = placing.base_index(session)
    results = [index.match_text(a.ref, a.text) for a in body.addresses]
    return {"results": [r.to_dict() for r in results], "report": matching.report(results)}


@api.post("/gas/link")
def gas_link(body: GasLinkIn, session: DbSession, _actor: Manager) -> dict[str, Any]:
    """Link a gas customer list (or the generated demo list) and open verification tasks."""
    if body.customers is not None and not body.demo:
        customers, source = [c.model_dump() for c in body.customers], "request"
    else:
        found = gas.customers_for_check(session, demo=body.demo)
        if found is None:
            raise ValidationFailed("give `customers` or `demo: true`", field="customers",
                                   value=None, fix="send the customer list, or import gas "
                                   "usage into ground data first")
        customers, source = found
    report = gas.link_customers(session, customers, min_usage=body.min_usage)
    session.commit()
    return report | {"generated": source == "generated" or body.demo, "source": source}


@api.get("/gas/tasks")
def gas_tasks(session: DbSession, actor: Verifier, status: str | None = None) -> dict[str, Any]:
    """Verification tasks: a grid worker sees their own, supervisors all."""
    mine = actor.id if actor.role == "grid_worker" else None
    return {"tasks": gas.list_tasks(session, assignee_id=mine, status=status),
            "summary": gas.summary(session)}


@api.post("/gas/tasks/{task_id}/result")
def gas_result(task_id: int, body: ResultIn, session: DbSession,
               actor: Verifier) -> dict[str, Any]:
    """Feed back a visit: residents found, vacant, business use or other."""
    task = gas.record_result(session, task_id, actor_id=actor.id, actor_name=actor.name,
                             actor_role=actor.role, result=body.result,
                             residents_found=body.residents_found, note=body.note)
    session.commit()
    return task


@api.get("/door/{house_code}")
def door(house_code: str, session: DbSession) -> dict[str, Any]:
    """The public doorplate page's data (no login: the plate is on the door)."""
    return doorplate.door_page(session, house_code)


@api.get("/door/{house_code}/qr.svg")
def door_qr(house_code: str, request: Request, session: DbSession) -> Response:
    """The doorplate's QR image, opening /door/{code} on this server."""
    doorplate.door_page(session, house_code)  # 404 for an unknown code
    svg = doorplate.qr_svg(house_code, str(request.base_url))
    return Response(svg, media_type="image/svg+xml")


router = APIRouter()
router.include_router(api)
router.include_router(pages_router)

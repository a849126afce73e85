"""Geocoding a case against the address base: text → house or building → point → grid.

:func:`geocode_text` parses an address, matches it to the base (:mod:`.matching`) and returns
a :class:`CasePlace` with the level reached — ``house`` (a matched house), ``building`` (the
estate and building agree but the house is absent or uncertain), ``street`` (only the
parser's street) or None — a confidence, the WGS-84 point and the grid, community and street
of that point (:func:`civicgrid.grids.placing.locate`).

:func:`geocode_new_case` is subscribed to case events: a live case created with a
``location_text`` and no coordinates gets its point, grid, community and street when the
level reached is house or building with confidence ≥ :data:`FILL_AT`, and a ``geocoded``
event (level, confidence, codes) either way; an uncertain one is marked ``needs_review`` and
its fields are left for a person. Imported history is left as it came, and nothing happens
while the base is empty.

:func:`wgs84_point` converts coordinates arriving in GCJ-02 or BD-09 to WGS-84 and says which
CRS they came in.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicgrid.addresses.datums import CRS, Point, convert
from civicgrid.addresses.matching import BaseIndex, MatchResult, parts_of, parts_of_text
from civicgrid.addresses.models import AddressBuilding, AddressHouse
from civicgrid.addresses.parser import parse
from civicgrid.cases import service as cases
from civicgrid.cases.events import CaseHappening, subscribe

log = logging.getLogger(__name__)

FILL_AT = 0.5
_indexes: dict[tuple[object, ...], BaseIndex] = {}


@dataclass
class CasePlace:
    """Where an address text lies, how far it was resolved and how sure we are."""

    level: str | None
    confidence: float
    house_code: str | None = None
    building_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    grid_code: str | None = None
    community_code: str | None = None
    street_code: str | None = None
    decision: str | None = None

    @property
    def needs_review(self) -> bool:
        return self.confidence < FILL_AT or self.lat is None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready place with ``needs_review``."""
        return asdict(self) | {"needs_review": self.needs_review}


def base_index(session: Session) -> BaseIndex:
    """The base as a :class:`BaseIndex`, rebuilt when houses or buildings were added or removed.

    The key holds the newest creation time as well as counts and the highest id: SQLite hands
    the ids of deleted rows out again, so a base emptied and reloaded to the same size would
    otherwise look unchanged.
    """
    stamp = session.execute(select(
        func.count(AddressHouse.id), func.max(AddressHouse.id), func.max(AddressHouse.created_at),
        select(func.count(AddressBuilding.id)).scalar_subquery(),
        select(func.max(AddressBuilding.created_at)).scalar_subquery(),
    )).one()
    key = (str(session.get_bind().url), *stamp)
    if key not in _indexes:
        _indexes.clear()
        rows = session.execute(
            select(AddressHouse, AddressBuilding)
            .join(AddressBuilding, AddressHouse.building_id == AddressBuilding.id))
        _indexes[key] = BaseIndex(
            parts_of(h.code, b.estate, b.road, b.road_number, b.building, h.unit, h.floor,
                     h.room) for h, b in rows)
    return _indexes[key]


def geocode_text(session: Session, text: str) -> CasePlace:
    """Place an address text through the base; the street from the parser when no house."""
    result = base_index(session).match(parts_of_text("case", text))
    house_code = result.code if result.decision in {"match", "review"} else None
    if house_code is not None:
        house = session.scalar(select(AddressHouse).where(AddressHouse.code == house_code))
        return _from_house(session, house, result)
    building = _building_only(session, result)
    if building is not None:
        place = CasePlace("building", 0.7, None, building.code, building.lat, building.lon,
                          building.grid_code, building.community_code, building.street_code,
                          result.decision)
        return _with_grid(session, place)
    parsed = parse(text)
    if parsed.street_code:
        return CasePlace("street", round(parsed.confidence * 0.6, 3),
                         street_code=parsed.street_code, decision=result.decision)
    return CasePlace(None, 0.0, decision=result.decision)


def _from_house(session: Session, house: AddressHouse | None, result: MatchResult) -> CasePlace:
    if house is None:
        return CasePlace(None, 0.0, decision=result.decision)
    building = session.get(AddressBuilding, house.building_id)
    place = CasePlace("house", round(result.probability, 4), house.code,
                      building.code if building else None, house.lat, house.lon,
                      house.grid_code, house.community_code, house.street_code, result.decision)
    return _with_grid(session, place)


def _building_only(session: Session, result: MatchResult) -> AddressBuilding | None:
    """The building when estate and building agree for the best candidate."""
    for candidate in result.candidates[:1]:
        levels = candidate.levels
        if levels["place"] in {"exact", "typo"} and levels["building"] == "agree":
            house = session.scalar(select(AddressHouse).where(AddressHouse.code == candidate.code))
            return session.get(AddressBuilding, house.building_id) if house else None
    return None


def _with_grid(session: Session, place: CasePlace) -> CasePlace:
    from civicgrid.grids.placing import locate

    if place.lat is not None and place.lon is not None and place.grid_code is None:
        found = locate(session, place.lat, place.lon)
        if found is not None:
            place.grid_code = found.grid_code
            place.community_code = found.community_code
            place.street_code = found.street_code
    return place


def wgs84_point(lat: float, lon: float, crs: str = "WGS84") -> dict[str, object]:
    """Coordinates in WGS84/CGCS2000/GCJ02/BD09 → WGS-84, with the CRS they came in."""
    name = crs.upper().replace("-", "")
    source = {"WGS84": CRS.WGS84, "CGCS2000": CRS.WGS84, "GCJ02": CRS.GCJ02,
              "BD09": CRS.BD09}.get(name)
    if source is None:
        raise ValueError(f"crs={crs!r} is unknown; use WGS84, CGCS2000, GCJ02 or BD09")
    point = convert(Point(lon, lat, source), CRS.WGS84)
    return {"lat": round(point.lat, 7), "lon": round(point.lon, 7), "crs": "WGS84",
            "source_crs": name}


@subscribe
def geocode_new_case(session: Session, happening: CaseHappening) -> None:
    """Fill point, grid, community and street of a new live case from its address text."""
    case, event = happening.case, happening.event
    if not happening.live or event.kind != "create" or not case.location_text:
        return
    if case.lat is not None or case.lon is not None:
        return
    if not base_index(session).houses:  # no address base loaded: nothing to place against
        return
    try:
        place = geocode_text(session, case.location_text)
    except Exception:  # a geocoding fault must never block case intake
        log.exception("case %s: geocoding failed", case.number)
        return
    if not place.needs_review and place.level in {"house", "building"}:
        case.lat, case.lon = place.lat, place.lon
        case.grid_code = place.grid_code or case.grid_code
        case.community_code = place.community_code or case.community_code
        case.street_code = place.street_code or case.street_code
    cases.record_event(session=session, case=case, kind="geocoded", payload=place.to_dict())

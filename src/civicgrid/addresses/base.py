"""The standard address base: stable codes, import from tables and GeoJSON, the demo base.

* :func:`building_code` / :func:`house_code` — codes derived from the normalised parts
  (estate or road+number, building key; then unit, floor and room keys), so the same house
  imported twice, or written ``A座`` once and ``A栋`` the next time, keeps one code.
* :func:`import_rows` — rows with columns ``road``, ``road_number``, ``estate``, ``building``,
  ``unit``, ``floor``, ``room``, ``lon``, ``lat`` (optional: ``community_code``,
  ``street_code``, ``grid_code``, ``residents``, ``crs``); points in GCJ-02/BD-09 are
  converted to WGS-84; a missing grid is found from the point. Bad rows are reported with their
  1-based row number and the field, and skipped; the rest are stored.
* :func:`import_table` (CSV/XLSX through ``read_table``) and :func:`import_geojson` (Point
  features whose properties are the columns above) feed :func:`import_rows`.
* :func:`generate_demo_base` — a generated base (``generated=True``) laid inside the grid
  polygons in force: a few estates per grid with buildings, units, floors and rooms, including
  letter+number rooms (18C08/18C09/18C80), floors 负一层/1层 and shops L1-21/L1-21A.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicgrid.addresses.datums import CRS, Point, convert
from civicgrid.addresses.keys import building_key, floor_key, room_key, unit_key
from civicgrid.addresses.models import AddressBuilding, AddressHouse
from civicgrid.addresses.normalise import basic_form

log = logging.getLogger(__name__)

ROADS = ("南海大道", "科技园路", "深南大道", "南山大道", "前海路", "后海大道", "创业路",
         "工业八路", "桃园路", "沙河西路", "学府路", "蛇口新街")
_WORD_A = ("海", "桃", "荔", "松", "榕", "丽", "华", "锦", "星", "翠", "碧", "金", "银", "云",
           "月", "阳", "光", "东", "西", "湾")
_WORD_B = ("岸", "源", "林", "苑", "景", "庭", "湖", "山", "城", "港", "园", "轩", "峰", "都")
_SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴")
GENERATED_LABEL = "生成的演示地址库（非真实地址）"


def _clean(text: str | None) -> str:
    return basic_form(text or "").replace(" ", "").upper()


def place_key_of(estate: str | None, road: str | None, road_number: str | None) -> str:
    """Estate name, else road + number, normalised: what a building hangs under."""
    if estate and _clean(estate):
        return _clean(estate)
    number = _clean(road_number).removesuffix("号")
    return f"{_clean(road)}{number}号" if number else _clean(road)


def _digest(prefix: str, text: str) -> str:
    return prefix + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12].upper()


def building_code(place: str, building: str | None) -> str:
    """Stable building code from the place key and the building key."""
    return _digest("B", f"{place}|{building_key(building) or ''}")


def house_code(place: str, building: str | None, unit: str | None, floor: str | None,
               room: str | None) -> str:
    """Stable house (doorplate) code from the place key and the house-level keys."""
    keys = (building_key(building), unit_key(unit), floor_key(floor), room_key(room))
    return _digest("H", place + "|" + "|".join(k or "" for k in keys))


def standard_text(row: Mapping[str, Any]) -> str:
    """The standard written form: road + number, estate, 栋, 单元, floor, room."""
    parts = [row.get("road") or "", f"{row['road_number']}号" if row.get("road_number") else "",
             row.get("estate") or ""]
    if row.get("building"):
        parts.append(f"{building_key(row['building'])}栋")
    if row.get("unit"):
        parts.append(f"{unit_key(row['unit'])}单元")
    if row.get("floor") and not row.get("room"):
        parts.append(str(row["floor"]))
    if row.get("room"):
        parts.append(f"{room_key(row['room'])}")
    return "".join(parts)


def _float(value: Any, field: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{field}={value!r} is not a number; write decimal degrees") from None


def _point(row: Mapping[str, Any]) -> Point | None:
    lon, lat = _float(row.get("lon"), "lon"), _float(row.get("lat"), "lat")
    if lon is None or lat is None:
        return None
    crs_name = str(row.get("crs") or "WGS84").upper().replace("-", "")
    crs = {"WGS84": CRS.WGS84, "CGCS2000": CRS.WGS84, "GCJ02": CRS.GCJ02,
           "BD09": CRS.BD09}.get(crs_name)
    if crs is None:
        raise ValueError(f"crs={row.get('crs')!r} is unknown; use WGS84, CGCS2000, GCJ02 or BD09")
    return convert(Point(lon, lat, crs), CRS.WGS84)


def import_rows(session: Session, rows: Iterable[Mapping[str, Any]], *,
                generated: bool = False, source: str = "import") -> dict[str, Any]:
    """Store buildings and houses from rows; returns counts and row-level errors."""
    from civicgrid.grids.placing import locate

    buildings: dict[str, AddressBuilding] = {
        b.code: b for b in session.scalars(select(AddressBuilding))
    }
    known = set(session.scalars(select(AddressHouse.code)))
    errors: list[dict[str, Any]] = []
    added = 0
    for number, row in enumerate(rows, start=1):
        try:
            house = _house_of(session, row, buildings, generated, source, locate)
        except ValueError as exc:
            errors.append({"row": number, "error": str(exc)})
            continue
        if house.code in known:
            continue
        known.add(house.code)
        session.add(house)
        added += 1
    session.flush()
    log.info("address base import: %s houses added, %s row errors", added, len(errors))
    return {"houses_added": added, "buildings": len(buildings), "errors": errors}


def _house_of(session: Session, row: Mapping[str, Any], buildings: dict[str, AddressBuilding],
              generated: bool, source: str, locate: Any) -> AddressHouse:
    place = place_key_of(row.get("estate"), row.get("road"), row.get("road_number"))
    if not place:
        raise ValueError("estate and road are both empty; give an estate name or a road")
    if not any(row.get(k) for k in ("building", "unit", "floor", "room")):
        raise ValueError("building, unit, floor and room are all empty; a house needs one")
    point = _point(row)
    grid = row.get("grid_code") or None
    community, street = row.get("community_code") or None, row.get("street_code") or None
    if point is not None and grid is None:
        found = locate(session, point.lat, point.lon)
        if found is not None:
            grid, community, street = found.grid_code, found.community_code, found.street_code
    code = building_code(place, row.get("building"))
    building = buildings.get(code)
    if building is None:
        building = AddressBuilding(
            code=code, road=row.get("road") or None, road_number=row.get("road_number") or None,
            estate=row.get("estate") or None, place_key=place, building=row.get("building"),
            building_key=building_key(row.get("building")),
            lon=point.lon if point else None, lat=point.lat if point else None,
            community_code=community, street_code=street, grid_code=grid,
            head_name=row.get("head_name") or None, head_phone=row.get("head_phone") or None,
            generated=generated, source=source)
        session.add(building)
        session.flush()
        buildings[code] = building
    residents = row.get("residents")
    return AddressHouse(
        code=house_code(place, row.get("building"), row.get("unit"), row.get("floor"),
                        row.get("room")),
        building_id=building.id, unit=row.get("unit") or None, unit_key=unit_key(row.get("unit")),
        floor=row.get("floor") or None, floor_key=floor_key(row.get("floor")),
        room=row.get("room") or None, room_key=room_key(row.get("room")),
        full_text=standard_text(row), lon=point.lon if point else building.lon,
        lat=point.lat if point else building.lat, community_code=community,
        street_code=street, grid_code=grid,
        residents=int(residents) if residents not in (None, "") else None,
        generated=generated)


def import_table(session: Session, path: Path, sheet: str | None = None) -> dict[str, Any]:
    """Import a CSV/XLSX base (columns as :func:`import_rows` describes)."""
    from civicgrid.intake.files import read_table

    table = read_table(path, sheet=sheet)
    rows = [dict(zip(table.columns, row, strict=False)) for row in table.rows]
    return import_rows(session, rows, source="table")


def import_geojson(session: Session, collection: Mapping[str, Any]) -> dict[str, Any]:
    """Import Point features; properties hold the columns, the geometry gives lon/lat."""
    features = collection.get("features")
    if not isinstance(features, list):
        raise ValueError("the GeoJSON has no `features` list; give a FeatureCollection")
    rows: list[dict[str, Any]] = []
    for feature in features:
        props = dict(feature.get("properties") or {})
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "Point":
            props["lon"], props["lat"] = geometry["coordinates"][:2]
        rows.append(props)
    return import_rows(session, rows, source="geojson")


def demo_rows(grids: list[tuple[str, str | None, str | None]], points: Any,
              *, seed: int = 20261204, estates_per_grid: int = 2) -> list[dict[str, Any]]:
    """Rows of a generated base: ``grids`` are (grid, community, street) codes and
    ``points(grid, rng)`` gives a (lat, lon) inside a grid."""
    rng = random.Random(seed)
    names = [a + b for a in _WORD_A for b in _WORD_B]
    rng.shuffle(names)
    rows: list[dict[str, Any]] = []
    for g, (grid, community, street) in enumerate(grids):
        for e in range(estates_per_grid):
            index = g * estates_per_grid + e
            kind = "花园" if index % 2 == 0 else "广场"
            name = names[index % len(names)] + ("" if index < len(names) else str(index)) + kind
            road, number = ROADS[index % len(ROADS)], str(rng.randint(1, 3999))
            where = {"road": road, "road_number": number, "estate": name,
                     "grid_code": grid, "community_code": community, "street_code": street}
            lat, lon = points(grid, rng) or (None, None)
            maker = _residential if kind == "花园" else _commercial
            heads: dict[str, dict[str, str]] = {}
            for house in maker(rng):
                head = heads.setdefault(house["building"], {
                    "head_name": rng.choice(_SURNAMES) + "楼长",
                    "head_phone": f"1380000{rng.randint(0, 9999):04d}"})
                rows.append(where | house | head | {"lat": lat, "lon": lon})
    return rows


def _residential(rng: random.Random) -> list[dict[str, Any]]:
    houses: list[dict[str, Any]] = []
    for building in ("1", "2", "A"):
        for unit in ("1", "C") if building == "A" else ("1", "2"):
            for floor in (2, 12, 18):
                letter = unit == "C"
                rooms = ("C08", "C09", "C80") if letter else ("01", "02")
                for room in rooms:
                    houses.append({"building": f"{building}栋", "unit": f"{unit}单元",
                                   "floor": f"{floor}层", "room": f"{floor}{room}",
                                   "residents": _residents(rng)})
    return houses


def _commercial(rng: random.Random) -> list[dict[str, Any]]:
    houses = [{"building": "1栋", "floor": floor, "residents": 0}
              for floor in ("负一层", "1层")]
    for room in ("L1-21", "L1-21A", "L1-22", "L2-05"):
        houses.append({"building": "1栋", "floor": room[1] + "层", "room": room, "residents": 0})
    return houses


def _residents(rng: random.Random) -> int:
    return 0 if rng.random() < 0.15 else rng.randint(1, 5)


def generate_demo_base(session: Session, *, seed: int = 20261204,
                       estates_per_grid: int = 2) -> dict[str, Any]:
    """Lay the generated base inside the grids in force, once; returns what was done."""
    from civicgrid.grids.placing import point_in_grid
    from civicgrid.grids.versions import current_version, shapes_of

    if session.scalar(select(func.count()).select_from(AddressHouse)):
        return {"generated": False, "reason": "the address base already has houses"}
    version = current_version(session)
    if version is None:
        return {"generated": False, "reason": "no grid version in force; lay grids first"}
    grids = [(s.grid_code, s.community_code, s.street_code)
             for s in shapes_of(session, version.id)]
    rows = demo_rows(grids, lambda grid, rng: point_in_grid(session, grid, rng),
                     seed=seed, estates_per_grid=estates_per_grid)
    report = import_rows(session, rows, generated=True, source="generated")
    log.warning("%s: %s houses in %s grids", GENERATED_LABEL, report["houses_added"], len(grids))
    return {"generated": True, "label": GENERATED_LABEL, "grids": len(grids), **report}

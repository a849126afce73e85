"""The standard address base in the database: generated demo base, import with row errors,
case geocoding through the base (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicgrid.addresses import base, placing
from civicgrid.addresses.models import AddressBuilding, AddressHouse
from civicgrid.cases import service as cases
from civicgrid.cases.models import CaseEvent
from civicgrid.cases.schemas import CaseCreate
from civicgrid.grids import placing as grid_placing

pytestmark = pytest.mark.db


@pytest.fixture(autouse=True)
def _base(demo_base: dict) -> dict:
    """Every test here runs on the generated base."""
    return demo_base


def _a_house(session: Session, room: str) -> tuple[AddressHouse, AddressBuilding]:
    house = session.scalar(select(AddressHouse).where(AddressHouse.room == room)
                           .order_by(AddressHouse.id).limit(1))
    return house, session.get(AddressBuilding, house.building_id)


def test_generated_base_is_labelled_and_lies_in_grids(demo_base: dict,
                                                      session: Session) -> None:
    assert demo_base["generated"] is True and demo_base["errors"] == []
    houses = session.scalar(select(func.count()).select_from(AddressHouse))
    assert houses == demo_base["houses_added"] > 0
    house, building = _a_house(session, "18C08")
    assert house.generated and building.generated
    place = grid_placing.locate(session, house.lat, house.lon)
    assert place is not None and place.grid_code == house.grid_code


def test_generated_base_holds_the_trap_rooms_and_floors(session: Session) -> None:
    rooms = set(session.scalars(select(AddressHouse.room)))
    floors = set(session.scalars(select(AddressHouse.floor_key)))
    assert {"18C08", "18C09", "18C80", "L1-21", "L1-21A"} <= rooms
    assert {"-1", "1"} <= floors


def test_generating_twice_adds_nothing(session: Session) -> None:
    assert base.generate_demo_base(session)["generated"] is False


def test_import_reports_row_errors_and_keeps_good_rows(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "base.csv"
    path.write_text("road,road_number,estate,building,unit,floor,room,lon,lat,crs\n"
                    "学府路,9,试验小区,1栋,1单元,3层,301,113.93,22.52,WGS84\n"
                    ",,,1栋,,,,113.93,22.52,\n"
                    "学府路,9,试验小区,1栋,1单元,3层,302,abc,22.52,\n", encoding="utf-8")
    report = base.import_table(session, path)
    assert report["houses_added"] == 1
    assert [e["row"] for e in report["errors"]] == [2, 3]
    assert "lon='abc'" in report["errors"][1]["error"]


def test_same_house_written_differently_keeps_one_code() -> None:
    a = base.house_code(base.place_key_of("XX花园", None, None), "A座", "C单元", "18层", "18c08")
    b = base.house_code(base.place_key_of("XX花园", None, None), "a栋", "c", "18", "18C08")
    assert a == b


def test_live_case_with_address_text_gets_point_grid_and_geocoded_event(
        session: Session) -> None:
    house, building = _a_house(session, "12C09")
    text = f"{building.estate}{building.building_key}座C单元12c09燃气味很重"
    case = cases.create(session=session, data=CaseCreate(text="闻到燃气味", location_text=text),
                        channel="hotline")
    assert (case.lat, case.lon, case.grid_code) == (house.lat, house.lon, house.grid_code)
    event = session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                   CaseEvent.kind == "geocoded"))
    assert event.payload["level"] == "house" and event.payload["house_code"] == house.code
    assert event.payload["confidence"] >= 0.9


def test_absent_house_in_a_known_building_reaches_building_level(session: Session) -> None:
    _, building = _a_house(session, "12C09")
    place = placing.geocode_text(session, f"{building.estate}A栋C单元12C10")
    assert place.level == "building" and place.house_code is None
    assert place.building_code == building.code


def test_unknown_address_is_left_for_review(session: Session) -> None:
    case = cases.create(session=session,
                        data=CaseCreate(text="路灯坏了", location_text="某某村口大榕树下"),
                        channel="hotline")
    assert case.lat is None
    event = session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                   CaseEvent.kind == "geocoded"))
    assert event.payload["needs_review"] is True


def test_gcj02_coordinates_convert_to_wgs84_with_the_source_named() -> None:
    point = placing.wgs84_point(22.5172, 113.9349, "GCJ-02")
    assert point["source_crs"] == "GCJ02" and point["crs"] == "WGS84"
    assert abs(point["lon"] - 113.9349) > 0.003


def test_base_index_is_rebuilt_when_a_base_of_the_same_size_replaces_a_rolled_back_one(
    session: Session,
) -> None:
    """SQLite reuses the ids of rolled-back rows: the cached index must still notice."""

    def rows(estate: str) -> list[dict]:
        return [{"road": "登良路", "road_number": "91", "estate": estate, "building": "1栋",
                 "unit": "1单元", "floor": "3层", "room": f"30{r}"} for r in (1, 2)]

    base.import_rows(session, rows("回滚测试甲花园"))
    session.flush()
    first = placing.base_index(session)
    assert first.match_text("a", "南山区登良路91号回滚测试甲花园1栋1单元302").decision == "match"
    session.rollback()

    base.import_rows(session, rows("回滚测试乙花园"))
    session.flush()
    second = placing.base_index(session)
    assert second is not first
    result = second.match_text("b", "南山区登良路91号回滚测试乙花园1栋1单元302")
    house = session.scalar(select(AddressHouse).where(AddressHouse.code == result.code))
    assert result.decision == "match" and house is not None
    session.rollback()

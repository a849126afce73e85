"""/api/addresses and the doorplate page on a real server: geocode, match, gas tasks fed
back by the grid's worker, QR image and public page (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicgrid.accounts.models import User
from civicgrid.addresses.models import AddressBuilding, AddressHouse
from civicgrid.grids.models import GridWorker

pytestmark = pytest.mark.db


@pytest.fixture(autouse=True)
def _base(demo_base: dict) -> dict:
    return demo_base


def _empty_house(session: Session) -> tuple[AddressHouse, AddressBuilding]:
    house = session.scalar(select(AddressHouse).where(
        AddressHouse.residents == 0, AddressHouse.room.like("%C%")).order_by(AddressHouse.id))
    return house, session.get(AddressBuilding, house.building_id)


def test_geocode_text_reaches_house_with_grid(login, session: Session) -> None:  # noqa: ANN001
    house, building = _empty_house(session)
    text = f"{building.estate}A座C单元{house.room.lower()}"
    answer = login("t_viewer").post("/api/addresses/geocode", json={"text": text}).json()
    assert (answer["level"], answer["house_code"]) == ("house", house.code)
    assert answer["grid_code"] == house.grid_code


def test_geocode_point_in_bd09_is_stored_as_wgs84(login) -> None:  # noqa: ANN001
    answer = login("t_viewer").post("/api/addresses/geocode", json={
        "lat": 22.5235, "lon": 113.9414, "crs": "BD-09"}).json()
    assert answer["crs"] == "WGS84" and answer["source_crs"] == "BD09"
    assert abs(answer["lon"] - 113.9414) > 0.005


def test_match_puts_absent_room_outside_automatic_matches(
        login, session: Session) -> None:  # noqa: ANN001
    house, building = _empty_house(session)
    body = {"addresses": [{"ref": "ok", "text": f"{building.estate}A栋C单元{house.room}"},
                          {"ref": "absent", "text": f"{building.estate}A栋C单元18C10"}]}
    answer = login("t_dispatcher").post("/api/addresses/match", json=body).json()
    decisions = {r["ref"]: (r["decision"], r["code"]) for r in answer["results"]}
    assert decisions == {"ok": ("match", house.code), "absent": ("no_match", None)}


def test_gas_task_goes_to_the_grid_worker_who_feeds_back(
        login, session: Session, request: pytest.FixtureRequest) -> None:  # noqa: ANN001
    house, building = _empty_house(session)
    worker = session.scalar(select(User).where(User.username == "t_grid"))
    assignment = GridWorker(user_id=worker.id, grid_code=house.grid_code,
                            since=dt.date(2026, 1, 1))
    session.add(assignment)
    session.commit()
    request.addfinalizer(lambda: (session.delete(assignment), session.commit()))
    customers = [{"customer_ref": "GAS1", "usage_m3": 12.5,
                  "address": f"{building.road}{building.road_number}号{building.estate}"
                             f"A座C单元{house.room.lower()}"}]
    report = login("t_admin").post("/api/addresses/gas/link",
                                   json={"customers": customers}).json()
    assert report["tasks_created"] == 1
    tasks = login("t_grid").get("/api/addresses/gas/tasks").json()["tasks"]
    mine = [t for t in tasks if t["house_code"] == house.code]
    assert len(mine) == 1 and mine[0]["status"] == "open"
    done = login("t_grid").post(f"/api/addresses/gas/tasks/{mine[0]['id']}/result",
                                json={"result": "residents_found", "residents_found": 2})
    assert done.status_code == 200 and done.json()["status"] == "done"
    session.expire_all()
    assert session.get(AddressHouse, house.id).residents == 2


def test_doorplate_qr_and_public_page_link_to_the_resident_page(
        server: str, session: Session) -> None:
    house, _ = _empty_house(session)
    qr = httpx.get(f"{server}/api/addresses/door/{house.code}/qr.svg")
    assert qr.status_code == 200 and qr.text.lstrip().startswith("<?xml")
    door = httpx.get(f"{server}/api/addresses/door/{house.code}").json()
    link = urlparse(door["report_url"])
    assert link.path == "/resident"
    assert parse_qs(link.query) == {"address": [house.full_text], "door": [house.code]}
    page = httpx.get(f"{server}/door/{house.code}")
    assert page.status_code == 200 and house.code in page.text


def test_unknown_doorplate_is_404(server: str) -> None:
    assert httpx.get(f"{server}/api/addresses/door/HNOPE").status_code == 404


def test_console_page_loads_its_own_script(server: str) -> None:
    page = httpx.get(f"{server}/console/addresses")
    assert page.status_code == 200 and "/static/addresses.js" in page.text
    script = httpx.get(f"{server}/static/addresses.js")
    assert script.status_code == 200 and "ADDRESSES" in script.text

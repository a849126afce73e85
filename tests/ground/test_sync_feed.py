"""The city feed's buildings, houses and grid workers: captured changes, export contents and
counts, privacy of workers' phones, push with a 500 or a timeout halfway and a resume."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, select, update
from sqlalchemy.orm import Session

from civicgrid.accounts.models import User
from civicgrid.addresses.models import AddressBuilding, AddressHouse
from civicgrid.grids.models import GridWorker
from civicgrid.ground.config import DEFAULTS, load_config
from civicgrid.ground.feed import set_worker_phone
from civicgrid.ground.models import SyncVersion, WorkerContact
from civicgrid.ground.sync import _ack, export, push
from civicgrid.ground.vault import Vault
from tests.ground.city_stub import CityStub

pytestmark = pytest.mark.db
MAPPING = load_config(DEFAULTS)["sync_mapping"]
ROOT = Path(__file__).resolve().parents[2]
VAULT = Vault("feed-test-key")
NEW_TYPES = ("building", "house", "grid_worker")


@pytest.fixture
def city():
    stub = CityStub()
    yield stub
    stub.close()


@pytest.fixture(autouse=True)
def _cleanup(engine):
    """Export commits what it captures; remove this test's base and workers afterwards so
    the shared database stays as other tests expect it (no houses, no assignments)."""
    yield
    with Session(engine) as session:
        buildings = list(
            session.scalars(select(AddressBuilding.id).where(AddressBuilding.code.like("TB%")))
        )
        houses = list(
            session.scalars(select(AddressHouse.id).where(AddressHouse.building_id.in_(buildings)))
        )
        workers = list(session.scalars(select(GridWorker.id).where(GridWorker.grid_code == "G-F")))
        for record_type, ids in (
            ("building", buildings),
            ("house", houses),
            ("grid_worker", workers),
        ):
            session.execute(
                delete(SyncVersion).where(
                    SyncVersion.record_type == record_type, SyncVersion.record_id.in_(ids)
                )
            )
        session.execute(delete(AddressHouse).where(AddressHouse.id.in_(houses)))
        session.execute(delete(AddressBuilding).where(AddressBuilding.id.in_(buildings)))
        session.execute(delete(GridWorker).where(GridWorker.id.in_(workers)))
        session.execute(delete(WorkerContact))
        session.execute(delete(SyncVersion).where(SyncVersion.deleted.is_(True)))
        session.commit()


def _base(session: Session, rooms: int = 3) -> tuple[AddressBuilding, list[AddressHouse]]:
    tag = uuid.uuid4().hex[:8].upper()
    building = AddressBuilding(
        code=f"TB{tag}",
        road="福泰路",
        road_number="9",
        estate="测试花园",
        place_key=f"测试花园{tag}",
        building="1栋",
        building_key="1",
        street_code="ST-F",
        grid_code="G-F",
    )
    session.add(building)
    session.flush()
    houses = [
        AddressHouse(
            code=f"TH{tag}{r:02d}",
            building_id=building.id,
            unit="1单元",
            floor="12层",
            room=f"12{r:02d}",
            full_text=f"测试花园1栋12{r:02d}",
            grid_code="G-F",
            street_code="ST-F",
        )
        for r in range(1, rooms + 1)
    ]
    session.add_all(houses)
    session.flush()
    return building, houses


def _worker(session: Session, phone: str = "13912345678") -> GridWorker:
    user = session.scalar(select(User).where(User.username == "t_grid"))
    worker = GridWorker(user_id=user.id, grid_code="G-F", since=dt.date(2026, 1, 1))
    session.add(worker)
    session.flush()
    set_worker_phone(session=session, vault=VAULT, user_id=user.id, phone=phone, actor="t_admin")
    return worker


def _lines(folder: Path, name: str) -> list[dict]:
    text = (folder / f"{name}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def _baseline(session: Session, tmp_path: Path) -> int:
    """Capture whatever other tests left, so later exports hold only this test's changes."""
    return export(
        session=session, since=0, out_dir=tmp_path / "base", mapping=MAPPING, vault=VAULT
    )["cursor"]


def test_new_types_exported_once_then_only_when_changed(session, tmp_path) -> None:
    start = _baseline(session, tmp_path)
    building, houses = _base(session)
    worker = _worker(session)
    first = export(
        session=session, since=start, out_dir=tmp_path / "a", mapping=MAPPING, vault=VAULT
    )
    assert {t: first["counts"][t] for t in NEW_TYPES} == {
        "building": 1,
        "house": 3,
        "grid_worker": 1,
    }
    for name, count in first["counts"].items():
        assert len(_lines(tmp_path / "a", name)) == count
    house = _lines(tmp_path / "a", "house")[0]
    assert house["FWBM"] == houses[0].code and house["LDBM"] == building.code
    assert house["BBH"] == 1 and house["SH"] == "1201"
    assert _lines(tmp_path / "a", "building")[0]["LDBM"] == building.code
    person = _lines(tmp_path / "a", "grid_worker")[0]
    assert person["WGYID"] == worker.id and person["WGBM"] == "G-F"
    assert person["LXDH"] == "139****5678"  # masked by the default mapping

    session.execute(
        update(AddressHouse).where(AddressHouse.id == houses[1].id).values(room="1299")
    )  # export detaches the objects it read
    second = export(
        session=session, since=first["cursor"], out_dir=tmp_path / "b", mapping=MAPPING, vault=VAULT
    )
    assert {t: second["counts"][t] for t in NEW_TYPES} == {
        "building": 0,
        "house": 1,
        "grid_worker": 0,
    }
    changed = _lines(tmp_path / "b", "house")[0]
    assert changed["FWBM"] == houses[1].code and changed["SH"] == "1299"
    assert changed["BBH"] == 2

    third = export(
        session=session,
        since=second["cursor"],
        out_dir=tmp_path / "c",
        mapping=MAPPING,
        vault=VAULT,
    )
    assert sum(third["counts"].values()) == 0 and third["cursor"] == second["cursor"]


def test_resealed_phone_is_no_change_but_a_new_phone_is(session, tmp_path) -> None:
    start = _baseline(session, tmp_path)
    worker = _worker(session)
    first = export(
        session=session, since=start, out_dir=tmp_path / "a", mapping=MAPPING, vault=VAULT
    )
    assert first["counts"]["grid_worker"] == 1
    set_worker_phone(
        session=session, vault=VAULT, user_id=worker.user_id, phone="13912345678", actor="t_admin"
    )
    again = export(
        session=session, since=first["cursor"], out_dir=tmp_path / "b", mapping=MAPPING, vault=VAULT
    )
    assert again["counts"]["grid_worker"] == 0
    set_worker_phone(
        session=session, vault=VAULT, user_id=worker.user_id, phone="13700001111", actor="t_admin"
    )
    new = export(
        session=session, since=again["cursor"], out_dir=tmp_path / "c", mapping=MAPPING, vault=VAULT
    )
    assert new["counts"]["grid_worker"] >= 1
    line = next(r for r in _lines(tmp_path / "c", "grid_worker") if r["WGYID"] == worker.id)
    assert line["LXDH"] == "137****1111" and line["BBH"] == 2


@pytest.mark.parametrize(("rule", "expected"), [("full", "13912345678"), ("omit", None)])
def test_phone_follows_the_mapping(session, tmp_path, rule, expected) -> None:
    mapping = json.loads(json.dumps(MAPPING))
    mapping["grid_worker"]["fields"]["phone_cipher"] = {"to": "LXDH", "privacy": rule}
    start = _baseline(session, tmp_path)
    worker = _worker(session)
    export(session=session, since=start, out_dir=tmp_path / "a", mapping=mapping, vault=VAULT)
    line = next(r for r in _lines(tmp_path / "a", "grid_worker") if r["WGYID"] == worker.id)
    assert line.get("LXDH") == expected and (rule != "omit" or "LXDH" not in line)


def test_unknown_privacy_rule_is_refused(session, tmp_path) -> None:
    mapping = json.loads(json.dumps(MAPPING))
    mapping["grid_worker"]["fields"]["phone_cipher"] = {"to": "LXDH", "privacy": "plain"}
    with pytest.raises(ValueError, match="privacy 'plain' is unknown"):
        export(session=session, since=0, out_dir=tmp_path, mapping=mapping, vault=VAULT)


def test_deleted_house_is_sent_as_a_deletion_and_dropped_by_the_city(
    session, tmp_path, city
) -> None:
    target = f"feed-del-{uuid.uuid4().hex[:6]}"
    _ack(session, target, _baseline(session, tmp_path))
    _building, houses = _base(session, rooms=2)
    first = _push(session, city, target)
    assert first["sent"] == 3 and ("house", houses[0].id) in city.records
    gone = houses[0].id
    session.execute(delete(AddressHouse).where(AddressHouse.id == gone))
    exported = export(
        session=session, since=first["acked"], out_dir=tmp_path / "d", mapping=MAPPING, vault=VAULT
    )
    assert {t: exported["counts"][t] for t in NEW_TYPES} == {
        "building": 0,
        "house": 1,
        "grid_worker": 0,
    }
    assert _lines(tmp_path / "d", "house") == [{"FWID": gone, "BBH": 2, "SCBZ": True}]
    second = _push(session, city, target)
    assert second["sent"] == 1 and ("house", gone) not in city.records
    assert city.deleted[("house", gone)] == 2 and ("house", houses[1].id) in city.records
    again = export(
        session=session,
        since=exported["cursor"],
        out_dir=tmp_path / "e",
        mapping=MAPPING,
        vault=VAULT,
    )
    assert again["counts"]["house"] == 0  # the deletion is captured once


def test_people_in_the_mapping_are_refused(session, tmp_path) -> None:
    mapping = {"person": {"record_type": "person", "fields": {"id": "RYID", "name": "XM"}}}
    with pytest.raises(ValueError, match="never sent to the city"):
        export(session=session, since=0, out_dir=tmp_path, mapping=mapping, vault=VAULT)
    assert not (tmp_path / "person.jsonl").exists()


def _push(session: Session, city: CityStub, target: str, **kw: object) -> dict:
    return push(
        session=session,
        base_url=city.url,
        mapping=MAPPING,
        target=target,
        batch_size=2,
        retries=1,
        backoff=0.01,
        vault=VAULT,
        **kw,
    )


def _mine(
    city: CityStub, building: AddressBuilding, houses: list[AddressHouse], worker: GridWorker
) -> dict[tuple[str, int], int]:
    keys = [("building", building.id), ("grid_worker", worker.id)]
    keys += [("house", h.id) for h in houses]
    return {k: city.records[k] for k in keys if k in city.records}


@pytest.mark.parametrize("mode", ["500", "timeout"])
def test_push_new_types_interrupted_then_resumed(session, tmp_path, city, mode) -> None:
    target = f"feed-{mode}-{uuid.uuid4().hex[:6]}"
    _ack(session, target, _baseline(session, tmp_path))  # the city has everything before
    building, houses = _base(session, rooms=5)
    worker = _worker(session)
    city.fail_from, city.fail_mode = 2, mode
    first = _push(session, city, target, timeout=0.5)
    assert first["error"] and first["batches"] == 2 and first["sent"] == 4
    assert len(city.receipts) == 4

    city.fail_from = None
    second = _push(session, city, target)
    assert second["error"] is None and second["from"] == first["acked"]
    assert second["sent"] == 3  # 1 building + 5 houses + 1 worker = 7, 4 acknowledged before
    assert len(city.receipts) == len(set(city.receipts)) == 7
    assert _mine(city, building, houses, worker) == {
        **{("house", h.id): 1 for h in houses},
        ("building", building.id): 1,
        ("grid_worker", worker.id): 1,
    }
    sent_worker = next(r for r in city.receipts if r[0] == "grid_worker")
    assert sent_worker == ("grid_worker", worker.id, 1)

    session.execute(
        update(AddressHouse).where(AddressHouse.id == houses[2].id).values(floor="13层")
    )
    third = _push(session, city, target)
    assert third["sent"] == 1 and city.records[("house", houses[2].id)] == 2


def test_cli_export_counts_new_types_and_resumes_from_cursor(tmp_path) -> None:
    from civicgrid.db.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'feed.db'}"
    engine = create_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        _base(session, rooms=4)
        session.commit()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "CIVICGRID_DATABASE_URL": url,
        "CIVICGRID_DATA_DIR": str(tmp_path),
    }

    def run(since: str, out: str) -> dict:
        answer = subprocess.run(
            [
                sys.executable,
                "-m",
                "civicgrid",
                "sync",
                "export",
                "--since",
                since,
                "--out",
                str(tmp_path / out),
                "--json",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(answer.stdout)
        for name, count in result["counts"].items():
            assert len((tmp_path / out / f"{name}.jsonl").read_text().splitlines()) == count
        return result

    first = run("0", "a")
    assert first["counts"]["building"] == 1 and first["counts"]["house"] == 4
    assert sum(run(str(first["cursor"]), "b")["counts"].values()) == 0
    with engine.begin() as conn:
        conn.execute(update(AddressHouse).where(AddressHouse.room == "1203").values(room="1233"))
    third = run(str(first["cursor"]), "c")
    assert third["counts"]["house"] == 1 and third["counts"]["building"] == 0
    engine.dispose()

"""Utility usage imported by address, linked to houses through the address matcher; the
signals on linked houses; the gas check reading its usage from ground utility data."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicgrid.addresses.base import import_rows as import_base
from civicgrid.addresses.gas import customers_for_check, link_customers
from civicgrid.addresses.models import AddressBuilding, AddressHouse, GasVerification
from civicgrid.ground.models import UtilityUsage
from civicgrid.ground.records import PersonIn, save_person
from civicgrid.ground.utility import import_usage, signals, unmatched
from civicgrid.ground.vault import Vault

pytestmark = pytest.mark.db
VAULT = Vault("k")
MONTHS = ("2026-09", "2026-10", "2026-11")


def _estate(session: Session) -> tuple[str, dict[str, str]]:
    """A small base under an estate name no other test uses; room → house code."""
    estate = (
        "榕树湾"
        + uuid.uuid4()
        .hex[:4]
        .translate(str.maketrans("0123456789abcdef", "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳"))
        + "花园"
    )
    rows = [
        {
            "road": "登良路",
            "road_number": "23",
            "estate": estate,
            "building": f"{b}栋",
            "unit": "1单元",
            "floor": "12层",
            "room": f"12{r:02d}",
            "residents": 0,
        }
        for b in (2, 3)
        for r in (1, 2)
    ]
    import_base(session, rows)
    houses = session.execute(
        select(AddressHouse.code, AddressBuilding.building, AddressHouse.room)
        .join(AddressBuilding, AddressBuilding.id == AddressHouse.building_id)
        .where(AddressBuilding.estate == estate)
    ).all()
    return estate, {f"{building[0]}-{room}": code for code, building, room in houses}


def _file(tmp_path, rows: list[tuple[str, str, float, str]]):
    path = tmp_path / f"usage-{uuid.uuid4().hex[:6]}.csv"
    lines = ["account,month,amount,address"] + [f"{a},{m},{x},{addr}" for a, m, x, addr in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_addresses_written_differently_are_linked_and_the_rest_listed(session, tmp_path) -> None:
    estate, codes = _estate(session)
    tag = uuid.uuid4().hex[:6]
    written = {
        f"G{tag}1": f"广东省深圳市南山区粤海街道登良路23号{estate}2栋1单元1201",  # full form
        f"G{tag}2": f"{estate}２栋１单元１２０２",  # full-width digits, no district or street
        f"G{tag}3": f"登良路23号{estate}3座1单元1201",  # 座 for 栋
        f"G{tag}4": f"南山区{estate}3幢1202房",  # 幢, street missing
        f"G{tag}5": "星河大厦99楼9901",  # not in the base
        f"G{tag}6": f"{estate}2栋1单元1299",  # a room the base does not have
    }
    rows = [(a, m, 10.0, text) for a, text in written.items() for m in MONTHS]
    result = import_usage(session=session, path=_file(tmp_path, rows), utility="gas")
    assert result["loaded"] == 18 and result["problems"] == []
    linked = {
        u.account: (u.house_code, u.match_decision, u.match_probability)
        for u in session.scalars(
            select(UtilityUsage).where(
                UtilityUsage.account.like(f"G{tag}%"), UtilityUsage.month == "2026-11"
            )
        )
    }
    assert linked[f"G{tag}1"][:2] == (codes["2-1201"], "match")
    assert linked[f"G{tag}2"][:2] == (codes["2-1202"], "match")
    assert linked[f"G{tag}3"][:2] == (codes["3-1201"], "match")
    assert linked[f"G{tag}4"][:2] == (codes["3-1202"], "match")
    assert all(p >= 0.9 for code, d, p in linked.values() if d == "match")
    assert linked[f"G{tag}5"][0] is None and linked[f"G{tag}6"][0] is None
    listed = {u["account"]: u for u in unmatched(session=session, utility="gas")}
    assert set(listed) >= {f"G{tag}5", f"G{tag}6"}
    assert listed[f"G{tag}5"]["reason"] and listed[f"G{tag}5"]["match_decision"] == "no_match"
    assert listed[f"G{tag}6"]["latest_month"] == "2026-11"
    assert {u["row"] for u in result["unmatched"] if u["account"] == f"G{tag}5"} == {13, 14, 15}


def test_signals_on_linked_houses(session, tmp_path) -> None:
    estate, codes = _estate(session)
    save_person(
        session=session,
        vault=VAULT,
        actor="t_grid",
        data=PersonIn(house_code=codes["2-1201"], name="住户"),
    )
    tag = uuid.uuid4().hex[:6]
    rows = [(f"P{tag}A", m, 0.0, f"{estate}2栋1单元1201") for m in MONTHS]
    rows += [(f"P{tag}B", m, 120.0, f"{estate}２栋１单元１２０２") for m in MONTHS]
    rows += [(f"P{tag}C", m, 300.0, "星河大厦99楼9901") for m in MONTHS]
    import_usage(session=session, path=_file(tmp_path, rows), utility="power")
    found = {
        (s["signal"], s["house_code"]) for s in signals(session=session) if s["utility"] == "power"
    }
    assert ("long_zero_usage", codes["2-1201"]) in found
    assert ("usage_without_residents", codes["2-1202"]) in found
    assert not any(code is None for _, code in found)  # unmatched usage gives no signal


def test_gas_check_reads_ground_usage(session, tmp_path) -> None:
    estate, codes = _estate(session)
    tag = uuid.uuid4().hex[:6]
    rows = [(f"K{tag}1", m, 15.0, f"{estate}3栋1单元1202") for m in MONTHS]
    rows += [(f"K{tag}2", "2026-11", 0.0, f"{estate}3栋1单元1201")]
    import_usage(session=session, path=_file(tmp_path, rows), utility="gas")
    found = customers_for_check(session)
    assert found is not None and found[1] == "ground_utility"
    mine = {c["customer_ref"]: c for c in found[0] if c["customer_ref"].startswith(f"K{tag}")}
    assert mine[f"K{tag}1"]["house_code"] == codes["3-1202"]
    assert mine[f"K{tag}1"]["usage_m3"] == 15.0 and mine[f"K{tag}1"]["month"] == "2026-11"
    report = link_customers(session, list(mine.values()), min_usage=1.0)
    assert report["match"] == 2 and report["tasks_created"] == 1
    house = session.scalar(select(AddressHouse).where(AddressHouse.code == codes["3-1202"]))
    task = session.scalar(select(GasVerification).where(GasVerification.house_id == house.id))
    assert task.customer_ref == f"K{tag}1" and task.usage_m3 == 15.0
